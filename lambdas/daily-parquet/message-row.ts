import { MESSAGE_COLUMNS, type MessageColumnType } from '../../contracts/analytics-messages';
import { ExactNumber, toJsonText } from './dynamo-json';

/**
 * One DynamoDB item → one Parquet row of the schema. A value of the wrong type becomes null in
 * its column (or what the sort key holds, for created_at and message_id), keeps its raw value in
 * the `invalid` column and is counted; `metadata` and every attribute outside the schema go to
 * `extra` by their own names. Both are JSON text, so bookkeeping never shares a name with data.
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
      if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
      // An integer the document client kept as text ("-0", or beyond 2^53, which then stays invalid).
      if (raw instanceof ExactNumber && /^-?\d+$/.test(raw.text)) {
        const value = Number(raw.text);
        return Number.isSafeInteger(value) ? value + 0 : undefined;
      }
      return undefined;
    case 'timestamp':
      return typeof raw === 'string' ? parseInstant(raw) : undefined;
    default:
      return undefined;
  }
}

function parseInstant(text: string): number | undefined {
  const fast = parseCanonicalInstant(text);
  if (!Number.isNaN(fast)) return fast;
  if (!ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

const SORT_KEY_SEPARATOR = 35; // '#'

/**
 * Fills `created_at` and `message_id` from the sort key `<created_at>#<message_id>` where the item
 * lacks them (or their value was invalid). Returns whether the key is exactly what the row's
 * columns spell, so leaving it out of `extra` loses nothing.
 */
function recoverFromSortKey(row: ParquetRow, item: Record<string, unknown>, sortKey: unknown): boolean {
  if (typeof sortKey !== 'string') return sortKey === undefined;
  const separator = sortKey.indexOf('#');
  let createdAtText = typeof item.created_at === 'string' && row.created_at !== undefined ? item.created_at : undefined;
  if (createdAtText === undefined) {
    const instantText = separator < 0 ? sortKey : sortKey.slice(0, separator);
    const recovered = parseInstant(instantText);
    if (recovered !== undefined) {
      row.created_at = recovered;
      createdAtText = instantText;
    }
  }
  if (separator < 0) return false;
  if (row.message_id === undefined && separator + 1 < sortKey.length) row.message_id = sortKey.slice(separator + 1);
  const messageId = row.message_id;
  return (
    createdAtText !== undefined &&
    typeof messageId === 'string' &&
    sortKey.length === createdAtText.length + 1 + messageId.length &&
    sortKey.charCodeAt(createdAtText.length) === SORT_KEY_SEPARATOR &&
    sortKey.startsWith(createdAtText) &&
    sortKey.endsWith(messageId)
  );
}

/**
 * `keyAttributes` are [partition key, sort key]. The partition key is the tenant in the path. The
 * sort key `<created_at>#<message_id>` fills those columns when the item lacks them, and is left
 * out of `extra` only when the row's columns spell it exactly; any other sort key stays in `extra`.
 */
export function toMessageRow(item: Record<string, unknown>, keyAttributes: readonly string[]): ConvertedRow {
  const row: ParquetRow = {};
  let invalidValues: Record<string, unknown> | undefined;
  let invalidCount = 0;
  for (const column of SCHEMA_COLUMNS) {
    const raw = item[column.name];
    if (raw === undefined || raw === null) continue;
    const value = typedValue(column.type, raw);
    if (value === undefined) {
      invalidValues ??= {};
      invalidValues[column.name] = raw;
      invalidCount += 1;
    } else {
      row[column.name] = value;
    }
  }
  const [partitionKey, sortKey] = keyAttributes;
  const sortKeyRedundant = sortKey === undefined || recoverFromSortKey(row, item, item[sortKey]);
  let extra: Record<string, unknown> | undefined;
  for (const name in item) {
    if (SCHEMA_NAMES.has(name) || name === partitionKey || (name === sortKey && sortKeyRedundant)) continue;
    extra ??= {};
    extra[name] = item[name];
  }
  if (extra) row.extra = toJsonText(extra);
  if (invalidValues) row.invalid = toJsonText(invalidValues);
  return { row, invalid: invalidCount };
}
