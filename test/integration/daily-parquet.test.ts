import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MESSAGE_COLUMNS } from '../../contracts/analytics-messages';
import type { PartitionManifest } from '../../lambdas/daily-parquet/publish-partition';
import { messageItem } from '../../local/daily-parquet-local';
import { DailyParquetWorld } from './daily-parquet-fixture';

const DAY = '2025-08-11'; // JST: 2025-08-10T15:00:00.000Z up to 2025-08-11T15:00:00.000Z
const symlink = (tenant: string, dt = DAY) => `analytics/messages/current/tenant_id=${tenant}/dt=${dt}/symlink.txt`;
const runFiles = (tenant: string, runId: string, dt = DAY) =>
  `analytics/messages/runs/tenant_id=${tenant}/dt=${dt}/run=${runId}/`;

let world: DailyParquetWorld;
beforeEach(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
});
afterEach(() => world.tearDown());

describe('daily-parquet against dynalite and s3rver, read back by DuckDB', () => {
  it("writes the original batch's manual payload day as Snappy Parquet that DuckDB reads with exact values", async () => {
    await world.put([
      messageItem('acme', '2025-08-10T15:00:00.000Z', 'm1', {
        conversation_id: 'c1',
        sender: 'user',
        text: 'こんにちは 🍣 世界',
        tokens: 12,
        metadata: { channel: 'line', tags: ['a'] },
      }),
      messageItem('acme', '2025-08-11T03:04:05.678Z', 'm2', {
        conversation_id: 'c1',
        sender: 'assistant',
        text: 'はい 👍',
        tokens: 30,
      }),
      messageItem('acme', '2025-08-11T14:59:59.999Z', 'm3', { conversation_id: 'c2', sender: 'user', tokens: 0 }),
    ]);

    const outcome = await world.run({ target_date: '2025-08-11' });

    expect(outcome).toMatchObject({ status: 'success', rows: 3, counts: { files: 1, tenants: 1, failedTenants: 0 } });
    expect(await world.keys()).toEqual([
      symlink('acme'),
      `${runFiles('acme', outcome.runId)}_manifest.json`,
      `${runFiles('acme', outcome.runId)}part-00000.parquet`,
    ]);
    expect(await world.text(symlink('acme'))).toBe(
      `s3://${world.bucket}/${runFiles('acme', outcome.runId)}part-00000.parquet\n`,
    );
    const rows = await world.query(
      `SELECT tenant_id, dt, message_id, text, sender, tokens, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%g') AS at,
              typeof(created_at) AS at_type, extra FROM messages ORDER BY created_at`,
    );
    expect(rows).toEqual([
      {
        tenant_id: 'acme',
        dt: DAY,
        message_id: 'm1',
        text: 'こんにちは 🍣 世界',
        sender: 'user',
        tokens: '12',
        at: '2025-08-10T15:00:00.000',
        at_type: expect.stringMatching(/^TIMESTAMP/),
        extra: '{"metadata":{"channel":"line","tags":["a"]}}',
      },
      expect.objectContaining({
        message_id: 'm2',
        text: 'はい 👍',
        tokens: '30',
        at: '2025-08-11T03:04:05.678',
        extra: null,
      }),
      expect.objectContaining({
        message_id: 'm3',
        text: null,
        tokens: '0',
        at: '2025-08-11T14:59:59.999',
        extra: null,
      }),
    ]);
    const [sums] = await world.query(
      'SELECT count(*) AS n, sum(tokens) AS tokens, count(DISTINCT conversation_id) AS c FROM messages',
    );
    expect(sums).toEqual({ n: '3', tokens: '42', c: '2' });
    const columns = await world.query(
      "SELECT DISTINCT path_in_schema AS col, compression, type FROM parquet_metadata('$FILES') ORDER BY 1",
    );
    expect(columns).toContainEqual({ col: 'created_at', compression: 'SNAPPY', type: 'INT64' });
    expect(new Set(columns.map((column) => column.compression))).toEqual(new Set(['SNAPPY']));
    const [createdAt] = await world.query(
      "SELECT converted_type, logical_type FROM parquet_schema('$FILES') WHERE name = 'created_at' LIMIT 1",
    );
    expect(createdAt.converted_type).toBe('TIMESTAMP_MILLIS');
    // The Glue table is built from the same list (test/infra/daily-parquet.test.ts checks that side).
    const fileColumns = await world.query("SELECT name FROM parquet_schema('$FILES') WHERE name <> 'schema'");
    expect(fileColumns.map((column) => column.name)).toEqual(MESSAGE_COLUMNS.map((column) => column.name));
  });

  it('puts 14:59:59.999Z in the JST day before and 15:00:00.000Z in the day', async () => {
    await world.put([
      messageItem('acme', '2025-08-10T14:59:59.999Z', 'before'),
      messageItem('acme', '2025-08-10T15:00:00.000Z', 'first'),
      messageItem('acme', '2025-08-11T14:59:59.999Z', 'last'),
      messageItem('acme', '2025-08-11T15:00:00.000Z', 'after'),
    ]);

    await world.run({ target_date: '2025-08-10' });
    await world.run({ target_date: '2025-08-11' });

    const rows = await world.query(
      'SELECT dt, list(message_id ORDER BY created_at) AS ids FROM messages GROUP BY dt ORDER BY dt',
    );
    expect(rows).toEqual([
      { dt: '2025-08-10', ids: ['before'] },
      { dt: '2025-08-11', ids: ['first', 'last'] },
    ]);
  });

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

  it('publishes one Parquet file without rows for an empty day, so readers get the schema', async () => {
    const outcome = await world.run({ target_date: DAY });

    expect(outcome).toMatchObject({ status: 'success', rows: 0, counts: { files: 1 } });
    const run = runFiles('acme', outcome.runId);
    expect(await world.keys()).toEqual([symlink('acme'), `${run}_manifest.json`, `${run}part-00000.parquet`]);
    const manifest = JSON.parse(await world.text(`${run}_manifest.json`)) as PartitionManifest;
    expect(manifest).toMatchObject({
      tenant_id: 'acme',
      dt: DAY,
      rows: 0,
      files: [{ key: `${run}part-00000.parquet`, rows: 0 }],
      schema_version: 2,
      run_id: outcome.runId,
    });
    expect(await world.query('SELECT count(*) AS n, count(message_id) AS ids FROM messages')).toEqual([
      { n: '0', ids: '0' },
    ]);
  });

  it('switches readers to a re-run at once and deletes the replaced run with the first run 6 hours later', async () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      messageItem('acme', new Date(Date.parse('2025-08-10T15:00:00.000Z') + i * 60_000).toISOString(), `m${i}`, {
        tokens: i,
      }),
    );
    await world.put(many);
    const at = new Date('2025-08-12T10:00:00+09:00');
    const first = await world.run(
      { target_date: DAY },
      { env: { JOB_SETTINGS: JSON.stringify({ slicesPerDay: 96 }) }, now: at },
    );
    expect(first.counts?.files).toBeGreaterThan(1);

    const second = await world.run({ target_date: DAY }, { env: { JOB_SETTINGS: '{"slicesPerDay":1}' }, now: at });

    expect(second).toMatchObject({ status: 'success', rows: 30, counts: { files: 1 } });
    expect(await world.text(symlink('acme'))).toBe(
      `s3://${world.bucket}/${runFiles('acme', second.runId)}part-00000.parquet\n`,
    );
    const [sums] = await world.query(
      'SELECT count(*) AS n, sum(tokens) AS tokens, list(DISTINCT run) AS runs FROM messages',
    );
    expect(sums).toEqual({ n: '30', tokens: String((29 * 30) / 2), runs: [second.runId] });
    expect(await world.keys('analytics/_staging/')).toEqual([]);
    // A query that read the old symlink file just before the switch still finds every file.
    expect((await world.keys(runFiles('acme', first.runId))).length).toBe(Number(first.counts?.files) + 1);

    await world.run({ target_date: '2025-08-12' }, { now: new Date(at.getTime() + 6 * 3_600_000 + 60_000) });

    expect(await world.keys(runFiles('acme', first.runId))).toEqual([]);
    expect(await world.keys(runFiles('acme', second.runId))).toHaveLength(2);
    expect(await world.keys('analytics/_retired/')).toEqual([]);
    expect(await world.query('SELECT count(*) AS n FROM messages WHERE dt = $$2025-08-11$$')).toEqual([{ n: '30' }]);
  });

  it('publishes a retry with the same run id (a Lambda retry) into a directory of its own, never over published files', async () => {
    const day = (tokens: number) =>
      Array.from({ length: 8 }, (_, i) =>
        messageItem(
          'acme',
          new Date(Date.parse('2025-08-10T15:00:00.000Z') + i * 3 * 3_600_000).toISOString(),
          `m${i}`,
          {
            tokens,
          },
        ),
      );
    await world.put(day(1));
    const first = await world.run(
      { target_date: DAY },
      { runId: 'req-1', env: { JOB_SETTINGS: '{"slicesPerDay":4}' } },
    );
    const published = await world.keys(runFiles('acme', 'req-1'));
    const bytesBefore = await Promise.all(published.map((key) => world.text(key)));
    await world.put(day(2));

    const retry = await world.run(
      { target_date: DAY },
      { runId: 'req-1', env: { JOB_SETTINGS: '{"slicesPerDay":1}' } },
    );

    expect([first.status, retry.status]).toEqual(['success', 'success']);
    expect(await world.text(symlink('acme'))).toBe(
      `s3://${world.bucket}/${runFiles('acme', 'req-1~2')}part-00000.parquet\n`,
    );
    expect(await Promise.all(published.map((key) => world.text(key)))).toEqual(bytesBefore);
    expect(await world.query('SELECT sum(tokens) AS t, count(*) AS n FROM messages')).toEqual([{ t: '16', n: '8' }]);
  });

  it('writes the other tenants when one fails, reports each, and fails the run', async () => {
    await world.put(
      ['a', 'b', 'c'].map((tenant) => messageItem(tenant, '2025-08-11T00:00:00.000Z', `${tenant}-1`, { tokens: 5 })),
    );
    await world.put([messageItem('b', '2025-08-12T00:00:00.000Z', 'b-old')]);

    const outcome = await world.run(
      { target_date: DAY, tenants: ['a', 'b', 'c'] },
      {
        wrapPorts: (ports) => ({
          ...ports,
          source: {
            queryRange: (tenant, from, to) => {
              if (tenant === 'b') throw new Error('ProvisionedThroughputExceededException: tenant b');
              return ports.source.queryRange(tenant, from, to);
            },
          },
        }),
      },
    );

    expect(outcome.status).toBe('error');
    expect(outcome.message).toContain('1 of 3 tenants failed: b: ProvisionedThroughputExceededException');
    expect(outcome.details?.tenants).toEqual([
      { tenant: 'a', status: 'success', rows: 1, files: 1, invalidValues: 0 },
      expect.objectContaining({ tenant: 'b', status: 'failed', rows: 0, error: expect.stringContaining('tenant b') }),
      { tenant: 'c', status: 'success', rows: 1, files: 1, invalidValues: 0 },
    ]);
    expect(await world.query('SELECT tenant_id, count(*) AS n FROM messages GROUP BY ALL ORDER BY 1')).toEqual([
      { tenant_id: 'a', n: '1' },
      { tenant_id: 'c', n: '1' },
    ]);
    expect((await world.keys()).filter((key) => key.includes('tenant_id=b'))).toEqual([]);
  });

  it('defaults to the JST day before the run and the tenants of TENANT_ID', async () => {
    await world.put([
      messageItem('x', '2025-08-10T16:00:00.000Z', 'x1'),
      messageItem('y', '2025-08-10T16:00:00.000Z', 'y1'),
    ]);

    const outcome = await world.run({}, { env: { TENANT_ID: 'x, y' }, now: new Date('2025-08-12T01:59:00+09:00') });

    expect(outcome).toMatchObject({ status: 'success', rows: 2, details: { target_date: DAY } });
  });

  it('names the field of a bad target_date', async () => {
    const outcome = await world.run({ target_date: '2025-02-30' });

    expect(outcome.status).toBe('error');
    expect(outcome.message).toBe('invalid payload: payload.target_date: "2025-02-30" is not a calendar date');
  });
});
