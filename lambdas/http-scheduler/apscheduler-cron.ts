/**
 * APScheduler cron fields → one canonical set of values per field, written out as an EventBridge
 * Scheduler expression and as the croner pattern that computes the same times locally.
 * Each field is parsed into the exact set of values it matches, so the two outputs cannot drift.
 */

export interface ApsCronFields {
  minute?: string;
  hour?: string;
  day?: string;
  month?: string;
  day_of_week?: string;
}

/** A field the caller got wrong; `field` is the request path, e.g. `cron.hour`. */
export class CronFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

interface FieldRange {
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** APScheduler numbers weekdays from Monday = 0; EventBridge from Sunday = 1; croner from Sunday = 0. */
const APS_WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const EB_WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const RANGES: Record<keyof ApsCronFields, FieldRange> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  day: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: MONTH_NAMES },
  day_of_week: { min: 0, max: 6, names: APS_WEEKDAYS },
};

/** APScheduler's field order, most significant first (its defaults and its repr follow it). */
export const APS_FIELD_ORDER = ['month', 'day', 'day_of_week', 'hour', 'minute'] as const;

function parseValue(raw: string, range: FieldRange, field: string): number {
  const named = range.names?.indexOf(raw.toLowerCase()) ?? -1;
  if (named >= 0) return named + range.min;
  if (!/^\d+$/.test(raw)) throw new CronFieldError(field, `"${raw}" is not a number or a name`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new CronFieldError(field, `${value} is out of range ${range.min}-${range.max}`);
  }
  return value;
}

