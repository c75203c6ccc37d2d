import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
});
