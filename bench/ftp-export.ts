/**
 * Benchmark of ftp-export: N rows of visitor_counts from embedded PostgreSQL to a local FTPS server,
 * against `psql \copy (same query) TO file CSV HEADER` measured in the same run, plus peak RSS of the
 * export at 100k rows and at N rows (memory must not grow with the row count), and a large-cell case:
 * single cells of 20 and 80 MiB, whose export time must grow linearly with their size.
 *
 *   npx tsx bench/ftp-export.ts [rows] [encoding]     (default 1,000,000 rows, utf8)
 *
 * The FTP server runs in a child process, as a recipient's server would: its TLS and disk work must not
 * be billed to the export. The last line is machine-readable: `BENCH ftp-export rows=... ratio_vs_psql=...`.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { defaultPorts, runFtpExport } from '../lambdas/ftp-export/ftp-export-job';
import { createLogger } from '../lambdas/shared/logger';
import { migrateDatabase } from '../local/migrate';
import { startFtpServer } from '../local/services/ftp';
import { startPostgres } from '../local/services/postgres';

const SERVE_FTP = '--serve-ftp';
const RUNS = 5;
const SMALL_ROWS = 100_000;
/** The large-cell case: one cell per size, exported end to end; 4 times the size should take about 4 times as long. */
const LARGE_CELL_MB = [20, 80] as const;
const SLOT = '2025-08-11T09:15';
const COLUMNS = 'id, store_id, store_name, counted_at, visitors, note, updated_at';

interface FtpInfo {
  port: number;
  user: string;
  password: string;
}

/** Child mode: serve FTPS on a free port, print where, run until the parent closes stdin. */
async function serveFtp(rootDir: string): Promise<void> {
  const ftp = await startFtpServer({ rootDir });
  process.stdout.write(`${JSON.stringify({ port: ftp.port, user: ftp.user, password: ftp.password })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => ftp.stop().finally(() => process.exit(0)));
}

async function startFtpChild(rootDir: string): Promise<{ info: FtpInfo; stop: () => void }> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, SERVE_FTP, rootDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const info = await new Promise<FtpInfo>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(JSON.parse(output.split('\n')[0]) as FtpInfo);
    });
    child.once('exit', (code) => reject(new Error(`FTP server child exited with ${code}`)));
  });
  return { info, stop: () => child.stdin.end() };
}

async function loadRows(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE visitor_counts (
      id bigserial PRIMARY KEY, store_id text NOT NULL, store_name text NOT NULL, counted_at timestamptz NOT NULL,
      visitors integer NOT NULL, note text, updated_at timestamptz NOT NULL DEFAULT now())`);
    // Japanese names, a quoted note every 10th row and a formula-looking one every 1000th: the real per-cell work.
    await client.query(
      `INSERT INTO visitor_counts (store_id, store_name, counted_at, visitors, note)
       SELECT 'S' || lpad((g % 500)::text, 4, '0'), '店舗 ' || (g % 500) || ' 駅前',
              timestamptz '2025-08-01 00:00+09' + g * interval '1 second', g % 97,
              CASE WHEN g % 1000 = 0 THEN '=SUM(A1)' WHEN g % 10 = 0 THEN 'note, "quoted"' END
         FROM generate_series(1, $1::int) g`,
      [rows],
    );
    await client.query('VACUUM ANALYZE visitor_counts');
  } finally {
    await client.end();
  }
}

/** One row per size, its note a quoted cell of that many MiB (quotes and commas in it): the large-cell case. */
async function loadLargeCells(url: string, sizesMb: readonly number[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE large_cells (id int PRIMARY KEY, note text NOT NULL)');
    for (const size of sizesMb) {
      await client.query(`INSERT INTO large_cells VALUES ($1, repeat('ab"c,', $1 * 1048576 / 5))`, [size]);
    }
  } finally {
    await client.end();
  }
}

