/**
 * Benchmark of youtube-sync: C channels with V videos in all, against the fake YouTube API answering
 * every call after L ms, into embedded PostgreSQL. Prints API calls (against the minimum), quota units,
 * wall time against its lower bound (calls × latency / concurrency) and the load time of the run's CSVs
 * against a plain `COPY` of the same CSVs, measured in the same process.
 *
 *   npx tsx bench/youtube-sync.ts [channels=20] [videos=10000] [latencyMs=50] [concurrency=4]
 *
 * The fake runs in a child process, as the real API is elsewhere: its work is not billed to the job.
 * The last line is machine-readable: `BENCH youtube-sync calls=... wall_ratio=... load_ratio=...`.
 */

import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { applyMigrations } from '../lambdas/db-migrate/migrate';
import { createLogger } from '../lambdas/shared/logger';
import { CSV_COLUMNS } from '../lambdas/youtube-sync/channel-csv';
import { loadChannelCsv } from '../lambdas/youtube-sync/load-channel';
import { fileRawCsvStore } from '../lambdas/youtube-sync/raw-store';
import { defaultPorts, runYoutubeSync } from '../lambdas/youtube-sync/youtube-sync-job';
import { migrateDatabase } from '../local/migrate';
import { startPostgres } from '../local/services/postgres';
import { channelId, FakeYoutube, makeVideos } from '../test/support/fake-youtube';

const numbers = process.argv.slice(2).filter((arg) => arg !== '--serve-fake');
const [channels, videos, latencyMs, concurrency] = [20, 10_000, 50, 4].map((fallback, i) =>
  Number(numbers[i] ?? fallback),
);
const RUNS = 3;
const SERVE_FAKE = '--serve-fake';

function fakeWithChannels(): FakeYoutube {
  const fake = new FakeYoutube({ latencyMs });
  const perChannel = Math.floor(videos / channels);
  for (let i = 0; i < channels; i++) {
    const count = perChannel + (i < videos % channels ? 1 : 0);
    fake.channels.push({ id: channelId(`bench${i}`), title: `ベンチ ${i} 🎬`, videos: makeVideos(`b${i}x`, count) });
  }
  return fake;
}

