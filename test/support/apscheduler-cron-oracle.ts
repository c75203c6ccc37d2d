import { type CalendarMatcher, fieldMatcher, fireTimesWhere } from './eventbridge-cron-oracle';

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
  month: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  day_of_week: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'],
};
const RANGE = { month: [1, 12], day: [1, 31], day_of_week: [0, 6], hour: [0, 23], minute: [0, 59] };

/** The range syntax is shared with EventBridge's; `last` and the Monday-first numbering are APScheduler's own. */
function matcher(name: (typeof ORDER)[number], expression: string): (value: number, lastDay: number) => boolean {
  if (name === 'day' && expression === 'last') return (value, lastDay) => value === lastDay;
  const [min, max] = RANGE[name];
  const matches = fieldMatcher(expression, min, max, NAMES[name], min);
  return (value, lastDay) => matches(value, { lastDay });
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
