import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { PartitionManifest } from '../../lambdas/daily-parquet/publish-partition';
import { messageItem } from '../../local/daily-parquet-local';
import { DAY, DailyParquetWorld, runFilesPrefix as runFiles } from './daily-parquet-fixture';

let world: DailyParquetWorld;
beforeEach(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
});
afterEach(() => world.tearDown());

describe('daily-parquet with values of every kind, read back by DuckDB', () => {
  it('nulls values of the wrong type, keeps them raw in the invalid column and counts them', async () => {
    await world.put([
      messageItem('acme', '2025-08-11T01:00:00.000Z', 'bad', { tokens: 'many', sender: 42, topic: 'billing' }),
      messageItem('acme', '2025-08-11T02:00:00.000Z', 'bad-time', { created_at: 'yesterday', tokens: 1.5 }),
    ]);

    const outcome = await world.run({ target_date: DAY });

    expect(outcome.counts).toMatchObject({ invalidValues: 4 });
    const rows = await world.query(
      "SELECT message_id, tokens, sender, strftime(created_at, '%H:%M:%S.%g') AS at, extra, invalid FROM messages ORDER BY message_id",
    );
    expect(rows).toEqual([
      {
        message_id: 'bad',
        tokens: null,
        sender: null,
        at: '01:00:00.000',
        extra: '{"topic":"billing"}',
        invalid: '{"sender":42,"tokens":"many"}',
      },
      {
        message_id: 'bad-time',
        tokens: null,
        sender: null,
        at: '02:00:00.000', // from the sort key
        extra: null,
        invalid: '{"created_at":"yesterday","tokens":1.5}',
      },
    ]);
    const manifest = JSON.parse(
      await world.text(`${runFiles('acme', outcome.runId)}_manifest.json`),
    ) as PartitionManifest;
    expect(manifest).toMatchObject({ rows: 2, invalid_values: 4 });
  });

  it('writes a tenant whose items hold numbers beyond a double and every DynamoDB type, keeping each value', async () => {
    const sk = (minute: number, id: string) => ({
      S: `2025-08-11T01:${String(minute).padStart(2, '0')}:00.000Z#${id}`,
    });
    const items: Record<string, AttributeValue>[] = [
      { tenant_id: { S: 'acme' }, sk: sk(0, 'big'), tokens: { N: '12345678901234567890123.5' }, amount: { N: '1E+2' } },
      {
        tenant_id: { S: 'acme' },
        sk: sk(1, 'types'),
        text: { B: Uint8Array.from([1, 2]) },
        sender: { NULL: true },
        tags: { SS: ['a'] },
        counts: { NS: ['99999999999999999999999999999999999999'] },
        blobs: { BS: [Uint8Array.from([255])] },
        flag: { BOOL: false },
        nested: { M: { list: { L: [{ N: '0.1000000000000000055511151231257827' }] } } },
      },
      // No created_at, no message_id, and a user attribute named like bookkeeping.
      { tenant_id: { S: 'acme' }, sk: sk(2, 'bare'), _invalid: { S: 'mine' }, tokens: { S: 'many' } },
    ];
    for (const Item of items) await world.dynamo.send(new PutItemCommand({ TableName: world.table, Item }));

    const outcome = await world.run({ target_date: DAY });

    expect(outcome).toMatchObject({ status: 'success', rows: 3, counts: { invalidValues: 3 } });
    expect(
      await world.query(
        "SELECT message_id, strftime(created_at, '%H:%M') AS at, tokens, text, extra, invalid FROM messages ORDER BY created_at",
      ),
    ).toEqual([
      {
        message_id: 'big',
        at: '01:00',
        tokens: null,
        text: null,
        extra: '{"amount":100}',
        invalid: '{"tokens":12345678901234567890123.5}',
      },
      {
        message_id: 'types',
        at: '01:01',
        tokens: null,
        text: null,
        extra:
          '{"tags":["a"],"counts":[99999999999999999999999999999999999999],"blobs":["/w=="],"flag":false,"nested":{"list":[0.1000000000000000055511151231257827]}}',
        invalid: '{"text":"AQI="}',
      },
      {
        message_id: 'bare',
        at: '01:02',
        tokens: null,
        text: null,
        extra: '{"_invalid":"mine"}',
        invalid: '{"tokens":"many"}',
      },
    ]);
  });
});
