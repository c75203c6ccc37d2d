import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { demoSeedSettings, seedDemoDays } from '../../lambdas/daily-parquet/seed-demo-messages';
import { seedDemoMessages } from '../../local/daily-parquet-local';
import { DailyParquetWorld } from './daily-parquet-fixture';

const DEPLOYED_AT = new Date('2025-08-12T10:30:00+09:00'); // yesterday (JST) = 2025-08-11, the day before = 2025-08-10

let world: DailyParquetWorld;
beforeEach(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
});
afterEach(() => world.tearDown());

const countItems = async () => (await world.dynamo.send(new ScanCommand({ TableName: world.table }))).Count;

describe('demo messages seeded into dynalite, then read by daily-parquet', () => {
  it("writes yesterday's and the day before's messages, which the next daily run turns into Parquet per tenant", async () => {
    const documents = DynamoDBDocumentClient.from(world.dynamo);
    const settings = demoSeedSettings({ MESSAGES_TABLE: world.table, TENANT_ID: 'acme, globex' });

    const seeded = await seedDemoDays(documents, settings, DEPLOYED_AT);

    expect(seeded).toEqual({ days: ['2025-08-11', '2025-08-10'], items: 2 * 2 * 48 });
    const outcome = await world.run(
      {},
      { env: { TENANT_ID: 'acme,globex' }, now: new Date('2025-08-12T02:00:00+09:00') },
    );
    expect(outcome).toMatchObject({ status: 'success', rows: 96, details: { target_date: '2025-08-11' } });
    expect(
      await world.query(
        'SELECT tenant_id, dt, count(*) AS n, count(DISTINCT conversation_id) AS conversations FROM messages GROUP BY ALL ORDER BY 1',
      ),
    ).toEqual([
      { tenant_id: 'acme', dt: '2025-08-11', n: '48', conversations: '8' },
      { tenant_id: 'globex', dt: '2025-08-11', n: '48', conversations: '8' },
    ]);
    const [first] = await world.query(
      "SELECT text, extra FROM messages WHERE tenant_id = 'acme' ORDER BY created_at LIMIT 1",
    );
    expect(first).toEqual({
      text: 'こんにちは、予約の確認をお願いします',
      extra: '{"metadata":{"channel":"web","demo":true}}',
    });

    const dayBefore = await world.run({ target_date: '2025-08-10' }, { env: { TENANT_ID: 'acme,globex' } });
    expect(dayBefore).toMatchObject({ status: 'success', rows: 96 });
  });

  it('overwrites the same keys when a deploy seeds the same days again', async () => {
    const documents = DynamoDBDocumentClient.from(world.dynamo);
    const settings = { tableName: world.table, tenants: ['acme'] };

    await seedDemoDays(documents, settings, DEPLOYED_AT);
    await seedDemoDays(documents, settings, new Date('2025-08-12T23:59:00+09:00'));

    expect(await countItems()).toBe(2 * 48);
  });

  it('retries the items a BatchWrite leaves unprocessed until all are stored', async () => {
    const real = DynamoDBDocumentClient.from(world.dynamo);
    let calls = 0;
    // The first batch stores only 5 of its requests and hands the rest back, as a throttled table does.
    const throttledOnce = {
      send: async (command: BatchWriteCommand) => {
        calls += 1;
        if (calls > 1) return real.send(command);
        const requests = command.input.RequestItems![world.table];
        await real.send(new BatchWriteCommand({ RequestItems: { [world.table]: requests.slice(0, 5) } }));
        return { UnprocessedItems: { [world.table]: requests.slice(5) } };
      },
    } as unknown as DynamoDBDocumentClient;

    await seedDemoDays(throttledOnce, { tableName: world.table, tenants: ['acme'] }, DEPLOYED_AT, [-1]);

    expect(await countItems()).toBe(48);
    expect(calls).toBe(3); // 25 + 23 items: the first chunk took a retry
  });

  it('in local mode, fills the last three whole JST days when it creates the table, and only then', async () => {
    const table = `${world.table}-local`;

    expect(await seedDemoMessages(world.dynamo, table, ['demo'], DEPLOYED_AT)).toBe(3 * 48);
    expect(await seedDemoMessages(world.dynamo, table, ['demo'], DEPLOYED_AT)).toBe(0);

    const { Items } = await world.dynamo.send(new ScanCommand({ TableName: table }));
    const days = new Set(Items!.map((item) => /\d{4}-\d{2}-\d{2}/.exec(item.message_id.S!)?.[0]));
    expect([...days].sort()).toEqual(['2025-08-09', '2025-08-10', '2025-08-11']);
  });

  it('names the variable when the seeder is told no table', () => {
    expect(() => demoSeedSettings({ TENANT_ID: 'acme' })).toThrow(/MESSAGES_TABLE: /);
  });
});
