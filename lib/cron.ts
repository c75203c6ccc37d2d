/**
 * The registry writes schedules as standard five-field cron (what croner runs locally);
 * EventBridge Scheduler wants its six-field form. One conversion, used by the stacks.
 */

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Standard cron day-of-week (0-7, Sunday = 0 or 7) → EventBridge (1-7, Sunday = 1). */
function toEventBridgeDayOfWeek(field: string): string {
  return field.replace(/\d+/g, (digits) => {
    const day = Number(digits);
    if (day > 7) throw new Error(`day-of-week ${day} is out of range 0-7`);
    return DAY_NAMES[day % 7];
  });
}

/** `"*\/15 * * * *"` → `"cron(*\/15 * * * ? *)"`; EventBridge needs `?` in one of the two day fields. */
export function toEventBridgeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${cron}" must have 5 fields (minute hour day month day-of-week)`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const restrictsDayOfWeek = dayOfWeek !== '*' && dayOfWeek !== '?';
  const restrictsDayOfMonth = dayOfMonth !== '*' && dayOfMonth !== '?';
  if (restrictsDayOfWeek && restrictsDayOfMonth) {
    throw new Error(`cron "${cron}": EventBridge cannot restrict both day-of-month and day-of-week`);
  }
  const dom = restrictsDayOfWeek ? '?' : dayOfMonth;
  const dow = restrictsDayOfWeek ? toEventBridgeDayOfWeek(dayOfWeek) : '?';
  return `cron(${minute} ${hour} ${dom} ${month} ${dow} *)`;
}

/** The time zone every schedule runs in. */
export const SCHEDULE_TIME_ZONE = 'Asia/Tokyo';
