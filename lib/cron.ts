/**
 * The registry writes schedules as standard five-field cron (what croner runs locally);
 * EventBridge Scheduler wants its six-field form. One conversion, used by the stacks, and one
 * check, run when the registry loads: a field the two cannot both express is refused there.
 */

/** The time zone every schedule runs in. */
export const SCHEDULE_TIME_ZONE = 'Asia/Tokyo';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

interface FieldRule {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Where `names[0]` sits in numbers (days: SUN = 0, months: JAN = 1). */
  readonly namesFrom?: number;
}

const FIELDS: readonly FieldRule[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  { label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0 },
];

export class CronError extends Error {
  override name = 'CronError';
}

function value(text: string, rule: FieldRule, cron: string): number {
  const upper = text.toUpperCase();
  const named = rule.names?.indexOf(upper) ?? -1;
  if (named < 0 && !/^\d+$/.test(text)) {
    throw new CronError(
      `cron "${cron}": ${rule.label} "${text}" is not supported (use numbers${rule.names ? ', names' : ''}, ",", "-", "*" and "/")`,
    );
  }
  const number = named >= 0 ? named + (rule.namesFrom ?? 0) : Number(text);
  if (number < rule.min || number > rule.max) {
    throw new CronError(`cron "${cron}": ${rule.label} "${text}" is not in ${rule.min}-${rule.max}`);
  }
  return number;
}

/** Every value one comma-separated item stands for: `a`, `a-b`, `*`, each optionally `/step`. */
function expandItem(item: string, rule: FieldRule, cron: string): number[] {
  const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
  if (!match) {
    throw new CronError(
      `cron "${cron}": ${rule.label} "${item}" is not supported (use numbers, names, ",", "-", "*" and "/" only)`,
    );
  }
  const [, range, stepText] = match;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1 || step > rule.max) {
    throw new CronError(`cron "${cron}": ${rule.label} step ${step} must be 1-${rule.max}`);
  }
  let from: number;
  let to: number;
  if (range === '*') {
    from = rule.min;
    to = rule.label === 'day-of-week' ? 6 : rule.max;
  } else if (range.includes('-')) {
    const [a, b] = range.split('-');
    from = value(a, rule, cron);
    to = value(b, rule, cron);
    if (from > to) throw new CronError(`cron "${cron}": ${rule.label} range "${range}" runs backwards`);
  } else {
    if (stepText !== undefined) {
      throw new CronError(`cron "${cron}": ${rule.label} "${item}": write */step or a-b/step (croner refuses a/step)`);
    }
    from = value(range, rule, cron);
    to = from;
  }
  const values: number[] = [];
  for (let current = from; current <= to; current += step) values.push(current);
  return values;
}

/** Checks one plain field and returns it as EventBridge writes it (ranges with steps spelled out). */
function translatePlainField(field: string, rule: FieldRule, cron: string): string {
  if (field === '*') return '*';
  const items = field.split(',');
  // `*/n` means the same in both; `a-b/n` is spelled out, since EventBridge documents no range steps.
  if (items.length === 1 && /^\*\/\d+$/.test(field)) {
    expandItem(field, rule, cron);
    return field;
  }
  return items
    .map((item) => {
      const values = expandItem(item, rule, cron);
      return item.includes('/') ? values.join(',') : item.toUpperCase();
    })
    .join(',');
}

/** Standard day-of-week (0-7, Sunday 0 or 7) → EventBridge: names, or `<1-7>#<n>` (Sunday 1). */
function translateDayOfWeek(field: string, cron: string): string {
  const rule = FIELDS[4];
  const nth = /^([A-Za-z0-9]+)#(\d+)$/.exec(field);
  if (nth) {
    const day = value(nth[1], rule, cron) % 7;
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronError(`cron "${cron}": day-of-week "${field}": the n in "#n" is 1-5`);
    return `${day + 1}#${n}`;
  }
  if (field.includes('#')) {
    throw new CronError(`cron "${cron}": day-of-week "${field}": "#" works alone (one day#n), not in a list`);
  }
  const days = [...new Set(field.split(',').flatMap((item) => expandItem(item, rule, cron).map((day) => day % 7)))];
  days.sort((a, b) => a - b);
  // Consecutive days of three or more as a range (MON-FRI), the rest listed.
  const parts: string[] = [];
  for (let start = 0; start < days.length; ) {
    let end = start;
    while (end + 1 < days.length && days[end + 1] === days[end] + 1) end++;
    if (end - start >= 2) parts.push(`${DAY_NAMES[days[start]]}-${DAY_NAMES[days[end]]}`);
    else for (let index = start; index <= end; index++) parts.push(DAY_NAMES[days[index]]);
    start = end + 1;
  }
  return parts.join(',');
}

/** `"*\/15 * * * *"` → `"cron(*\/15 * * * ? *)"`; EventBridge needs `?` in one of the two day fields. */
export function toEventBridgeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError(`cron "${cron}" must have 5 fields (minute hour day month day-of-week)`);
  const [, , dayOfMonth, , dayOfWeek] = fields;
  const restrictsDayOfWeek = dayOfWeek !== '*' && dayOfWeek !== '?';
  const restrictsDayOfMonth = dayOfMonth !== '*' && dayOfMonth !== '?';
  if (restrictsDayOfWeek && restrictsDayOfMonth) {
    throw new CronError(`cron "${cron}": EventBridge cannot restrict both day-of-month and day-of-week`);
  }
  const plain = (index: number) => translatePlainField(fields[index], FIELDS[index], cron);
  const dom = restrictsDayOfWeek ? '?' : dayOfMonth === '?' ? '*' : plain(2);
  const dow = restrictsDayOfWeek ? translateDayOfWeek(dayOfWeek, cron) : '?';
  return `cron(${plain(0)} ${plain(1)} ${dom} ${plain(3)} ${dow} *)`;
}

/** The load-time check: the reason a registry cron cannot run the same on EventBridge, or undefined. */
export function cronProblem(cron: string): string | undefined {
  try {
    toEventBridgeCron(cron);
    return undefined;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}
