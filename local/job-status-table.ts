import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { JOB_STATUS_TABLE } from '../lib/tables';

/**
 * Creates the job-status table from the same definition the data stack deploys (lib/tables.ts),
 * for local mode and for tests. An existing table is kept (local mode restarts on persistent data).
 * Returns whether the table was created now.
 */
export async function createJobStatusTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { partitionKey, sortKey, timeToLiveAttribute, latestIndex } = JOB_STATUS_TABLE;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          { AttributeName: latestIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: latestIndex.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: latestIndex.name,
            KeySchema: [
              { AttributeName: latestIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: latestIndex.sortKey, KeyType: 'RANGE' },
            ],
            // As the data stack's TableV2 default: the status list reads whole rows from the index.
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
  await enableTimeToLive(client, tableName, timeToLiveAttribute);
  return true;
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