/** Child mode: serve the fake, print its URL, run until the parent closes stdin. */
async function serveFake(): Promise<void> {
  const fake = fakeWithChannels();
  process.stdout.write(`${await fake.listen()}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => fake.close().finally(() => process.exit(0)));
}

async function startFakeProcess(): Promise<{ url: string; calls(): Promise<number>; stop(): void }> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2), SERVE_FAKE], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`fake API exited with ${code}`)));
  });
  return {
    url,
    calls: async () => ((await (await fetch(`${url}_fake/calls`)).json()) as { totalCalls: number }).totalCalls,
    stop: () => child.stdin.end(),
  };
}
/**
 * What the load cannot go below: the same CSVs through the load's staging table, then plain INSERTs
 * (no conflict handling, no guard) into empty tables with the same keys and indexes, one transaction
 * per CSV. Printed to explain the load ratio; the ratio's reference stays the plain COPY.
 */
async function plainInserts(db: pg.Client, csvs: Buffer[]): Promise<number> {
  for (const table of ['youtube_videos', 'youtube_video_daily_stats']) {
    await db.query(`CREATE TABLE floor_${table} (LIKE ${table} INCLUDING ALL)`);
  }
  const started = performance.now();
  for (const csv of csvs) {
    await db.query('BEGIN');
    await pipeline(
      Readable.from([csv]),
      db.query(
        copyFrom(`COPY youtube_sync_staging (${CSV_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`),
      ),
    );
    await db.query(`INSERT INTO floor_youtube_videos (video_id, channel_id, title, description, published_at, duration,
        view_count, like_count, comment_count, fetched_at, run_id)
      SELECT id, channel_id, title, description, published_at, duration, view_count, like_count, comment_count,
        fetched_at, 'floor' FROM youtube_sync_staging WHERE record_type = 'video';
      INSERT INTO floor_youtube_video_daily_stats (video_id, stat_date, view_count, like_count, comment_count,
        fetched_at, run_id)
      SELECT id, (fetched_at AT TIME ZONE 'Asia/Tokyo')::date, view_count, like_count, comment_count, fetched_at,
        'floor' FROM youtube_sync_staging WHERE record_type = 'video';
      DELETE FROM youtube_sync_staging; COMMIT`);
  }
  return performance.now() - started;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-bench-youtube-'));
  await chmod(tempDir, 0o755); // PostgreSQL runs as the `postgres` OS user and must traverse it
  const postgres = await startPostgres({ dataDir: path.join(tempDir, 'postgres'), persistent: false });
  const layout = fakeWithChannels();
  const fake = await startFakeProcess();
  const counts = layout.channels.map((channel) => channel.videos.length);
  const minimumCalls =
    Math.ceil(channels / 50) + counts.reduce((sum, v) => sum + Math.max(1, Math.ceil(v / 50)) + Math.ceil(v / 50), 0);
  const logger = createLogger('bench-youtube-sync');
  logger.setLogLevel('SILENT');

  try {
    const walls: number[] = [];
    let calls = 0;
    let units = 0;
    let lastRun = '';
    for (let run = 0; run < RUNS; run++) {
      const databaseUrl = await postgres.createDatabase(`bench_sync_${run}`);
      // The job signs in as its own role, as deployed.
      const { jobEnv } = await migrateDatabase(databaseUrl);
      const callsBefore = await fake.calls();
      const env = {
        ...process.env,
        ...jobEnv,
        ANALYTICS_BUCKET: '',
        YOUTUBE_RAW_DIR: path.join(tempDir, 'raw'),
        YOUTUBE_API_KEY: layout.apiKey,
        YOUTUBE_API_BASE_URL: fake.url,
        JOB_SETTINGS: JSON.stringify({ channels: layout.channels.map((c) => c.id), concurrency }),
        POWERTOOLS_METRICS_DISABLED: 'true',
      };
      lastRun = `bench-run-${run}`;
      const started = performance.now();
      const result = await runYoutubeSync(
        {},
        { jobId: 'youtube-sync', runId: lastRun, logger, now: () => new Date(), remainingMs: () => Infinity },
        defaultPorts(env),
      );
      walls.push(performance.now() - started);
      if (result.failed || result.counts?.videos !== videos) throw new Error(`run ${run} failed: ${result.message}`);
      calls = (await fake.calls()) - callsBefore;
      units = result.counts?.quotaUnits ?? 0;
    }
    const wall = median(walls);
    const best = Math.min(...walls);
    const bound = (minimumCalls * latencyMs) / concurrency;

    // Load: the last run's stored CSVs through the job's load vs a plain COPY of the same bytes.
    const store = fileRawCsvStore(path.join(tempDir, 'raw'));
    const csvs = await Promise.all(
      (await store.list('raw/youtube/')).filter((k) => k.includes(lastRun)).map((k) => store.get(k)),
    );
    const loads: number[] = [];
    const floors: number[] = [];
    const copies: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const url = await postgres.createDatabase(`bench_load_${run}`);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      await applyMigrations(db);
      await db.query(`CREATE TABLE plain_copy (${CSV_COLUMNS.map((c) => `${c} text`).join(', ')})`);
      let started = performance.now();
      for (const csv of csvs) {
        await pipeline(
          Readable.from([csv]),
          db.query(copyFrom(`COPY plain_copy (${CSV_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`)),
        );
      }
      copies.push(performance.now() - started);
      started = performance.now();
      for (const csv of csvs) await loadChannelCsv(db, csv, lastRun);
      loads.push(performance.now() - started);
      floors.push(await plainInserts(db, csvs));
      await db.end();
    }
    const load = median(loads);
    const copy = median(copies);
    const floor = median(floors);

    console.log(
      `youtube-sync: ${channels} channels, ${videos} videos, ${latencyMs} ms per call, concurrency ${concurrency}`,
    );
    console.log(`  API calls      ${calls} (minimum ${minimumCalls})   quota units ${units}`);
    console.log(
      `  wall time      ${wall.toFixed(0)} ms (runs: ${walls.map((w) => w.toFixed(0)).join(', ')}); lower bound ${bound.toFixed(0)} ms; ratio ${(wall / bound).toFixed(2)}, best run ${(best / bound).toFixed(2)} (target ≤ 1.30)`,
    );
    console.log(
      `  load           ${load.toFixed(0)} ms for ${csvs.length} CSVs; plain COPY ${copy.toFixed(0)} ms; ratio ${(load / copy).toFixed(2)} (target ≤ 1.50); the same rows by COPY + plain INSERTs (no upsert) into copies of the tables ${floor.toFixed(0)} ms (ratio ${(floor / copy).toFixed(2)})`,
    );
    console.log(
      `BENCH youtube-sync channels=${channels} videos=${videos} latency_ms=${latencyMs} concurrency=${concurrency} calls=${calls} min_calls=${minimumCalls} quota_units=${units} wall_ms=${wall.toFixed(0)} bound_ms=${bound.toFixed(0)} wall_ratio=${(wall / bound).toFixed(2)} best_wall_ratio=${(best / bound).toFixed(2)} load_ms=${load.toFixed(0)} copy_ms=${copy.toFixed(0)} load_ratio=${(load / copy).toFixed(2)} insert_floor_ms=${floor.toFixed(0)} insert_floor_ratio=${(floor / copy).toFixed(2)}`,
    );
  } finally {
    fake.stop();
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}

(process.argv.includes(SERVE_FAKE) ? serveFake() : main()).catch((error: Error) => {
  console.error(`bench youtube-sync failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
