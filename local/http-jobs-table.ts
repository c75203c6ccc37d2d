import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { HTTP_JOBS_TABLE } from '../lib/tables';

/** Creates the HTTP jobs table from the definition the data stack deploys; an existing one is kept. */
export async function createHttpJobsTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { partitionKey, sortKey, kindIndex } = HTTP_JOBS_TABLE;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          { AttributeName: kindIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: kindIndex.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: kindIndex.name,
            KeySchema: [
              { AttributeName: kindIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: kindIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}