/** Peak RSS while `work` runs, sampled every 5 ms (and once at the end). */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakRssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const encoding = process.argv[3] ?? 'utf8';
  if (!Number.isInteger(rows) || rows < SMALL_ROWS) throw new Error(`rows must be an integer ≥ ${SMALL_ROWS}`);
  if (!['utf8', 'utf8-bom', 'shift_jis'].includes(encoding)) throw new Error('encoding: utf8, utf8-bom or shift_jis');
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-bench-ftp-'));
  await chmod(tempDir, 0o755); // PostgreSQL runs as the `postgres` OS user and must traverse it
  const postgres = await startPostgres({ dataDir: path.join(tempDir, 'postgres'), persistent: false });
  const ftpRoot = path.join(tempDir, 'ftp');
  const ftp = await startFtpChild(ftpRoot);
  try {
    const url = await postgres.createDatabase('bench');
    console.log(`loading ${rows} rows ...`);
    console.log(`loaded in ${round((await timeMs(() => loadRows(url, rows))) / 1000)} s`);
    // The job signs in as its own role, as deployed.
    const { jobEnv } = await migrateDatabase(url);

    const envFor = (jobSettings: object) => ({
      ...jobEnv,
      FTP_HOST: '127.0.0.1',
      FTP_PORT: String(ftp.info.port),
      FTP_USER: ftp.info.user,
      FTP_PASSWORD: ftp.info.password,
      FTP_SECURE: 'true',
      FTP_REMOTE_DIR: '/out',
      FTP_TLS_REJECT_UNAUTHORIZED: 'false',
      JOB_SETTINGS: JSON.stringify(jobSettings),
    });
    const logger = createLogger('bench-ftp-export');
    logger.setLogLevel('ERROR');
    const exportOnce = async (jobSettings: object, dryRun = false) => {
      const context = {
        jobId: 'ftp-export',
        runId: 'bench',
        logger,
        now: () => new Date(),
        remainingMs: () => 900_000,
      };
      const payload = { slot: SLOT, ...(dryRun ? { dry_run: true } : {}) };
      const result = await runFtpExport(payload, context, defaultPorts(envFor(jobSettings)));
      if (result.failed) throw new Error(`export failed: ${result.message}`);
      return result;
    };
    const psqlOnce = async (query: string, file: string) => {
      await promisify(execFile)('/usr/bin/psql', [url, '-q', '-c', `\\copy (${query}) TO '${file}' CSV HEADER`]);
    };
    const psqlMedian = async (query: string) => {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++)
        times.push(await timeMs(() => psqlOnce(query, path.join(tempDir, 'psql.csv'))));
      return median(times);
    };
    const query = `SELECT ${COLUMNS} FROM visitor_counts ORDER BY id`;
    const fullSettings = { defaults: { encoding } };
    const smallSettings = { defaults: { encoding, where: `id <= ${SMALL_ROWS}` } };

    // Warm-up (connections, TLS, page cache), then the small export first: RSS only ever grows in a process.
    const baselineRssMb = process.memoryUsage.rss() / 2 ** 20;
    await exportOnce(smallSettings);
    const small = await withPeakRss(() => exportOnce(smallSettings));
    const exportTimes: number[] = [];
    const dryRunTimes: number[] = [];
    const loadBefore = os.loadavg()[0];
    const psqlTimes: number[] = [];
    let peakRssMb = 0;
    let bytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const measured = await withPeakRss(async () => timeMs(() => exportOnce(fullSettings)));
      exportTimes.push(measured.value);
      // The same export to a local file: tells the rendering from the FTPS upload.
      dryRunTimes.push(await timeMs(() => exportOnce(fullSettings, true)));
      peakRssMb = Math.max(peakRssMb, measured.peakRssMb);
      psqlTimes.push(await timeMs(() => psqlOnce(query, path.join(tempDir, 'psql.csv'))));
    }
    const uploaded = await stat(path.join(ftpRoot, 'out', 'visitor_data_20250811_0915.csv'));
    bytes = uploaded.size;
    const psqlBytes = (await stat(path.join(tempDir, 'psql.csv'))).size;

    // Large cells: time must grow with the cell's size, not its square.
    await loadLargeCells(url, LARGE_CELL_MB);
    const largeCellMs: number[] = [];
    const largeCellPsqlMs: number[] = [];
    // As a deploy does when the settings name another table: the job's role may read it from now on.
    await migrateDatabase(url, { jobSettings: JSON.stringify({ defaults: { table: 'large_cells' } }) });
    for (const size of LARGE_CELL_MB) {
      const settings = { defaults: { encoding, table: 'large_cells', where: `id = ${size}` } };
      largeCellMs.push(await timeMs(() => exportOnce(settings)));
      largeCellPsqlMs.push(await psqlMedian(`SELECT id, note FROM large_cells WHERE id = ${size}`));
    }
    const exportMs = median(exportTimes);
    const dryRunMs = median(dryRunTimes);
    const load = round((loadBefore + os.loadavg()[0]) / 2, 1);
    const psqlMs = median(psqlTimes);
    const rowsPerSecond = Math.round(rows / (exportMs / 1000));
    console.log(`export runs (ms):      ${exportTimes.map((ms) => Math.round(ms)).join(', ')}`);
    console.log(`dry runs (ms):         ${dryRunTimes.map((ms) => Math.round(ms)).join(', ')}`);
    console.log(`psql \\copy runs (ms):  ${psqlTimes.map((ms) => Math.round(ms)).join(', ')}`);
    console.log(
      `load average ${load} on ${os.availableParallelism()} CPUs: figures are only comparable on an idle machine`,
    );
    console.log(`file: ${bytes} bytes uploaded (psql file ${psqlBytes} bytes; JST offsets and CRLF add bytes)`);
    console.log(
      `RSS: ${round(baselineRssMb, 1)} MB before any export; peak ${round(small.peakRssMb, 1)} MB exporting ` +
        `${SMALL_ROWS} rows, ${round(peakRssMb, 1)} MB exporting ${rows} rows (${encoding})`,
    );
    console.log(
      `large cells (MiB ${LARGE_CELL_MB.join('/')}): export ${largeCellMs.map((ms) => Math.round(ms)).join('/')} ms, ` +
        `psql \\copy ${largeCellPsqlMs.map((ms) => Math.round(ms)).join('/')} ms`,
    );
    const largest = LARGE_CELL_MB.length - 1;
    console.log(
      `BENCH ftp-export rows=${rows} encoding=${encoding} rows_per_s=${rowsPerSecond} ratio_vs_psql=${round(exportMs / psqlMs)} ` +
        `dry_run_ratio_vs_psql=${round(dryRunMs / psqlMs)} load=${load} ` +
        `peak_rss_mb=${round(peakRssMb, 1)} rss_100k_mb=${round(small.peakRssMb, 1)} ` +
        `large_cell_mb=${LARGE_CELL_MB[largest]} large_cell_s=${round(largeCellMs[largest] / 1000)} ` +
        `large_cell_ratio_vs_psql=${round(largeCellMs[largest] / largeCellPsqlMs[largest])} ` +
        `large_cell_growth=${round(largeCellMs[largest] / largeCellMs[0])}`,
    );
  } finally {
    ftp.stop();
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === SERVE_FTP) {
  serveFtp(process.argv[3]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