/** The values one APScheduler expression (`*`, `*\/n`, `a`, `a-b`, `a-b/n`, comma lists, names) matches. */
export function parseApsField(expression: string, name: keyof ApsCronFields, field = `cron.${name}`): number[] {
  const range = RANGES[name];
  const values = new Set<number>();
  const text = expression.trim();
  if (text === '') throw new CronFieldError(field, 'must not be empty');
  if (name === 'day' && text.toLowerCase() === 'last') return [-1];
  for (const part of text.split(',')) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(part.trim());
    if (!match) {
      if (/^(last|\d+(st|nd|rd|th))\s/i.test(part.trim()) || /^l$|w$|#/i.test(part.trim())) {
        throw new CronFieldError(field, `"${part.trim()}" cannot be expressed by EventBridge Scheduler`);
      }
      throw new CronFieldError(field, `"${part.trim()}" is not valid cron syntax`);
    }
    let [low, high] = [range.min, range.max];
    if (match[1] !== '*') {
      const [from, to] = match[1].split('-');
      low = parseValue(from, range, field);
      high = to === undefined ? (match[2] ? range.max : low) : parseValue(to, range, field);
      if (high < low) throw new CronFieldError(field, `range "${match[1]}" runs backwards`);
    }
    const step = match[2] === undefined ? 1 : Number(match[2]);
    if (step < 1) throw new CronFieldError(field, 'step must be at least 1');
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

type Dialect = 'eventbridge' | 'croner';

/**
 * `[1,2,3,5]` → `1-3,5`; a full arithmetic run to the top of the range → `start/step` (EventBridge)
 * or `start-max/step` (croner refuses a bare numeric start).
 */
function writeValues(
  values: readonly number[],
  range: FieldRange,
  dialect: Dialect,
  label: (value: number) => string = String,
): string {
  const full = range.max - range.min + 1;
  if (values.length === full) return '*';
  // Weekdays stay lists: a step over day names reads badly and EventBridge documents steps for numbers only.
  if (values.length >= 3 && !range.names) {
    const step = values[1] - values[0];
    const arithmetic = step > 1 && values.every((value, index) => value === values[0] + index * step);
    if (arithmetic && values[values.length - 1] + step > range.max) {
      return dialect === 'eventbridge' ? `${values[0]}/${step}` : `${values[0]}-${range.max}/${step}`;
    }
  }
  const parts: string[] = [];
  for (let start = 0; start < values.length; ) {
    let end = start;
    while (end + 1 < values.length && values[end + 1] === values[end] + 1) end += 1;
    parts.push(end - start >= 2 ? `${label(values[start])}-${label(values[end])}` : label(values[start]));
    if (end - start === 1) parts.push(label(values[end]));
    start = end + 1;
  }
  return parts.join(',');
}

export interface TranslatedCron {
  /** e.g. `cron(30 10 * * ? *)` */
  eventBridge: string;
  /** Five-field croner pattern, e.g. `30 10 * * *` */
  croner: string;
  /** APScheduler's repr, e.g. `cron[hour='10', minute='30']` */
  trigger: string;
}

/**
 * APScheduler's defaults: fields more significant than the least significant one given are `*`,
 * less significant ones their minimum (day_of_week always `*`); seconds are always 0 here.
 */
function withApsDefaults(fields: ApsCronFields): Required<ApsCronFields> {
  const given = APS_FIELD_ORDER.filter((name) => fields[name] !== undefined);
  if (given.length === 0) {
    throw new CronFieldError('cron', 'set at least one of minute, hour, day, month, day_of_week');
  }
  const lastGiven = Math.max(...given.map((name) => APS_FIELD_ORDER.indexOf(name)));
  const filled = {} as Required<ApsCronFields>;
  for (const [index, name] of APS_FIELD_ORDER.entries()) {
    const defaultValue = index > lastGiven && name !== 'day_of_week' ? String(RANGES[name].min) : '*';
    filled[name] = fields[name] ?? defaultValue;
  }
  return filled;
}

export function translateApsCron(fields: ApsCronFields): TranslatedCron {
  const filled = withApsDefaults(fields);
  const sets = Object.fromEntries(APS_FIELD_ORDER.map((name) => [name, parseApsField(filled[name], name)])) as Record<
    keyof ApsCronFields,
    number[]
  >;
  const numeric = (dialect: Dialect) => {
    const day = sets.day[0] === -1 ? 'L' : writeValues(sets.day, RANGES.day, dialect);
    const month = writeValues(sets.month, { min: 1, max: 12 }, dialect);
    return [writeValues(sets.minute, RANGES.minute, dialect), writeValues(sets.hour, RANGES.hour, dialect), day, month];
  };
  const [minute, hour, day, month] = numeric('eventbridge');
  const [cMinute, cHour, cDay, cMonth] = numeric('croner');
  // APScheduler Monday=0 → Sunday-first numbering (0..6), which EventBridge writes 1..7 and croner 0..6.
  const sundayFirst = sets.day_of_week.map((value) => (value + 1) % 7).sort((a, b) => a - b);
  const weekRange = { min: 0, max: 6, names: EB_WEEKDAYS };
  const restrictsWeekday = sundayFirst.length < 7;
  if (restrictsWeekday && day !== '*') {
    throw new CronFieldError(
      'cron.day_of_week',
      'EventBridge Scheduler cannot restrict both day and day_of_week (one of them must be "?")',
    );
  }
  const ebWeekday = restrictsWeekday
    ? writeValues(sundayFirst, weekRange, 'eventbridge', (value) => EB_WEEKDAYS[value])
    : '?';
  const cronerWeekday = restrictsWeekday ? writeValues(sundayFirst, weekRange, 'croner') : '*';
  const ebDay = restrictsWeekday ? '?' : day;
  const given = APS_FIELD_ORDER.filter((name) => fields[name] !== undefined);
  return {
    eventBridge: `cron(${minute} ${hour} ${ebDay} ${month} ${ebWeekday} *)`,
    croner: `${cMinute} ${cHour} ${cDay} ${cMonth} ${cronerWeekday}`,
    trigger: `cron[${given.map((name) => `${name}='${fields[name]}'`).join(', ')}]`,
  };
}
