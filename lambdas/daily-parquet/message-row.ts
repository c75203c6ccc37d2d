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

/** The column's value, or undefined when the raw value does not have the column's type. */
function typedValue(type: MessageColumnType, raw: unknown): string | number | undefined {
  switch (type) {
    case 'string':
      return typeof raw === 'string' ? raw : undefined;
    case 'bigint':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : undefined;
    case 'timestamp': {
      if (typeof raw !== 'string' || !ISO_INSTANT.test(raw)) return undefined;
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
  if (extra) row.extra = JSON.stringify(extra, jsonReplacer);
  return { row, invalid: invalidValues ? Object.keys(invalidValues).length : 0 };
}
