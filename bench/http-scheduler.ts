/**
 * Benchmark of the HTTP job scheduler (`npm run bench -- http-scheduler [runs]`).
 *
 * Caller overhead: each run of the real caller core (lease, secrets, signed guarded call, run
 * record, job-status report; on an in-memory dynalite) is paired with a bare fetch() of the same
 * local target, interleaved in the same process; the overhead is the caller's time minus the
 * bare fetch's, per pair. API: create 1,000 jobs through the real API handler, then list them.
 * Log lines are formatted as in Lambda but not written (stdout is muted while measuring).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseAllowHosts } from '../lambdas/http-scheduler/address-guard';
import { callerDepsOver, callJob } from '../lambdas/http-scheduler/call-job';
import { HttpJobStore } from '../lambdas/http-scheduler/job-store';
import { createSchedulerApi } from '../lambdas/http-scheduler/scheduler-api';
import { JobStatusStore } from '../lambdas/shared/job-status-store';
import { createLogger } from '../lambdas/shared/logger';
import { EncryptedFileJobSecrets } from '../local/encrypted-job-secrets';
import { createHttpJobsTable } from '../local/http-jobs-table';
import { createJobStatusTable } from '../local/job-status-table';
import { startDynamoDb } from '../local/services/dynamodb';
import { percentile } from './support/percentile';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const RUNS = Number(process.argv[2] ?? 1000);
const WARMUP = 100;
const JOBS = 1000;
const TOKEN = 'bench-token';
const TARGETS = { overheadP99Ms: 5, listMs: 200 };

function event(method: string, rawPath: string, body?: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requestContext: { http: { method }, requestId: 'bench' },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

async function main() {
  const dynamo = await startDynamoDb();
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await Promise.all([createHttpJobsTable(client, 'bench-http-jobs'), createJobStatusTable(client, 'bench-status')]);
  const secretsDir = mkdtempSync(path.join(tmpdir(), 'bench-http-jobs-'));
  const target = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  try {
    const store = new HttpJobStore(db, 'bench-http-jobs');
    const statusStore = new JobStatusStore(db, 'bench-status');
    const secrets = new EncryptedFileJobSecrets(secretsDir);
    const allowHosts = parseAllowHosts('127.0.0.1');
    const callerDeps = callerDepsOver({
      store,
      secrets,
      statusStore,
      allowHosts,
      logger: createLogger('bench-caller'),
    });

    const api = createSchedulerApi({
      store,
      scheduler: { create: async () => {}, update: async () => {}, delete: async () => {} },
      secrets,
      expectations: statusStore.expectations,
      latestStatus: statusStore,
      runNow: async () => {},
      adminTokens: async () => [TOKEN],
      allowHosts,
      logger: createLogger('bench-api'),
      now: () => new Date(),
    });
    const body = { report: 'daily', projectId: 123 };
    const job = { schedule_type: 'interval', interval: { minutes: 10 }, target_url: targetUrl, method: 'POST', body };
    const created = await api(event('POST', '/jobs', { ...job, job_id: 'bench-call' }));
    if (created.statusCode !== 201) throw new Error(`create answered ${created.statusCode}: ${created.body}`);
    // As EventBridge sends it: the event names the job's generation, so its secret is read alongside the row.
    const generation = (await store.getJob('bench-call'))?.generation;

    process.stdout.write = () => true;
    const bare: number[] = [];
    const caller: number[] = [];
    const overhead: number[] = [];
    const roundTrip: number[] = [];
    for (let index = 0; index < WARMUP + RUNS; index += 1) {
      let t0 = performance.now();
      await db.send(new GetCommand({ TableName: 'bench-http-jobs', Key: { pk: 'JOB#bench-call', sk: 'JOB' } }));
      const roundTripMs = performance.now() - t0;
      t0 = performance.now();
      const response = await fetch(targetUrl, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      await response.text();
      const bareMs = performance.now() - t0;
      t0 = performance.now();
      const run = await callJob(callerDeps, { job_id: 'bench-call', trigger: 'manual', generation });
      const callerMs = performance.now() - t0;
      if (run?.status !== 'success') throw new Error(`run ${index}: ${run?.status} ${run?.error}`);
      if (index < WARMUP) continue;
      roundTrip.push(roundTripMs);
      bare.push(bareMs);
      caller.push(callerMs);
      overhead.push(callerMs - bareMs);
    }

    const createMs: number[] = [];
    for (let index = 0; index < JOBS; index += 1) {
      const t0 = performance.now();
      const result = await api(event('POST', '/jobs', { ...job, job_id: `bench-${index}` }));
      createMs.push(performance.now() - t0);
      if (result.statusCode !== 201) throw new Error(`create answered ${result.statusCode}`);
    }
    const listMs: number[] = [];
    let listed = 0;
    for (let index = 0; index < 20; index += 1) {
      const t0 = performance.now();
      const result = await api(event('GET', '/jobs'));
      listMs.push(performance.now() - t0);
      listed = (JSON.parse(result.body as string) as { jobs: unknown[] }).jobs.length;
    }
    process.stdout.write = stdoutWrite;

    const f = (value: number) => value.toFixed(2);
    console.log(`bare fetch   p50 ${f(percentile(bare, 50))} ms  p99 ${f(percentile(bare, 99))} ms  (${RUNS} runs)`);
    console.log(`caller run   p50 ${f(percentile(caller, 50))} ms  p99 ${f(percentile(caller, 99))} ms`);
    console.log(
      `overhead     p50 ${f(percentile(overhead, 50))} ms  p99 ${f(percentile(overhead, 99))} ms  (caller − bare fetch, per pair)`,
    );
    console.log(`create job   p50 ${f(percentile(createMs, 50))} ms  p99 ${f(percentile(createMs, 99))} ms`);
    console.log(`list ${listed} jobs  p50 ${f(percentile(listMs, 50))} ms  max ${f(Math.max(...listMs))} ms`);
    // The caller's own cost is mostly table round trips: counted in units of one, it reads the same on a busy or idle machine.
    const inRoundTrips = percentile(overhead, 50) / percentile(roundTrip, 50);
    console.log(`table round trip (GetItem on the same dynalite) p50 ${f(percentile(roundTrip, 50))} ms`);
    console.log(`overhead p50 = ${inRoundTrips.toFixed(1)} table round trips`);
    const ratio = percentile(caller, 50) / percentile(bare, 50);
    const ok = percentile(overhead, 99) < TARGETS.overheadP99Ms && percentile(listMs, 50) < TARGETS.listMs;
    console.log(
      `targets: p99 overhead < ${TARGETS.overheadP99Ms} ms, list of ${JOBS} < ${TARGETS.listMs} ms: ${ok ? 'met' : 'MISSED'}`,
    );
    console.log(
      `BENCH http-scheduler runs=${RUNS} overhead_p50_ms=${f(percentile(overhead, 50))} overhead_p99_ms=${f(percentile(overhead, 99))} ` +
        `caller_to_fetch_p50_ratio=${ratio.toFixed(2)} overhead_in_round_trips=${inRoundTrips.toFixed(1)} ` +
        `create_p50_ms=${f(percentile(createMs, 50))} create_p99_ms=${f(percentile(createMs, 99))} ` +
        `list_${listed}_p50_ms=${f(percentile(listMs, 50))}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    process.stdout.write = stdoutWrite;
    target.closeAllConnections();
    target.close();
    client.destroy();
    await dynamo.stop();
    rmSync(secretsDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
