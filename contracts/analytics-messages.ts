/**
 * The analytics messages table as plain data: the Parquet writer (lambdas/daily-parquet) writes
 * these columns and the Glue table (lib/stacks/data-stack.ts) declares them. It lives outside
 * lib/ and lambdas/ because both sides read it and neither may import the other's code; it holds
 * no code and imports nothing, so bundling it into the Lambda or loading it in CDK costs nothing.
 */

/** Bumped whenever a column is added, removed or retyped; written into every `_manifest.json`. */
export const MESSAGES_SCHEMA_VERSION = 1;

/** Logical column types; each side maps them to its own (Parquet physical/logical type, Glue type). */
export type MessageColumnType = 'string' | 'timestamp' | 'bigint' | 'json';

export interface MessageColumn {
  readonly name: string;
  readonly type: MessageColumnType;
  readonly comment: string;
}

/** Data columns, in file order. `tenant_id` and `dt` are partition columns (in the path, not the file). */
export const MESSAGE_COLUMNS: readonly MessageColumn[] = [
  { name: 'message_id', type: 'string', comment: 'message id' },
  { name: 'conversation_id', type: 'string', comment: 'conversation the message belongs to' },
  { name: 'sender', type: 'string', comment: 'who sent it (user, assistant, ...)' },
  { name: 'text', type: 'string', comment: 'message text' },
  { name: 'created_at', type: 'timestamp', comment: 'creation instant, UTC' },
  { name: 'tokens', type: 'bigint', comment: 'token count' },
  {
    name: 'extra',
    type: 'json',
    comment: 'JSON text: metadata, attributes not in the schema, and raw values of wrong type under _invalid',
  },
];

export const MESSAGE_PARTITION_KEYS: readonly MessageColumn[] = [
  { name: 'tenant_id', type: 'string', comment: 'tenant' },
  { name: 'dt', type: 'string', comment: 'JST date of created_at, YYYY-MM-DD' },
];

/** Where the Parquet files live in the analytics bucket: `<prefix>/tenant_id=<t>/dt=<YYYY-MM-DD>/part-NNNNN.parquet`. */
export const MESSAGES_PREFIX = 'analytics/messages';
/** Parts of a run in progress, outside the table's location so Athena never reads them. */
export const MESSAGES_STAGING_PREFIX = 'analytics/_staging/messages';
/** Every object the job writes or deletes starts with this; its IAM grants stop there. */
export const ANALYTICS_PREFIX = 'analytics';
/** Earliest `dt` the partition projection enumerates. */
export const MESSAGES_FIRST_DATE = '2024-01-01';

/** The DynamoDB key layout the dev stage creates and the job queries by default. */
export const MESSAGES_TABLE_KEYS = { partitionKey: 'tenant_id', sortKey: 'sk' } as const;
