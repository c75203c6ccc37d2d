/**
 * An independent reading of EventBridge Scheduler's cron(...) semantics, written from its
 * documentation, to check the croner patterns against: six fields (minutes hours day-of-month
 * month day-of-week year), day-of-week 1-7 with Sunday = 1, `?` in one of the day fields, `L` as
 * the month's last day, `a/n` as "from a every n". Brute force over days; fixed-offset zones only.
 */
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

type Matcher = (value: number, context: { lastDay: number }) => boolean;

/** A field's values: `*`, `a`, `a-b`, `a/n`, `a-b/n`, lists, names (case-insensitive, the first one = nameBase), `L`. */
export function fieldMatcher(text: string, min: number, max: number, names?: string[], nameBase = min): Matcher {
  if (text === '*' || text === '?') return () => true;
  const value = (raw: string) => {
    const named = names?.indexOf(raw.toUpperCase()) ?? -1;
    return named >= 0 ? named + nameBase : Number(raw);
  };
  const parts = text.split(',').map((part): Matcher => {
    if (part === 'L') return (day, { lastDay }) => day === lastDay;
    const [range, step] = part.split('/');
    const [low, high] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(value)
          : [value(range), step ? max : value(range)];
    const every = step ? Number(step) : 1;
    return (candidate) => candidate >= low && candidate <= high && (candidate - low) % every === 0;
  });
  return (candidate, context) => parts.some((matches) => matches(candidate, context));
}

function offsetMinutes(timezone: string, at: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(at))
      .map((part) => [part.type, Number(part.value)]),
  );
  return (
    (Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - Math.floor(at / 60_000) * 60_000) /
    60_000
  );
}

/** Which local days, hours and minutes a schedule matches; `weekday` is 0 for Sunday. */
export interface CalendarMatcher {
  day(date: { year: number; month: number; day: number; weekday: number; lastDay: number }): boolean;
  hour(hour: number): boolean;
  minute(minute: number): boolean;
}

/** Instants after `from` (exclusive) up to `until` whose wall time in `timezone` matches, at most `limit`; brute force by day. */
export function fireTimesWhere(
  matcher: CalendarMatcher,
  timezone: string,
  from: Date,
  until: Date,
  limit: number,
): Date[] {
  const fires: Date[] = [];
  const offset = offsetMinutes(timezone, from.getTime());
  const startLocal = new Date(from.getTime() + offset * 60_000);
  for (let dayIndex = 0; fires.length < limit; dayIndex += 1) {
    const local = new Date(
      Date.UTC(startLocal.getUTCFullYear(), startLocal.getUTCMonth(), startLocal.getUTCDate() + dayIndex),
    );
    if (local.getTime() - offset * 60_000 > until.getTime()) break;
    const date = {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      weekday: local.getUTCDay(),
      lastDay: new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate(),
    };
    if (!matcher.day(date)) continue;
    for (let h = 0; h < 24 && fires.length < limit; h += 1) {
      if (!matcher.hour(h)) continue;
      for (let m = 0; m < 60 && fires.length < limit; m += 1) {
        if (!matcher.minute(m)) continue;
        const instant = local.getTime() + (h * 60 + m - offset) * 60_000;
        if (instant > from.getTime() && instant <= until.getTime()) fires.push(new Date(instant));
      }
    }
  }
  return fires;
}

/** Fire times of an EventBridge `cron(...)` expression, read from its documentation. */
export function eventBridgeFireTimes(
  expression: string,
  timezone: string,
  from: Date,
  until: Date,
  limit: number,
): Date[] {
  const match = /^cron\((.+)\)$/.exec(expression);
  if (!match) throw new Error(`not a cron expression: ${expression}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = match[1].split(' ');
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) throw new Error(`exactly one day field must be "?": ${expression}`);
  const minutes = fieldMatcher(minute, 0, 59);
  const hours = fieldMatcher(hour, 0, 23);
  const days = fieldMatcher(dayOfMonth, 1, 31);
  const months = fieldMatcher(month, 1, 12, MONTHS, 1);
  const weekdays = fieldMatcher(dayOfWeek, 1, 7, WEEKDAYS, 1);
  const years = fieldMatcher(year, 1970, 2199);
  const none = { lastDay: 0 };
  return fireTimesWhere(
    {
      day: (date) =>
        years(date.year, date) && months(date.month, date) && days(date.day, date) && weekdays(date.weekday + 1, date),
      hour: (value) => hours(value, none),
      minute: (value) => minutes(value, none),
    },
    timezone,
    from,
    until,
    limit,
  );
}

/** The wall clock of an instant in a zone, `YYYY-MM-DD HH:mm` plus its fields, read minute by minute below. */
function wallMinute(timezone: string) {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (instant: number) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
    const [year, month, day, hour, minute] = ['year', 'month', 'day', 'hour', 'minute'].map((key) =>
      Number(parts[key]),
    );
    return {
      key: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`,
      date: {
        year,
        month,
        day,
        weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday),
        lastDay: new Date(Date.UTC(year, month, 0)).getUTCDate(),
      },
      hour,
      minute,
    };
  };
}

/**
 * EventBridge Scheduler's documented daylight-saving behaviour, by brute force over every UTC minute:
 * a cron fires at each minute whose wall clock matches, a wall-clock time that never occurs (spring
 * forward) does not fire, and one that occurs twice (fall back) fires once, the first time. The scan
 * starts three hours early so that a repeated hour's first pass is seen even when `from` is in its second.
 */
export function eventBridgeFireTimesWithDst(
  expression: string,
  timezone: string,
  from: Date,
  until: Date,
  limit: number,
): Date[] {
  const match = /^cron\((.+)\)$/.exec(expression);
  if (!match) throw new Error(`not a cron expression: ${expression}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = match[1].split(' ');
  const minutes = fieldMatcher(minute, 0, 59);
  const hours = fieldMatcher(hour, 0, 23);
  const days = fieldMatcher(dayOfMonth, 1, 31);
  const months = fieldMatcher(month, 1, 12, MONTHS, 1);
  const weekdays = fieldMatcher(dayOfWeek, 1, 7, WEEKDAYS, 1);
  const years = fieldMatcher(year, 1970, 2199);
  const read = wallMinute(timezone);
  const seen = new Set<string>();
  const fires: Date[] = [];
  const start = Math.floor(from.getTime() / 60_000) * 60_000 - 3 * 3_600_000;
  for (let instant = start; instant <= until.getTime() && fires.length < limit; instant += 60_000) {
    const wall = read(instant);
    if (seen.has(wall.key)) continue;
    seen.add(wall.key);
    const { date } = wall;
    const matches =
      years(date.year, date) &&
      months(date.month, date) &&
      days(date.day, date) &&
      weekdays(date.weekday + 1, date) &&
      hours(wall.hour, date) &&
      minutes(wall.minute, date);
    if (matches && instant > from.getTime()) fires.push(new Date(instant));
  }
  return fires;
}

/** The instants in [from, until) where the zone's UTC offset changes (hourly scan, then to the minute). */
export function offsetTransitions(timezone: string, from: Date, until: Date): Date[] {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
  const offset = (instant: number) =>
    format.formatToParts(new Date(instant)).find((part) => part.type === 'timeZoneName')?.value;
  const transitions: Date[] = [];
  for (let hour = from.getTime(); hour < until.getTime(); hour += 3_600_000) {
    if (offset(hour) === offset(hour + 3_600_000)) continue;
    let minute = hour;
    while (offset(minute + 60_000) === offset(hour)) minute += 60_000;
    transitions.push(new Date(minute + 60_000));
  }
  return transitions;
}
