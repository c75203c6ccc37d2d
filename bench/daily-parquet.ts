/**
 * Benchmark of daily-parquet, each measurement in a child process of its own (so peak RSS is its own):
 *  (a) the writer alone: N generated messages → Snappy Parquet on disk, by the job's writer, by
 *      parquetjs-lite, and by DuckDB SQL (`COPY (SELECT ... FROM range(N)) TO ... (FORMAT parquet)`),
 *      the physical reference;
 *  (b) end to end: one tenant-day of 100k and of E messages in dynalite → the job core → s3rver,
 *      against a bare paginated Query of the same items. dynalite and s3rver run in a separate process.
 *
 *   npm run bench -- daily-parquet [N=1000000] [E=1000000] [--skip-parquetjs] [--writer-only]
 *
 * The last line is machine-readable: `BENCH daily-parquet ...`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ParquetSchema, ParquetWriter } from 'parquetjs-lite';
import { MESSAGE_COLUMNS } from '../contracts/analytics-messages';
import { awsPorts } from '../lambdas/daily-parquet/aws-ports';
import { toMessageRow } from '../lambdas/daily-parquet/message-row';
import { ParquetFileWriter } from '../lambdas/daily-parquet/parquet-file-writer';
import { writeTenantDay } from '../lambdas/daily-parquet/write-tenant-day';
import { createMessagesTable, putMessages } from '../local/daily-parquet-local';
import { startDynamoDb } from '../local/services/dynamodb';
import { LOCAL_AWS_CREDENTIALS, startS3 } from '../local/services/s3';

const DAY = '2025-08-11';
const DAY_START = Date.parse('2025-08-10T15:00:00.000Z');
const TABLE = 'bench-messages';
const BUCKET = 'bench-analytics';

interface Measured {
  ms: number;
  rssMb: number;
  bytes?: number;
  rows?: number;
}

/** Message i of n, spread over the JST day; the same shape DuckDB generates below. */
function message(i: number, n: number, tenant = 'acme'): Record<string, unknown> {
  const createdAt = new Date(DAY_START + Math.floor((i * 86_400_000) / n)).toISOString();
  const item: Record<string, unknown> = {
    tenant_id: tenant,
    sk: `${createdAt}#m${i}`,
    message_id: `m${i}`,
    conversation_id: `c${i >> 4}`,
    sender: i % 2 === 1 ? 'user' : 'assistant',
    created_at: createdAt,
    tokens: (i % 500) - 100,
  };
  if (i % 11 !== 0) item.text = `メッセージ ${i} の本文です。Hello world 🎉 ${i % 97}`;
  if (i % 3 !== 0) item.metadata = { channel: 'web' };
  return item;
}

const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function writeFile(file: string, write: (out: (chunk: Buffer) => Promise<void>) => Promise<void>) {
  const out = createWriteStream(file);
  await write(
    (chunk) => new Promise((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve()))),
  );
  await new Promise<void>((resolve) => out.end(resolve));
}

async function childWriter(n: number, file: string): Promise<Measured> {
  const started = performance.now();
  await writeFile(file, async (out) => {
    const writer = new ParquetFileWriter(MESSAGE_COLUMNS, out, { rowGroupRows: 50_000 });
    await writer.open();
    for (let i = 0; i < n; i += 1) await writer.append(toMessageRow(message(i, n), ['tenant_id', 'sk']).row);
    await writer.close();
  });
  return { ms: performance.now() - started, rssMb: rssMb(), bytes: (await stat(file)).size };
}

async function childParquetjs(n: number, file: string): Promise<Measured> {
  const types = { string: 'UTF8', json: 'UTF8', timestamp: 'TIMESTAMP_MILLIS', bigint: 'INT64' } as const;
  const schema = new ParquetSchema(
    Object.fromEntries(
      MESSAGE_COLUMNS.map((c) => [c.name, { type: types[c.type], optional: true, compression: 'SNAPPY' as const }]),
    ),
  );
  const started = performance.now();
  const out = createWriteStream(file);
  const writer = await ParquetWriter.openStream(schema, out, { rowGroupSize: 50_000, useDataPageV2: false });
  for (let i = 0; i < n; i += 1) await writer.appendRow(toMessageRow(message(i, n), ['tenant_id', 'sk']).row);
  await writer.close();
  return { ms: performance.now() - started, rssMb: rssMb(), bytes: (await stat(file)).size };
}

