/**
 * Benchmark of the job-report API handler (`npx tsx bench/job-monitor.ts [reports]`).
 *
 * Both sides are driven the same way, in the same process, against the same in-memory dynalite:
 * - reference: a trivial handler that parses the body and does the very same store write
 *   (JobStatusStore.recordRun: history row + latest status), then returns 200;
 * - handler: the real monitor API (routing, secret check, TC Portal validation, logging, response).
 * So the difference is the handler's own overhead, not DynamoDB's. Requests run one at a time
 * (latency), in alternating blocks on fresh tables (so neither side gets a warmer or emptier store).
 * Log lines are formatted as in Lambda but not written (stdout is muted while measuring).
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { credentialsFromEnv } from '../lambdas/job-monitor/credentials';
import { createMonitorApi } from '../lambdas/job-monitor/monitor-api';
import { JobForgetter } from '../lambdas/shared/job-forget';
import { JobMuteStore } from '../lambdas/shared/job-mutes';
import { JobStatusStore } from '../lambdas/shared/job-status-store';
import { createLogger } from '../lambdas/shared/logger';
import { createJobStatusTable } from '../local/job-status-table';
import { startDynamoDb } from '../local/services/dynamodb';
import { percentile } from './support/percentile';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

// The SDK warns that it will need Node 22 from 2027 (this machine runs 20): noise in the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPORTS = Number(process.argv[2] ?? 3000);
const WARMUP = 200;
const BLOCK = 250;
const SECRET = 'bench-secret';
const TARGETS = { overheadP99Ms: 10, bundleKb: 300 };

function reportEvent(index: number): APIGatewayProxyEventV2 {
  const body = JSON.stringify({
    job_key: `bench-job-${index % 50}`,
    title: `ベンチマーク ${index % 50}`,
    status: index % 10 === 0 ? 'error' : 'success',
    finished_at: new Date(Date.UTC(2025, 7, 11) + index * 1000).toISOString(),
    message: index % 10 === 0 ? 'ディスクがいっぱいです' : '処理完了',
  });
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/api/monitor/job-report',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': SECRET },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/api/monitor/job-report',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: `r-${index}`,
      routeKey: '$default',
      stage: '$default',
      time: '11/Aug/2025:00:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

/** The document client each store was made with, for the real handler's other ports (mutes, forgetting). */
const documentClients = new WeakMap<JobStatusStore, DynamoDBDocumentClient>();

async function freshStore(client: DynamoDBClient, name: string): Promise<JobStatusStore> {
  await createJobStatusTable(client, name);
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new JobStatusStore(db, name);
  documentClients.set(store, db);
  return store;
}

function trivialHandler(store: JobStatusStore): Handler {
  return async (event) => {
    const report = JSON.parse(event.body ?? '{}');
    await store.recordRun({
      jobKey: report.job_key,
      title: report.title,
      status: report.status,
      finishedAt: report.finished_at,
      message: report.message,
      source: 'report',
    });
    return { statusCode: 200, body: '{"success":true}' };
  };
}

function realHandler(store: JobStatusStore): Handler {
  const mutes = new JobMuteStore(documentClients.get(store) as DynamoDBDocumentClient, store.tableName);
  return createMonitorApi({
    store,
    mutes,
    forgetter: new JobForgetter(documentClients.get(store) as DynamoDBDocumentClient, store.tableName, store, mutes),
    credentials: credentialsFromEnv({ JOB_REPORT_SECRET: SECRET }),
    // EMF is a stdout line, like the logs
    metrics: { jobReportedError: () => {}, jobLate: () => {}, jobHung: () => {}, lateJobs: () => {} },
    logger: createLogger('nightshift-job-monitor'),
    now: () => new Date('2025-08-12T00:00:00Z'),
  });
}

async function drive(handler: Handler, events: APIGatewayProxyEventV2[], latencies: number[]): Promise<number> {
  const started = performance.now();
  for (const event of events) {
    const t0 = performance.now();
    const result = await handler(event);
    latencies.push(performance.now() - t0);
    if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
  }
  return performance.now() - started;
}

async function bundleSizeKb(): Promise<number> {
  const result = await build({
    entryPoints: ['lambdas/job-monitor/handler.ts'],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents.length / 1024;
}

async function main() {
  const dynamo = await startDynamoDb();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  try {
    const sides = {
      trivial: { make: trivialHandler, latencies: [] as number[], ms: 0 },
      handler: { make: realHandler, latencies: [] as number[], ms: 0 },
    };
    const events = Array.from({ length: REPORTS + WARMUP }, (_, index) => reportEvent(index));
    process.stdout.write = () => true;
    for (const [name, side] of Object.entries(sides)) {
      await drive(side.make(await freshStore(client, `warmup-${name}`)), events.slice(0, WARMUP), []);
    }
    for (let start = WARMUP; start < events.length; start += BLOCK) {
      const block = events.slice(start, start + BLOCK);
      for (const [name, side] of Object.entries(sides)) {
        side.ms += await drive(side.make(await freshStore(client, `${name}-${start}`)), block, side.latencies);
      }
    }
    process.stdout.write = stdoutWrite;

    const stats = Object.fromEntries(
      Object.entries(sides).map(([name, side]) => [
        name,
        {
          p50: percentile(side.latencies, 50),
          p99: percentile(side.latencies, 99),
          perSecond: (side.latencies.length / side.ms) * 1000,
        },
      ]),
    );
    const bundleKb = await bundleSizeKb();
    const overheadP99 = stats.handler.p99 - stats.trivial.p99;
    const ratio = stats.handler.perSecond / stats.trivial.perSecond;
    for (const [name, s] of Object.entries(stats)) {
      console.log(
        `${name.padEnd(8)} p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  ${s.perSecond.toFixed(0)} reports/s`,
      );
    }
    const ok = overheadP99 < TARGETS.overheadP99Ms && bundleKb < TARGETS.bundleKb;
    console.log(
      `targets: p99 overhead < ${TARGETS.overheadP99Ms} ms, bundle < ${TARGETS.bundleKb} KB: ${ok ? 'met' : 'MISSED'}`,
    );
    console.log(
      `BENCH job-monitor reports=${REPORTS} p50_ms=${stats.handler.p50.toFixed(2)} p99_ms=${stats.handler.p99.toFixed(2)} ` +
        `p99_overhead_ms=${overheadP99.toFixed(2)} throughput_ratio=${ratio.toFixed(3)} bundle_kb=${bundleKb.toFixed(1)}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    process.stdout.write = stdoutWrite;
    client.destroy();
    await dynamo.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
