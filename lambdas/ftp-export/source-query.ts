import { errorMessage } from '#shared/error-message';
import type { ColumnKind } from './render-csv';
import type { ExportColumn, FilterCondition, RecipientSettings } from './settings';

/**
 * The SQL of an export. Names from the config are checked against the catalog and quoted; filter
 * values and watermarks become quoted literals (COPY takes no bind parameters). Only `where` is SQL
 * written by the operator, inserted as is: deployment config is trusted, and the export runs read-only.
 */

/** The slice of pg.Client the queries need; tests and the bench pass a real client. */
export interface SqlClient {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Row[] }>;
  escapeIdentifier(name: string): string;
  escapeLiteral(value: string): string;
}

export interface TableColumn {
  name: string;
  /** pg_type.typname, e.g. `timestamptz`, `text`, `int4`. */
  type: string;
  /** pg_type.typcategory: S string, E enum, N numeric, D date/time, B boolean, ... */
  category: string;
}

export interface SourceTable {
  /** Quoted, schema-qualified when configured so: safe to put into SQL. */
  sql: string;
  columns: TableColumn[];
  primaryKey: string[];
}

export class SourceError extends Error {
  override name = 'SourceError';
}

/** Looks the configured table up in the catalog; a missing table or column is a SourceError naming it. */
export async function describeSourceTable(client: SqlClient, table: string): Promise<SourceTable> {
  const quoted = table
    .split('.')
    .map((part) => client.escapeIdentifier(part))
    .join('.');
  const { rows } = await client.query<{ name: string; type: string; category: string; primary_key: boolean }>(
    `SELECT a.attname AS name, t.typname AS type, t.typcategory AS category,
            coalesce(a.attnum = ANY (i.indkey), false) AS primary_key
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [quoted],
  );
  if (rows.length === 0) throw new SourceError(`table ${table} does not exist (or has no columns)`);
  return {
    sql: quoted,
    columns: rows.map(({ name, type, category }) => ({ name, type, category })),
    primaryKey: rows.filter((row) => row.primary_key).map((row) => row.name),
  };
}

const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp']);
const WATERMARK_TYPES = new Set(['timestamptz', 'timestamp', 'int2', 'int4', 'int8', 'numeric']);

export interface SourcePlan {
  table: SourceTable;
  columns: ExportColumn[];
  kinds: ColumnKind[];
  /** SELECT list: timestamps converted so PostgreSQL prints them in JST (the session runs in Asia/Tokyo). */
  selectList: string;
  /** Filter conditions (structured and `where`), without the watermark range. */
  conditions: string[];
  orderBy: string;
  watermark?: { sql: string; isTime: boolean; naiveTimestamp: boolean };
}

function kindOf(column: TableColumn): ColumnKind {
  if (TIMESTAMP_TYPES.has(column.type)) return 'timestamp';
  if (column.category === 'S' || column.category === 'E') return 'text';
  return 'plain';
}

function renderColumn(column: TableColumn, quote: (name: string) => string): string {
  const name = quote(column.name);
  // Timestamps without time zone hold UTC (docs/architecture.md, "Time"): make them timestamptz to print in JST.
  if (column.type === 'timestamp') return `(${name} AT TIME ZONE 'UTC')`;
  if (column.type === 'bool') return `${name}::text`;
  return name;
}

/** Every value is a quoted literal: PostgreSQL reads it as the column's type, so `2` matches a text `'2'`. */
function literal(client: SqlClient, value: string | number): string {
  return client.escapeLiteral(String(value));
}

function filterSql(client: SqlClient, condition: FilterCondition): string {
  const values = condition.in.map((value) => literal(client, value)).join(', ');
  return `${client.escapeIdentifier(condition.column)} IN (${values})`;
}

/** Resolves columns, order and filters of a recipient against the table; errors name the setting. */
export function planSource(client: SqlClient, table: SourceTable, recipient: RecipientSettings): SourcePlan {
  const path = recipient.settingsPath;
  const byName = new Map(table.columns.map((column) => [column.name, column]));
  const lookUp = (name: string, setting: string): TableColumn => {
    const column = byName.get(name);
    if (!column) throw new SourceError(`${path}.${setting}: column "${name}" is not in table ${recipient.table}`);
    return column;
  };
  const columns = recipient.columns ?? table.columns.map(({ name }) => ({ name, header: name }));
  const tableColumns = columns.map((column) => lookUp(column.name, 'columns'));
  for (const condition of recipient.filter) lookUp(condition.column, 'filter');
  const quote = (name: string) => client.escapeIdentifier(name);

  let watermark: SourcePlan['watermark'];
  if (recipient.mode === 'incremental') {
    const column = lookUp(recipient.watermarkColumn!, 'watermarkColumn');
    if (!WATERMARK_TYPES.has(column.type)) {
      throw new SourceError(
        `${path}.watermarkColumn: column "${column.name}" is ${column.type}; use a timestamp or integer column`,
      );
    }
    const isTime = TIMESTAMP_TYPES.has(column.type);
    watermark = { sql: quote(column.name), isTime, naiveTimestamp: column.type === 'timestamp' };
  }

  const keyOrder = [...new Set([...(watermark ? [recipient.watermarkColumn!] : []), ...table.primaryKey])];
  const order = recipient.orderBy ?? keyOrder;
  for (const name of order) lookUp(name, 'orderBy');
  // Without a key, every exported column: the order must not depend on the heap, or reruns differ.
  const orderBy = (order.length > 0 ? order : columns.map((column) => column.name)).map(quote).join(', ');

  return {
    table,
    columns,
    kinds: tableColumns.map(kindOf),
    selectList: tableColumns.map((column) => renderColumn(column, quote)).join(', '),
    conditions: [
      ...recipient.filter.map((condition) => filterSql(client, condition)),
      ...(recipient.where ? [`(${recipient.where})`] : []),
    ],
    orderBy,
    ...(watermark ? { watermark } : {}),
  };
}

/** The watermark range (lower, upper] of an incremental export; null lower = from the start. */
export interface WatermarkRange {
  lower: string | null;
  upper: string | null;
}

/** Conditions of the rows in the range; an empty range selects nothing. */
export function rangeConditions(client: SqlClient, plan: SourcePlan, range: WatermarkRange): string[] {
  if (!plan.watermark) return [];
  if (range.upper === null || range.upper === range.lower) return ['false'];
  const column = plan.watermark.sql;
  return [
    ...(range.lower === null ? [] : [`${column} > ${client.escapeLiteral(range.lower)}`]),
    `${column} <= ${client.escapeLiteral(range.upper)}`,
  ];
}

/** `SELECT max(watermark)` of the rows after `lower` (and, for time columns, not after the slot). */
export function upperBoundQuery(client: SqlClient, plan: SourcePlan, lower: string | null, slot: Date): string {
  const watermark = plan.watermark!;
  const slotLiteral = `${client.escapeLiteral(slot.toISOString())}::timestamptz`;
  const cap = watermark.naiveTimestamp ? `(${slotLiteral} AT TIME ZONE 'UTC')` : slotLiteral;
  const conditions = [
    ...plan.conditions,
    ...(lower === null ? [] : [`${watermark.sql} > ${client.escapeLiteral(lower)}`]),
    ...(watermark.isTime ? [`${watermark.sql} <= ${cap}`] : []),
  ];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT max(${watermark.sql})::text AS upper FROM ${plan.table.sql}${where}`;
}

function selectStatement(plan: SourcePlan, extraConditions: readonly string[]): string {
  const conditions = [...plan.conditions, ...extraConditions];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${plan.selectList} FROM ${plan.table.sql}${where} ORDER BY ${plan.orderBy}`;
}

/** The COPY statement that streams the rows as CSV (no header: the render stream writes it). */
export function copyStatement(plan: SourcePlan, extraConditions: readonly string[] = []): string {
  return `COPY (${selectStatement(plan, extraConditions)}) TO STDOUT WITH (FORMAT csv)`;
}

/**
 * Runs statements built from settings in a read-only transaction: `where` is operator SQL, and a function
 * with side effects in it (nextval, a writing function) must fail instead of acting once per row.
 */
export async function readOnly<T>(client: SqlClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN READ ONLY');
  try {
    const value = await work();
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A failed statement built from settings, naming the settings that went into it. */
export function sourceQueryError(error: unknown, recipient: RecipientSettings): SourceError {
  const suspects = [...(recipient.filter.length > 0 ? ['filter'] : []), ...(recipient.where ? ['where'] : [])];
  const hint =
    suspects.length > 0 ? ` (check ${suspects.map((s) => `${recipient.settingsPath}.${s}`).join(', ')})` : '';
  return new SourceError(`the source query fails: ${errorMessage(error)}${hint}`);
}

/** Plans the query without running it, so a broken `where` fails before any FTP connection is opened. */
export async function checkSourceQuery(
  client: SqlClient,
  plan: SourcePlan,
  recipient: RecipientSettings,
  extraConditions: readonly string[] = [],
): Promise<void> {
  try {
    await readOnly(client, () => client.query(`EXPLAIN ${selectStatement(plan, extraConditions)}`));
  } catch (error) {
    throw sourceQueryError(error, recipient);
  }
}
