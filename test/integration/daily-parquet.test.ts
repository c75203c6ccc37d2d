import { MESSAGE_COLUMNS } from '../../contracts/analytics-messages';
import { messageItem } from '../../local/daily-parquet-local';
import { DAY, DailyParquetWorld, runFilesPrefix as runFiles, symlinkKey as symlink } from './daily-parquet-fixture';

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
