import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynaliteWithTransactions } from '../../local/services/dynamodb-transactions';

/**
 * Local mode creates its tables and writes to them at once (demo messages, job status): a table
 * is usable only once ACTIVE, which takes a moment on any DynamoDB. Here dynalite keeps a new
 * table CREATING for 300 ms, so a write that does not wait fails every time, not now and then.
 */
describe('local table creation', () => {
  const server = dynaliteWithTransactions({ createTableMs: 300 });
  let client: DynamoDBClient;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('returns only when the new table takes writes', async () => {
    expect(await createJobStatusTable(client, 'fresh-status')).toBe(true);

    await expect(
      DynamoDBDocumentClient.from(client).send(
        new PutCommand({ TableName: 'fresh-status', Item: { pk: 'JOB#a', sk: 'LATEST' } }),
      ),
    ).resolves.toBeDefined();
  });

  it('waits as well for a table another process has just created', async () => {
    const first = createJobStatusTable(client, 'raced-status');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await createJobStatusTable(client, 'raced-status')).toBe(false);

    await expect(
      DynamoDBDocumentClient.from(client).send(
        new PutCommand({ TableName: 'raced-status', Item: { pk: 'JOB#a', sk: 'LATEST' } }),
      ),
    ).resolves.toBeDefined();
    await first;
  });

  it('refuses a job-status table kept from before its index was keyed by jobKey, naming the fix', async () => {
    // The index as it was: sorted by lastFinishedAt, which a row that only holds a start lacks.
    await client.send(
      new CreateTableCommand({
        TableName: 'old-status',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'kind', 'lastFinishedAt'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S' as const,
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byKind',
            KeySchema: [
              { AttributeName: 'kind', KeyType: 'HASH' },
              { AttributeName: 'lastFinishedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );

    await expect(createJobStatusTable(client, 'old-status')).rejects.toThrow(
      'DynamoDB table old-status has index byKind keyed (kind, lastFinishedAt), not (kind, jobKey) as lib/tables.ts defines it now',
    );
    expect(await createJobStatusTable(client, 'fresh-status')).toBe(false);
  });
});
