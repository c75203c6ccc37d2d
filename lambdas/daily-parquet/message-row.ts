import { MESSAGE_COLUMNS, type MessageColumnType } from '../../contracts/analytics-messages';

/**
 * One DynamoDB item → one Parquet row of the schema. A value of the wrong type becomes null in
 * its column and keeps its raw value in `extra._invalid`, so nothing is lost and it is counted;
 * `metadata` and every attribute outside the schema go to `extra` as JSON text.
 */

/** Timestamps are epoch milliseconds (UTC). */
export type ParquetRow = Record<string, string | number | undefined>;

export interface ConvertedRow {
  row: ParquetRow;
  /** Values that did not fit their column's type. */
  invalid: number;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const SCHEMA_COLUMNS = MESSAGE_COLUMNS.filter((column) => column.type !== 'json');
const SCHEMA_NAMES = new Set(SCHEMA_COLUMNS.map((column) => column.name));

/** Two ASCII digits at `at`, or -1. */
function digits2(text: string, at: number): number {
  const high = text.charCodeAt(at) - 48;
  const low = text.charCodeAt(at + 1) - 48;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what toISOString writes, so nearly every sort key's instant) without
 * the regex and Date.parse, which were a tenth of the writer's time; NaN sends anything else, or
 * any field out of Date.parse's own ranges, to the general path, so both always agree.
 */
function parseCanonicalInstant(text: string): number {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */) return Number.NaN;
  const dash = 45;
  const colon = 58;
  if (text.charCodeAt(4) !== dash || text.charCodeAt(7) !== dash || text.charCodeAt(10) !== 84 /* T */)
    return Number.NaN;
  if (text.charCodeAt(13) !== colon || text.charCodeAt(16) !== colon || text.charCodeAt(19) !== 46) return Number.NaN;
  const century = digits2(text, 0);
  const yearRest = digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  const msHigh = digits2(text, 20);
  const msLow = text.charCodeAt(22) - 48;
  if (century < 10 || yearRest < 0 || msHigh < 0 || msLow < 0 || msLow > 9) return Number.NaN;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return Number.NaN;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  return Date.UTC(century * 100 + yearRest, month - 1, day, hour, minute, second, msHigh * 10 + msLow);
}

/** The column's value, or undefined when the raw value does not have the column's type. */
function typedValue(type: MessageColumnType, raw: unknown): string | number | undefined {
  switch (type) {
    case 'string':
      return typeof raw === 'string' ? raw : undefined;
    case 'bigint':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : undefined;
    case 'timestamp': {
      if (typeof raw !== 'string') return undefined;
      const fast = parseCanonicalInstant(raw);
      if (!Number.isNaN(fast)) return fast;
      if (!ISO_INSTANT.test(raw)) return undefined;
      const ms = Date.parse(raw);
      return Number.isNaN(ms) ? undefined : ms;
    }
    default:
      return undefined;
  }
}

/** JSON for DynamoDB's types: sets become arrays, binary base64. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Whether a value holds a set, binary or bigint anywhere; only then is the (slow) replacer needed. */
function needsReplacer(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Set || value instanceof Uint8Array) return true;
  if (Array.isArray(value)) {
    for (const element of value) if (needsReplacer(element)) return true;
    return false;
  }
  for (const key in value) if (needsReplacer((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** `keyAttributes` (partition and sort key) are in the path and in created_at/message_id, so they are left out. */
export function toMessageRow(item: Record<string, unknown>, keyAttributes: readonly string[]): ConvertedRow {
  const row: ParquetRow = {};
  let extra: Record<string, unknown> | undefined;
  let invalidValues: Record<string, unknown> | undefined;
  for (const column of SCHEMA_COLUMNS) {
    const raw = item[column.name];
    if (raw === undefined || raw === null) continue;
    const value = typedValue(column.type, raw);
    if (value === undefined) {
      invalidValues ??= {};
      invalidValues[column.name] = raw;
    } else {
      row[column.name] = value;
    }
  }
  for (const name in item) {
    if (SCHEMA_NAMES.has(name) || keyAttributes.includes(name)) continue;
    extra ??= {};
    extra[name] = item[name];
  }
  if (invalidValues) {
    extra ??= {};
    extra._invalid = invalidValues;
  }
  if (extra) row.extra = needsReplacer(extra) ? JSON.stringify(extra, jsonReplacer) : JSON.stringify(extra);
  return { row, invalid: invalidValues ? Object.keys(invalidValues).length : 0 };
}
