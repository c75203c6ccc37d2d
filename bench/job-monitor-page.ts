/**
 * Benchmark of the status page (`npm run bench -- job-monitor-page [jobs] [runs]`, default 500 jobs × 30 runs).
 *
 * Local mode's store (dynalite) holds `jobs` jobs with `runs` runs each (a tenth of them failing, with
 * 300-character messages and a duration; see seed). Measured in the same run, on the same data:
 * - page: every page of `GET /incidents` through the real handler (store reads, views, SVG, HTML),
 *   following its next-page links, and the first page alone (what on-call opens);
 * - reference: the same pages of `GET /api/monitor/jobs?limit=50` (the same store reads, JSON out), and
 *   JSON.stringify of the views the page draws (what any rendering at least costs).
 * Targets: the first page within 300 ms, every page at most 1 MB.
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { renderIncidentsPage } from '../lambdas/job-monitor/incidents-page';
import { buildJobViews, countJobs } from '../lambdas/job-monitor/job-views';
import { createMonitorApi } from '../lambdas/job-monitor/monitor-api';
import { JobForgetter } from '../lambdas/shared/job-forget';
import { JobMuteStore } from '../lambdas/shared/job-mutes';
import { JobStatusStore } from '../lambdas/shared/job-status-store';
import { createJobStatusTable } from '../local/job-status-table';
import { startDynamoDb } from '../local/services/dynamodb';
import { percentile } from './support/percentile';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const JOBS = Number(process.argv[2] ?? 500);
const RUNS = Number(process.argv[3] ?? 30);
const REPEATS = 15;
const TOKEN = 'bench-token';
const NOW = new Date('2025-08-11T06:00:00.000Z');
const TARGETS = { firstPageMs: 300, pageBytes: 1_000_000 };

function getEvent(pathAndQuery: string): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = pathAndQuery.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { authorization: `Bearer ${TOKEN}` },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '11/Aug/2025:06:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    isBase64Encoded: false,
  };
}

/** Kinds of job whose runs are recorded through the store; the others are copies of them (see seed). */
const TEMPLATES = 10;
const jobKeyOf = (job: number) => `bench-${String(job).padStart(4, '0')}`;

/** Recorded runs of one template job: a tenth fail (at a different run per template), with long messages. */
async function recordTemplate(store: JobStatusStore, job: number): Promise<void> {
  const message = 'FTP 530 login incorrect: '.padEnd(300, 'x');
  for (let run = RUNS; run >= 1; run -= 1) {
    const finished = new Date(NOW.getTime() - run * 3_600_000 - job * 1000);
    const durationMs = 30_000 + ((job * 7 + run * 13) % 60) * 1000;
    const failed = (job + run) % 10 === 0;
    await store.recordRun({
      jobKey: jobKeyOf(job),
      title: `ベンチマーク ${job}`,
      status: failed ? 'error' : 'success',
      finishedAt: finished.toISOString(),
      startedAt: new Date(finished.getTime() - durationMs).toISOString(),
      durationMs,
      message: failed ? message : '処理完了',
      source: 'report',
    });
  }
}

/** A stored item with every occurrence of one job key replaced (Sets and nested values kept). */
function renamed(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.split(from).join(to);
  if (value instanceof Set) return new Set([...value].map((entry) => renamed(entry, from, to)));
  if (Array.isArray(value)) return value.map((entry) => renamed(entry, from, to));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, renamed(entry, from, to)]));
  return value;
}

/**
 * 500 jobs × 30 runs through the store would take minutes on dynalite (each report is several requests),
 * so TEMPLATES jobs are recorded through JobStatusStore.recordRun and the others are their items (history
 * rows and latest-status row, exactly as the store wrote them) under another job key.
 */
