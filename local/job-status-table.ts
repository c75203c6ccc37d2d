import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { JOB_STATUS_TABLE } from '../lib/tables';

/** A table with a string partition and sort key and at most one all-projected string-keyed index, as lib/tables.ts describes them. */
export interface KeyedTableDefinition {
  partitionKey: string;
  sortKey: string;
  timeToLiveAttribute?: string;
  index?: { name: string; partitionKey: string; sortKey: string };
}

/**
 * Creates such a table (local mode, tests); an existing one is kept. Returns whether it was created now.
 * An existing table whose index is keyed otherwise (kept in `.local/` from an older version) is refused:
 * dynalite cannot change an index, and queries through the old one would silently miss rows.
 */
export async function createKeyedTable(
  client: DynamoDBClient,
  tableName: string,
  definition: KeyedTableDefinition,
): Promise<boolean> {
  const { partitionKey, sortKey, timeToLiveAttribute, index } = definition;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          ...(index
            ? [
                { AttributeName: index.partitionKey, AttributeType: 'S' as const },
                { AttributeName: index.sortKey, AttributeType: 'S' as const },
              ]
            : []),
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        ...(index
          ? {
              GlobalSecondaryIndexes: [
                {
                  IndexName: index.name,
                  KeySchema: [
                    { AttributeName: index.partitionKey, KeyType: 'HASH' },
                    { AttributeName: index.sortKey, KeyType: 'RANGE' },
                  ],
                  // As the data stack's TableV2 default: the status list reads whole rows from the index.
                  Projection: { ProjectionType: 'ALL' },
                },
              ],
            }
          : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    // Another process may have just created it: it is usable only once ACTIVE.
    const existing = await waitUntilActive(client, tableName);
    if (index) checkIndexKeys(tableName, existing, index);
    return false;
  }
  await waitUntilActive(client, tableName);
  if (timeToLiveAttribute) await enableTimeToLive(client, tableName, timeToLiveAttribute);
  return true;
}

/**
 * A new table is CREATING for a while (even dynalite with createTableMs 0 flips it on a timer),
 * and a write to it meanwhile fails with "Requested resource not found": npm start seeded demo
 * messages into a table that was not yet there, now and then. The SDK's waiter polls every 20 s
 * at least, too slow for a local table, hence this loop.
 */
async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 30_000,
): Promise<TableDescription | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = table?.GlobalSecondaryIndexes ?? [];
    if (table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return table;
    if (Date.now() > deadline) {
      throw new Error(`DynamoDB table ${tableName} is still ${table?.TableStatus} after ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function checkIndexKeys(
  tableName: string,
  table: TableDescription | undefined,
  index: NonNullable<KeyedTableDefinition['index']>,
): void {
  const found = table?.GlobalSecondaryIndexes?.find((existing) => existing.IndexName === index.name);
  const keys = (found?.KeySchema ?? []).map((key) => key.AttributeName).join(', ');
  const wanted = `${index.partitionKey}, ${index.sortKey}`;
  if (keys === wanted) return;
  throw new Error(
    `DynamoDB table ${tableName} has index ${index.name} keyed (${keys || 'missing'}), not (${wanted}) as lib/tables.ts ` +
      'defines it now: it was kept from an older version. Delete the local data (.local/, or NIGHTSHIFT_LOCAL_DIR) to start over.',
  );
}

/**
 * Creates the job-status table from the same definition the data stack deploys (lib/tables.ts),
 * for local mode and for tests. An existing table is kept (local mode restarts on persistent data).
 * Returns whether the table was created now.
 */
export function createJobStatusTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { latestIndex, ...keys } = JOB_STATUS_TABLE;
  return createKeyedTable(client, tableName, { ...keys, index: latestIndex });
}

/** dynalite has no UpdateTimeToLive (and never expires items); real DynamoDB and other emulators get it. */
async function enableTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'UnknownOperationException') throw error;
  }
}