async function childDuckDb(n: number, file: string, threads?: string): Promise<Measured> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', threads ? { threads } : {});
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run(`COPY (
    SELECT 'm' || i AS message_id, 'c' || (i >> 4) AS conversation_id,
           CASE WHEN i % 2 = 1 THEN 'user' ELSE 'assistant' END AS sender,
           CASE WHEN i % 11 = 0 THEN NULL ELSE 'メッセージ ' || i || ' の本文です。Hello world 🎉 ' || (i % 97) END AS text,
           make_timestamp(${DAY_START * 1000}::BIGINT + (i * 86400000 // ${n}) * 1000) AS created_at,
           (i % 500 - 100)::BIGINT AS tokens,
           CASE WHEN i % 3 = 0 THEN NULL ELSE '{"metadata":{"channel":"web"}}' END AS extra
    FROM range(${n}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 50000)`);
  const ms = performance.now() - started;
  connection.closeSync();
  instance.closeSync();
  return { ms, rssMb: rssMb(), bytes: (await stat(file)).size };
}

function localEnv(endpoints: { dynamodb: string; s3: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    S3_ENDPOINT: endpoints.s3,
  };
}

const settingsFor = (tenant: string) => ({
  messagesTable: TABLE,
  analyticsBucket: BUCKET,
  keyAttributes: ['tenant_id', 'sk'] as const,
  tenants: [tenant],
  targetDateOffset: -1,
  tenantConcurrency: 1,
  slicesPerDay: 1,
  sliceConcurrency: 1,
  rowGroupRows: 50_000,
  maxRowsPerFile: 5_000_000,
});

async function childEndToEnd(endpoints: { dynamodb: string; s3: string }, tenant: string): Promise<Measured> {
  const settings = settingsFor(tenant);
  Object.assign(process.env, localEnv(endpoints));
  const ports = awsPorts(settings);
  const started = performance.now();
  const result = await writeTenantDay(
    { tenant, targetDate: DAY, runId: `bench-${Date.now()}`, settings, now: () => new Date() },
    ports,
  );
  if (result.status !== 'success') throw new Error(result.error);
  return { ms: performance.now() - started, rssMb: rssMb(), rows: result.rows };
}

async function childQuery(endpoints: { dynamodb: string; s3: string }, tenant: string): Promise<Measured> {
  const settings = settingsFor(tenant);
  Object.assign(process.env, localEnv(endpoints));
  const { source } = awsPorts(settings);
  const started = performance.now();
  let rows = 0;
  for await (const page of source.queryRange(tenant, '2025-08-10T15:00:00.000Z', '2025-08-11T15:00:00.000Z'))
    rows += page.length;
  return { ms: performance.now() - started, rssMb: rssMb(), rows };
}