async function seed(store: JobStatusStore, db: DynamoDBDocumentClient, table: string): Promise<void> {
  await Promise.all(Array.from({ length: Math.min(TEMPLATES, JOBS) }, (_, job) => recordTemplate(store, job)));
  const { Items: items = [] } = await db.send(new ScanCommand({ TableName: table }));
  const templates = Array.from({ length: Math.min(TEMPLATES, JOBS) }, (_, job) =>
    items.filter((item) => JSON.stringify(item).includes(jobKeyOf(job))),
  );
  const copies = [];
  for (let job = TEMPLATES; job < JOBS; job += 1) {
    const template = job % TEMPLATES;
    for (const item of templates[template]) copies.push(renamed(item, jobKeyOf(template), jobKeyOf(job)));
  }
  for (let start = 0; start < copies.length; start += 25) {
    const batch = copies.slice(start, start + 25) as Record<string, unknown>[];
    await db.send(
      new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
}

async function main() {
  const dynamo = await startDynamoDb();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await createJobStatusTable(client, 'bench-page');
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const store = new JobStatusStore(db, 'bench-page', { now: () => NOW });
    const seedStart = performance.now();
    await seed(store, db, 'bench-page');
    console.log(`seeded ${JOBS} jobs × ${RUNS} runs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    const silent = { info: () => {}, warn: () => {}, error: () => {} } as never;
    const mutes = new JobMuteStore(db, 'bench-page');
    const api = createMonitorApi({
      store,
      mutes,
      forgetter: new JobForgetter(db, 'bench-page', store, mutes, () => NOW),
      credentials: { writeSecrets: async () => ['w'], readTokens: async () => [TOKEN] },
      metrics: { jobReportedError: () => {}, jobLate: () => {}, jobHung: () => {}, lateJobs: () => {} },
      logger: silent,
      now: () => NOW,
    });

    /** Every page of a listing, following its next links; the time of each and the bytes of each. */
    const walk = async (first: string, next: (body: string) => string | undefined) => {
      const pages: Array<{ ms: number; bytes: number }> = [];
      for (let target: string | undefined = first; target; ) {
        const start = performance.now();
        const response = await api(getEvent(target));
        const ms = performance.now() - start;
        const body = String(response.body);
        if (response.statusCode !== 200) throw new Error(`${target} answered ${response.statusCode}`);
        pages.push({ ms, bytes: Buffer.byteLength(body) });
        target = next(body);
      }
      return pages;
    };
    const htmlNext = (body: string) => /<a id="next-page" href="([^"]+)">/.exec(body)?.[1].replace(/&amp;/g, '&');
    const jsonNext = (body: string) => {
      const cursor = (JSON.parse(body) as { next_cursor: string | null }).next_cursor;
      return cursor ? `/api/monitor/jobs?${new URLSearchParams({ limit: '50', cursor })}` : undefined;
    };

    await walk('/incidents', htmlNext); // warm-up
    await walk('/api/monitor/jobs?limit=50', jsonNext);
    const firstPage: number[] = [];
    const firstJson: number[] = [];
    let pageWalk: Array<{ ms: number; bytes: number }> = [];
    let jsonWalk: Array<{ ms: number; bytes: number }> = [];
    for (let repeat = 0; repeat < REPEATS; repeat += 1) {
      pageWalk = await walk('/incidents', htmlNext);
      jsonWalk = await walk('/api/monitor/jobs?limit=50', jsonNext);
      firstPage.push(pageWalk[0].ms);
      firstJson.push(jsonWalk[0].ms);
    }

    // Rendering alone, against JSON.stringify of the same views.
    const views = buildJobViews(await store.listLatest(), [], NOW);
    const renderMs: number[] = [];
    const stringifyMs: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat += 1) {
      let start = performance.now();
      renderIncidentsPage({ jobs: views, counts: countJobs(views), history: new Map(), now: NOW });
      renderMs.push(performance.now() - start);
      start = performance.now();
      JSON.stringify(views);
      stringifyMs.push(performance.now() - start);
    }

    const sum = (pages: Array<{ ms: number }>) => pages.reduce((total, page) => total + page.ms, 0);
    const stats = {
      pages: pageWalk.length,
      firstP50: percentile(firstPage, 50),
      firstP95: percentile(firstPage, 95),
      jsonFirstP50: percentile(firstJson, 50),
      allPagesMs: sum(pageWalk),
      allJsonMs: sum(jsonWalk),
      maxBytes: Math.max(...pageWalk.map((page) => page.bytes)),
      render: percentile(renderMs, 50),
      stringify: percentile(stringifyMs, 50),
    };
    console.log(
      `/incidents: ${stats.pages} pages for ${JOBS} jobs; largest ${(stats.maxBytes / 1024).toFixed(0)} KiB (target ≤ ${TARGETS.pageBytes / 1000} KB)`,
    );
    console.log(
      `first page: p50 ${stats.firstP50.toFixed(1)} ms, p95 ${stats.firstP95.toFixed(1)} ms (target ≤ ${TARGETS.firstPageMs} ms); the API's JSON page: p50 ${stats.jsonFirstP50.toFixed(1)} ms`,
    );
    console.log(`every page: ${stats.allPagesMs.toFixed(0)} ms; the API's pages: ${stats.allJsonMs.toFixed(0)} ms`);
    console.log(
      `rendering all ${JOBS} rows in one document: ${stats.render.toFixed(1)} ms; JSON.stringify of the same views: ${stats.stringify.toFixed(1)} ms`,
    );
    console.log(
      `BENCH job-monitor-page jobs=${JOBS} runs=${RUNS} pages=${stats.pages} first_page_p50_ms=${stats.firstP50.toFixed(1)} ` +
        `first_page_p95_ms=${stats.firstP95.toFixed(1)} first_page_vs_json_api=${(stats.firstP50 / stats.jsonFirstP50).toFixed(2)} ` +
        `all_pages_ms=${stats.allPagesMs.toFixed(0)} all_pages_vs_json_api=${(stats.allPagesMs / stats.allJsonMs).toFixed(2)} ` +
        `max_page_kb=${(stats.maxBytes / 1024).toFixed(0)} render_vs_stringify=${(stats.render / stats.stringify).toFixed(2)} ` +
        `first_page_within_target=${stats.firstP95 <= TARGETS.firstPageMs} pages_within_1mb=${stats.maxBytes <= TARGETS.pageBytes}`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
