/**
 * Benchmark of the HTTP job scheduler (`npm run bench -- http-scheduler [runs] [--in-process]`).
 *
 * Caller overhead: each run of the real caller core (job read ∥ lease and start, secrets, signed guarded
 * call, the closing transaction; on an in-memory dynalite) is paired with a bare fetch() of the
 * same local target, interleaved in the same process; the overhead is the caller's time minus the
 * bare fetch's, per pair. The caller's DynamoDB client counts every request it sends (retries
 * included) and adds up the request units dynalite reports (ReturnConsumedCapacity).
 * Where it goes: each run split by phase, its CPU time and the GC pauses inside it
 * (support/caller-phases.ts), next to the store floor of the same iteration: the caller's own
 * three requests replayed without SDK or caller (support/store-floor.ts).
 * API: create 1,000 jobs through the real API handler, then list them.
 * Log lines are formatted as in Lambda but not written (stdout is muted while measuring).
 */

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseAllowHosts } from '../lambdas/http-scheduler/address-guard';
import { callerDepsOver, callJob } from '../lambdas/http-scheduler/call-job';
import { HttpJobStore } from '../lambdas/http-scheduler/job-store';
import { createSchedulerApi } from '../lambdas/http-scheduler/scheduler-api';
import { JobForgetter } from '../lambdas/shared/job-forget';
import { JobMuteStore } from '../lambdas/shared/job-mutes';
import { JobStatusStore } from '../lambdas/shared/job-status-store';
import { createLogger } from '../lambdas/shared/logger';
import { EncryptedFileJobSecrets } from '../local/encrypted-job-secrets';
import { createHttpJobsTable } from '../local/http-jobs-table';
import { createJobStatusTable } from '../local/job-status-table';
import { startDynamoDb } from '../local/services/dynamodb';
import { countDynamoDbRequests } from '../test/support/dynamodb-requests';
import { CallerPhases } from './support/caller-phases';
import { callerBreakdown } from './support/caller-report';
import { percentile } from './support/percentile';
import { type FloorSample, StoreFloor } from './support/store-floor';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const RUNS = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1000);
const WARMUP = 100;
const JOBS = 1000;
const TOKEN = 'bench-token';
const TARGETS = { overheadP99Ms: 5, listMs: 100, requestsPerRun: 3 };

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

/**
 * dynalite in a process of its own (`--dynamodb`), as DynamoDB is a remote service on AWS: the
 * caller's time then holds its own work and the wire, not the store's, and a parallel pair of
 * requests can overlap. `--in-process` keeps it in this process (the way earlier figures were taken).
 */
async function startStore(inProcess: boolean): Promise<{ endpoint: string; echo: Echo; stop(): Promise<void> }> {
  if (inProcess) {
    const [dynamo, echo] = await Promise.all([startDynamoDb(), startEcho()]);
    const stop = async () => {
      await dynamo.stop();
      echo.server.closeAllConnections();
      echo.server.close();
    };
    return { endpoint: dynamo.endpoint, echo, stop };
  }
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--dynamodb'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [endpoint, echoPort] = await new Promise<string[]>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ')));
    child.once('exit', (code) => reject(new Error(`dynalite process exited with ${code}`)));
  });
  return {
    endpoint,
    echo: { hostname: '127.0.0.1', port: Number(echoPort) },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

interface Echo {
  hostname: string;
  port: number;
  server?: http.Server;
}

/** Answers every request at once, beside the store: the wire's own share of a round trip. */
async function startEcho(): Promise<Echo & { server: http.Server }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { hostname: '127.0.0.1', port: (server.address() as AddressInfo).port, server };
}