/** Serves dynalite + s3rver until stdin closes; seeds on request lines `seed <tenant> <n>`. */
async function serve(dir: string): Promise<void> {
  const dynamodb = await startDynamoDb({});
  const s3 = await startS3({ directory: dir });
  const env = localEnv({ dynamodb: dynamodb.endpoint, s3: s3.endpoint });
  const client = new DynamoDBClient({
    region: 'ap-northeast-1',
    endpoint: dynamodb.endpoint,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  await createMessagesTable(client, TABLE);
  await new S3Client({
    region: 'ap-northeast-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_AWS_CREDENTIALS,
  }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  process.stdout.write(`${JSON.stringify({ dynamodb: env.DYNAMODB_ENDPOINT, s3: env.S3_ENDPOINT })}\n`);
  let buffered = '';
  process.stdin.on('data', async (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [, tenant, count] = line.split(' ');
      const n = Number(count);
      const batch = 2_500;
      for (let start = 0; start < n; start += batch * 8) {
        await Promise.all(
          Array.from({ length: 8 }, (_, k) => {
            const from = start + k * batch;
            const items = Array.from({ length: Math.max(0, Math.min(batch, n - from)) }, (_, j) =>
              message(from + j, n, tenant),
            );
            return putMessages(client, TABLE, items);
          }),
        );
      }
      process.stdout.write(`seeded ${tenant}\n`);
    }
  });
  process.stdin.on('end', async () => {
    await dynamodb.stop();
    await s3.stop();
    process.exit(0);
  });
}

function runChild(args: string[]): Measured {
  const output = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').pop()!) as Measured;
}

async function startServer(
  dir: string,
): Promise<{ child: ChildProcess; endpoints: string; seed(tenant: string, n: number): Promise<number> }> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--serve', dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) (waiters.shift() ?? ((l: string) => lines.push(l)))(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : waiters.push(resolve)));
  const endpoints = await nextLine();
  return {
    child,
    endpoints,
    async seed(tenant, n) {
      const started = performance.now();
      child.stdin!.write(`seed ${tenant} ${n}\n`);
      await nextLine();
      return performance.now() - started;
    },
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const mb = (bytes = 0) => round(bytes / 1024 / 1024, 1);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--serve') return serve(args[1]);
  if (args[0] === '--child') {
    const [, kind, a, b, c] = args;
    const measured =
      kind === 'writer'
        ? await childWriter(Number(a), b)
        : kind === 'parquetjs'
          ? await childParquetjs(Number(a), b)
          : kind === 'duckdb'
            ? await childDuckDb(Number(a), b, c)
            : kind === 'e2e'
              ? await childEndToEnd(JSON.parse(a), b)
              : await childQuery(JSON.parse(a), b);
    console.log(JSON.stringify(measured));
    return;
  }
  const numbers = args.filter((arg) => !arg.startsWith('--')).map(Number);
  const n = numbers[0] || 1_000_000;
  const large = numbers[1] || 1_000_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-daily-parquet-'));
  try {
    console.log(`(a) writer alone, ${n} messages`);
    const duck = runChild(['duckdb', String(n), path.join(dir, 'duckdb.parquet')]);
    // The writer is single-threaded (as a 2 GB Lambda has about one vCPU): DuckDB on one thread is the per-core reference.
    const duck1 = runChild(['duckdb', String(n), path.join(dir, 'duckdb1.parquet'), '1']);
    const ours = runChild(['writer', String(n), path.join(dir, 'ours.parquet')]);
    const lite = args.includes('--skip-parquetjs')
      ? undefined
      : runChild(['parquetjs', String(n), path.join(dir, 'lite.parquet')]);
    for (const [name, m] of [
      ['duckdb sql', duck],
      ['duckdb sql, 1 thread', duck1],
      ['daily-parquet writer', ours],
      ['parquetjs-lite', lite],
    ] as const) {
      if (m)
        console.log(
          `  ${name.padEnd(22)} ${round(m.ms / 1000)} s  peak RSS ${m.rssMb} MB  ${mb(m.bytes)} MB  x${round(m.ms / duck.ms)} (x${round(m.ms / duck1.ms)} of 1 thread)`,
        );
    }
    const writerFigures =
      `rows=${n} writer_s=${round(ours.ms / 1000)} duckdb_s=${round(duck.ms / 1000)} ratio_vs_duckdb=${round(ours.ms / duck.ms)} ` +
      `ratio_vs_duckdb_1_thread=${round(ours.ms / duck1.ms)} writer_rss_mb=${ours.rssMb} duckdb_rss_mb=${duck.rssMb} ` +
      `writer_file_mb=${mb(ours.bytes)} duckdb_file_mb=${mb(duck.bytes)}` +
      (lite ? ` parquetjs_lite_ratio_vs_duckdb=${round(lite.ms / duck.ms)} parquetjs_lite_rss_mb=${lite.rssMb}` : '');
    if (args.includes('--writer-only')) {
      console.log(`BENCH daily-parquet ${writerFigures}`);
      return;
    }

    console.log(`(b) end to end, dynalite → job core → s3rver, vs a bare paginated Query`);
    const server = await startServer(path.join(dir, 's3'));
    const e2e: Record<string, { query: Measured; job: Measured; seedMs: number }> = {};
    try {
      for (const [tenant, count] of [
        ['small', 100_000],
        ['large', large],
      ] as const) {
        const seedMs = await server.seed(tenant, count);
        const query = runChild(['query', server.endpoints, tenant]);
        const job = runChild(['e2e', server.endpoints, tenant]);
        if (job.rows !== count || query.rows !== count)
          throw new Error(`expected ${count} rows, job ${job.rows}, query ${query.rows}`);
        e2e[tenant] = { query, job, seedMs };
        console.log(
          `  ${count} messages (seeded in ${round(seedMs / 1000, 0)} s): query ${round(query.ms / 1000)} s / ${query.rssMb} MB, ` +
            `job ${round(job.ms / 1000)} s / ${job.rssMb} MB  x${round(job.ms / query.ms)}`,
        );
      }
    } finally {
      server.child.stdin!.end();
    }
    const { small, large: big } = e2e;
    console.log(
      `BENCH daily-parquet ${writerFigures} ` +
        `e2e_100k_ratio=${round(small.job.ms / small.query.ms)} e2e_100k_rss_mb=${small.job.rssMb} ` +
        `e2e_rows=${large} e2e_ratio=${round(big.job.ms / big.query.ms)} e2e_rss_mb=${big.job.rssMb} e2e_s=${round(big.job.ms / 1000)} query_s=${round(big.query.ms / 1000)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
