/**
 * The analytics messages table as plain data: the Parquet writer (lambdas/daily-parquet) writes
 * these columns and the Glue table (lib/stacks/data-stack.ts) declares them. It lives outside
 * lib/ and lambdas/ because both sides read it and neither may import the other's code; it holds
 * no code and imports nothing, so bundling it into the Lambda or loading it in CDK costs nothing.
 */

/**
 * Bumped whenever a column is added, removed or retyped (or the layout changes); written into every
 * `_manifest.json`. 2: the `invalid` column, and partitions switched through a symlink file.
 */
export const MESSAGES_SCHEMA_VERSION = 2;

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
    comment: 'JSON text: metadata and every other attribute not in the schema, by its own name',
  },
  {
    name: 'invalid',
    type: 'json',
    comment: 'JSON text: the raw value of each attribute that did not fit its column, by column name',
  },
];

export const MESSAGE_PARTITION_KEYS: readonly MessageColumn[] = [
  { name: 'tenant_id', type: 'string', comment: 'tenant' },
  { name: 'dt', type: 'string', comment: 'JST date of created_at, YYYY-MM-DD' },
];

/** Everything daily-parquet publishes lives under this prefix of the analytics bucket. */
export const MESSAGES_PREFIX = 'analytics/messages';
/**
 * The Glue table's location: one symlink file per partition,
 * `<prefix>/tenant_id=<t>/dt=<YYYY-MM-DD>/symlink.txt`, listing (one `s3://` URI a line) the
 * Parquet files of the run that is current for that tenant-day. Replacing it is the one atomic
 * step that switches readers from one run to the next.
 */
export const MESSAGES_CURRENT_PREFIX = `${MESSAGES_PREFIX}/current`;
export const MESSAGES_SYMLINK_NAME = 'symlink.txt';
/** Each run's Parquet files and manifest, never overwritten: `<prefix>/tenant_id=<t>/dt=<d>/run=<run id>/`. */
export const MESSAGES_RUNS_PREFIX = `${MESSAGES_PREFIX}/runs`;
/** Parts of a run in progress, before publishing; expired by a lifecycle rule if the run dies. */
export const MESSAGES_STAGING_PREFIX = 'analytics/_staging/messages';
/** Marks for runs that are no longer (or never became) current, deleted by a later run after a grace period. */
export const MESSAGES_RETIRED_PREFIX = 'analytics/_retired/messages';
/** Every object the job writes or deletes starts with this; its IAM grants stop there. */
export const ANALYTICS_PREFIX = 'analytics';
/** Earliest `dt` the partition projection enumerates. */
export const MESSAGES_FIRST_DATE = '2024-01-01';

/** The DynamoDB key layout the dev stage creates and the job queries by default. */
export const MESSAGES_TABLE_KEYS = { partitionKey: 'tenant_id', sortKey: 'sk' } as const;
