/**
 * What youtube-sync accepts from an API answer, value by value, so that one bad value never fails a
 * channel's load: texts lose NUL bytes (PostgreSQL text cannot hold them) and lone surrogates (not
 * UTF-8); counts must be whole numbers within BIGINT, not negative; times must be real RFC 3339
 * instants. What fails a check becomes NULL and the caller counts it. Hand-written rather than a schema
 * library because each check is one line and the point is the exact PostgreSQL limit behind it.
 */

/** A value as it goes into the CSV, and whether it had to be changed to get there. */
export interface Cleaned<T> {
  value: T;
  cleaned: boolean;
}

/** Video, channel and playlist ids as the API issues them (video ids are 11 of these characters). */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Node's native check (ES2024, in Node 20; the ES2023 lib this project compiles against lacks its type). */
const isWellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const BIGINT_MAX = 9_223_372_036_854_775_807n;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/i;
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

const absent = (value: unknown) => value === undefined || value === null;

export function usableId(value: unknown): string | null {
  return typeof value === 'string' && ID.test(value) ? value : null;
}

/** An optional id (a channel's uploads playlist): one that is present but not usable is NULL. */
export function cleanId(value: unknown): Cleaned<string | null> {
  const id = usableId(value);
  return { value: id, cleaned: id === null && !absent(value) };
}

/** A text as PostgreSQL can store it: NUL removed, lone surrogates replaced; anything but a string is NULL. */
export function cleanText(value: unknown): Cleaned<string | null> {
  if (absent(value)) return { value: null, cleaned: false };
  if (typeof value !== 'string') return { value: null, cleaned: true };
  if (!value.includes('\u0000') && isWellFormed(value)) return { value, cleaned: false };
  const text = value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
  return { value: text, cleaned: text !== value };
}

/**
 * A count (views, likes, subscribers...): the API sends them as decimal strings ("1234"). Anything that
 * is not a whole number from 0 to BIGINT's maximum ("abc", "1.5", "-3", "99999999999999999999") is NULL.
 */
export function cleanCount(value: unknown): Cleaned<string | null> {
  if (absent(value)) return { value: null, cleaned: false };
  let digits: string | undefined;
  if (typeof value === 'string' && /^\d{1,30}$/.test(value)) digits = value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) digits = String(value);
  if (digits === undefined || BigInt(digits) > BIGINT_MAX) return { value: null, cleaned: true };
  return { value: BigInt(digits).toString(), cleaned: false };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 && leapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]);

/**
 * An instant such as `2024-01-01T12:00:00Z` (the API's form, kept as is) or with an offset or more
 * than millisecond digits (rewritten in UTC), so PostgreSQL reads it exactly and within its years.
 * A string that is not RFC 3339, or names a day or time that does not exist (Feb 30, 24:00), is NULL.
 */
export function cleanTimestamp(value: unknown): Cleaned<string | null> {
  if (absent(value)) return { value: null, cleaned: false };
  const text = typeof value === 'string' ? value : '';
  const match = RFC3339.exec(text);
  if (!match) return { value: null, cleaned: true };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const real =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  const ms = real ? Date.parse(text) : Number.NaN;
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) return { value: null, cleaned: true };
  // The API's own form (UTC, milliseconds at most) goes through as is; others are rewritten in UTC.
  const utc = match[8] === 'Z' && text[10] === 'T' && (match[7] ?? '').length <= 4;
  return { value: utc ? text : new Date(ms).toISOString(), cleaned: false };
}