/** The child: serves dynalite (and the echo) until its stdin closes. */
async function serveDynamoDb(): Promise<void> {
  const [dynamo, echo] = await Promise.all([startDynamoDb(), startEcho()]);
  process.stdout.write(`${dynamo.endpoint} ${echo.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await dynamo.stop();
    echo.server.closeAllConnections();
    process.exit(0);
  });
}

async function main() {
  const inProcess = process.argv.includes('--in-process');
  const dynamo = await startStore(inProcess);
  const newClient = () =>
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
  const client = newClient();
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // The caller's own client: every request it sends is counted.
  const callerClient = newClient();
  const counted = countDynamoDbRequests(callerClient);
  const callerDb = DynamoDBDocumentClient.from(callerClient, { marshallOptions: { removeUndefinedValues: true } });
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
      store: new HttpJobStore(callerDb, 'bench-http-jobs'),
      secrets,
      statusStore: new JobStatusStore(callerDb, 'bench-status'),
      allowHosts,
      logger: createLogger('bench-caller'),
    });

    const api = createSchedulerApi({
      store,
      scheduler: { create: async () => {}, update: async () => {}, delete: async () => {} },
      secrets,
      expectations: statusStore.expectations,
      monitorEntries: new JobForgetter(db, 'bench-status', statusStore, new JobMuteStore(db, 'bench-status')),
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

    await api(event('POST', '/jobs', { ...job, job_id: 'bench-twin' }));
    // The replayed closing transaction checks the job's createdAt (a run of a deleted job is not recorded in
    // the monitor): the twin takes bench-call's, so the captured check holds for it.
    await db.send(
      new UpdateCommand({
        TableName: 'bench-http-jobs',
        Key: { pk: 'JOB#bench-twin', sk: 'JOB' },
        UpdateExpression: 'SET createdAt = :createdAt',
        ExpressionAttributeValues: { ':createdAt': (await store.getJob('bench-call'))?.createdAt },
      }),
    );
    const floor = new StoreFloor(callerClient);
    const phases = new CallerPhases(callerDeps);

    process.stdout.write = () => true;
    const captureRunId = randomUUID();
    const captureRun = () =>
      callJob(callerDeps, { job_id: 'bench-call', trigger: 'manual', generation, run_id: captureRunId });
    await floor.capture(captureRun, captureRunId, 'bench-call', 'bench-twin');
    const bare: number[] = [];
    const bareCpu: number[] = [];
    const roundTrip: number[] = [];
    const floorSamples: FloorSample[] = [];
    const wire: number[] = [];
    const runs: Awaited<ReturnType<typeof phases.measure>>[] = [];
    let requests = 0;
    let units = 0;
    for (let index = 0; index < WARMUP + RUNS; index += 1) {
      let t0 = performance.now();
      await db.send(new GetCommand({ TableName: 'bench-http-jobs', Key: { pk: 'JOB#bench-call', sk: 'JOB' } }));
      const roundTripMs = performance.now() - t0;
      const cpu0 = process.cpuUsage();
      t0 = performance.now();
      const response = await fetch(targetUrl, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      await response.text();
      const bareMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      counted.reset();
      const measured = await phases.measure(() =>
        callJob(callerDeps, { job_id: 'bench-call', trigger: 'manual', generation }),
      );
      const run = measured.result;
      if (run?.status !== 'success') throw new Error(`run ${index}: ${run?.status} ${run?.error}`);
      const floorSample = await floor.twoRoundTrips();
      const wireSample = await floor.twoRoundTrips(dynamo.echo);
      if (index < WARMUP) continue;
      wire.push(wireSample.total);
      requests += counted.requests;
      units += counted.capacityUnits;
      roundTrip.push(roundTripMs);
      bare.push(bareMs);
      bareCpu.push((cpu.user + cpu.system) / 1000);
      runs.push(measured);
      floorSamples.push(floorSample);
    }
    await phases.withGc(runs);
    floor.close();
    // The list below is of the 1,000 created next and bench-call, as before the twin existed.
    const twinDeleted = await api(event('DELETE', '/jobs/bench-twin'));
    if ((twinDeleted.statusCode ?? 500) >= 300) throw new Error(`delete answered ${twinDeleted.statusCode}`);
    const caller = runs.map((run) => run.phases.total);
    const breakdown = callerBreakdown({ runs: runs.map((run) => run.phases), bare, bareCpu, floorSamples });
    const { overhead } = breakdown;

    // What the local twin's transaction costs next to a plain write (dynalite has no TransactWriteItems of its own).
    const putMs: number[] = [];
    const transactMs: number[] = [];
    const item = (sk: string) => ({ pk: 'bench#tx', sk, text: 'x'.repeat(300) });
    for (let index = 0; index < 300; index += 1) {
      let t0 = performance.now();
      await db.send(new PutCommand({ TableName: 'bench-status', Item: item(`put-${index}`) }));
      putMs.push(performance.now() - t0);
      t0 = performance.now();
      const puts = [0, 1, 2, 3].map((n) => ({ Put: { TableName: 'bench-status', Item: item(`tx-${index}-${n}`) } }));
      await db.send(new TransactWriteCommand({ TransactItems: puts }));
      transactMs.push(performance.now() - t0);
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
      `overhead     p50 ${f(percentile(overhead, 50))} ms  p90 ${f(percentile(overhead, 90))} ms  p95 ${f(percentile(overhead, 95))} ms  p99 ${f(percentile(overhead, 99))} ms  (caller − bare fetch, per pair)`,
    );
    for (const line of breakdown.lines) console.log(line);
    console.log(
      `the wire alone: the same requests to a server that answers at once, in the same order, p50 ${f(percentile(wire, 50))} ms  p99 ${f(percentile(wire, 99))} ms`,
    );
    console.log(`create job   p50 ${f(percentile(createMs, 50))} ms  p99 ${f(percentile(createMs, 99))} ms`);
    console.log(`list ${listed} jobs  p50 ${f(percentile(listMs, 50))} ms  max ${f(Math.max(...listMs))} ms`);
    // The caller's own cost is mostly table round trips: counted in units of one, it reads the same on a busy or idle machine.
    const inRoundTrips = percentile(overhead, 50) / percentile(roundTrip, 50);
    console.log(`table round trip (GetItem on the same dynalite) p50 ${f(percentile(roundTrip, 50))} ms`);
    console.log(`overhead p50 = ${inRoundTrips.toFixed(1)} table round trips`);
    const perRun = requests / RUNS;
    const unitsPerRun = units / RUNS;
    console.log(
      `DynamoDB requests per run ${perRun.toFixed(2)} (counted at the client), request units per run ${unitsPerRun.toFixed(2)}`,
    );
    console.log(
      `local twin: PutItem p50 ${f(percentile(putMs, 50))} ms, TransactWriteItems of 4 puts p50 ${f(percentile(transactMs, 50))} ms`,
    );
    const ratio = percentile(caller, 50) / percentile(bare, 50);
    const ok =
      perRun <= TARGETS.requestsPerRun &&
      percentile(overhead, 99) < TARGETS.overheadP99Ms &&
      percentile(listMs, 50) < TARGETS.listMs;
    console.log(
      `targets: ≤ ${TARGETS.requestsPerRun} DynamoDB requests per run, p99 overhead < ${TARGETS.overheadP99Ms} ms, ` +
        `list of ${JOBS} < ${TARGETS.listMs} ms: ${ok ? 'met' : 'MISSED'}`,
    );
    if (breakdown.floorP99 >= TARGETS.overheadP99Ms) {
      console.log(
        `  (the twin's own two sequential round trips have p99 ${f(breakdown.floorP99)} ms here, the wire alone ` +
          `${f(percentile(wire, 99))} ms: no caller meets p99 < ${TARGETS.overheadP99Ms} ms against it on this machine)`,
      );
    }
    const [load1, load5, load15] = loadavg();
    console.log(
      `load while measuring (1/5/15 min): ${[load1, load5, load15].map((value) => value.toFixed(2)).join(' ')} on ${cpus().length} cores`,
    );
    const keys = {
      runs: RUNS,
      dynalite: inProcess ? 'in-process' : 'own-process',
      overhead_p50_ms: f(percentile(overhead, 50)),
      overhead_p99_ms: f(percentile(overhead, 99)),
      caller_to_fetch_p50_ratio: ratio.toFixed(2),
      overhead_in_round_trips: inRoundTrips.toFixed(1),
      ...breakdown.keys,
      wire_two_round_trips_p50_ms: f(percentile(wire, 50)),
      wire_two_round_trips_p99_ms: f(percentile(wire, 99)),
      create_p50_ms: f(percentile(createMs, 50)),
      create_p99_ms: f(percentile(createMs, 99)),
      [`list_${listed}_p50_ms`]: f(percentile(listMs, 50)),
      dynamodb_requests_per_run: perRun.toFixed(2),
      request_units_per_run: unitsPerRun.toFixed(2),
      load_1min: load1.toFixed(2),
    };
    const line = Object.entries(keys).map(([key, value]) => `${key}=${value}`);
    console.log(`BENCH http-scheduler ${line.join(' ')}`);
    if (!ok) process.exitCode = 1;
  } finally {
    process.stdout.write = stdoutWrite;
    target.closeAllConnections();
    target.close();
    client.destroy();
    callerClient.destroy();
    await dynamo.stop();
    rmSync(secretsDir, { recursive: true, force: true });
  }
}

(process.argv.includes('--dynamodb') ? serveDynamoDb() : main()).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
