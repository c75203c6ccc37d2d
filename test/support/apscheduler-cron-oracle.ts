import { type CalendarMatcher, fireTimesWhere } from './eventbridge-cron-oracle';

/**
 * An independent reading of APScheduler's CronTrigger, from its documentation: every field must
 * match (AND), day_of_week counts Monday = 0, `day: "last"` is the month's last day, and omitted
 * fields are `*` above the least significant field given and their minimum below it (except
 * day_of_week, always `*`).
 */
type Fields = Partial<Record<'month' | 'day' | 'day_of_week' | 'hour' | 'minute', string>>;
const ORDER = ['month', 'day', 'day_of_week', 'hour', 'minute'] as const;
const MINIMUM = { month: '1', day: '1', day_of_week: '*', hour: '0', minute: '0' };
const NAMES: Record<string, string[]> = {
  month: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  day_of_week: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
};
const RANGE = { month: [1, 12], day: [1, 31], day_of_week: [0, 6], hour: [0, 23], minute: [0, 59] };

function matcher(name: (typeof ORDER)[number], expression: string): (value: number, lastDay: number) => boolean {
  if (name === 'day' && expression === 'last') return (value, lastDay) => value === lastDay;
  const [min, max] = RANGE[name];
  const value = (raw: string) => {
    const named = NAMES[name]?.indexOf(raw) ?? -1;
    return named >= 0 ? named + (name === 'month' ? 1 : 0) : Number(raw);
  };
  const parts = expression.split(',').map((part) => {
    const [range, step] = part.split('/');
    const [low, high] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(value)
          : [value(range), step ? max : value(range)];
    return (candidate: number) => candidate >= low && candidate <= high && (candidate - low) % Number(step ?? 1) === 0;
  });
  return (candidate) => parts.some((matches) => matches(candidate));
}

export function apschedulerFireTimes(fields: Fields, timezone: string, from: Date, until: Date, limit: number): Date[] {
  const last = Math.max(...ORDER.map((name, index) => (fields[name] === undefined ? -1 : index)));
  const filled = Object.fromEntries(
    ORDER.map((name, index) => [name, fields[name] ?? (index > last ? MINIMUM[name] : '*')]),
  ) as Record<(typeof ORDER)[number], string>;
  const match = Object.fromEntries(ORDER.map((name) => [name, matcher(name, filled[name])])) as Record<
    (typeof ORDER)[number],
    (value: number, lastDay: number) => boolean
  >;
  const calendar: CalendarMatcher = {
    day: (date) =>
      match.month(date.month, date.lastDay) &&
      match.day(date.day, date.lastDay) &&
      match.day_of_week((date.weekday + 6) % 7, date.lastDay),
    hour: (hour) => match.hour(hour, 0),
    minute: (minute) => match.minute(minute, 0),
  };
  return fireTimesWhere(calendar, timezone, from, until, limit);
}
