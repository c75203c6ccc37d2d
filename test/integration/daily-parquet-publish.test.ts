import type { PartitionManifest } from '../../lambdas/daily-parquet/publish-partition';
import { messageItem } from '../../local/daily-parquet-local';
import { DAY, DailyParquetWorld, runFilesPrefix as runFiles, symlinkKey as symlink } from './daily-parquet-fixture';

let world: DailyParquetWorld;
beforeEach(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
});
afterEach(() => world.tearDown());

describe('daily-parquet publishing, read through the symlink files', () => {
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
});
