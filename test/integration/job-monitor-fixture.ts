import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Credentials, credentialsFromEnv } from '../../lambdas/job-monitor/credentials';
import { createMonitorApi, type MonitorApiDeps } from '../../lambdas/job-monitor/monitor-api';
import { JobForgetter } from '../../lambdas/shared/job-forget';
import { JobMuteStore } from '../../lambdas/shared/job-mutes';
import { JobStatusStore } from '../../lambdas/shared/job-status-store';
import { type HttpServer, startHttpServer } from '../../local/http-server';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/**
 * The monitor API as local mode serves it: the real handler behind the local HTTP server, on its
 * own job-status table in the run's dynalite. Only the clock, the credentials source and the
 * metrics sink are the test's, so it can move time, rotate secrets and see what was emitted.
 */
export interface MonitorFixture {
  url: string;
  store: JobStatusStore;
  db: DynamoDBDocumentClient;
  tableName: string;
  writeSecret: string;
  readToken: string;
  /** Faults for the store's DynamoDB client: the call numbered `failOnCall` (counting from 1) throws before it is sent. */
  dynamoFaults: { calls: number; failOnCall?: number };
  /** The clock every part reads; tests move it. */
  clock: { now: Date };
  /** job_keys of emitted JobReportedError metrics. */
  reportedErrors: string[];
  /** job_keys of emitted JobLate metrics, and every LateJobs value, in order. */
  lateMetrics: { jobLate: string[]; jobHung: string[]; lateJobs: number[] };
  mutes: JobMuteStore;
  /** A request with the write secret (unless other headers are given); objects are sent as JSON. */
  write(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  logLines: string[];
  /** POST a job report (the body as given: strings are sent raw, objects as JSON). */
  report(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
  /** GET with the read token as Bearer (unless other headers are given). */
  read(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface MonitorFixtureOptions {
  /** @default JOB_REPORT_SECRET / JOB_READ_TOKEN values, as local mode reads them */
  credentials?: Credentials;
  now?: Date;
  /** The job page's stage, region, runbook URL and registry jobs. @default none */
  page?: MonitorApiDeps['page'];
}

export async function startMonitorFixture(options: MonitorFixtureOptions = {}): Promise<MonitorFixture> {
  const client: DynamoDBClient = dynamoClient();
  const tableName = uniqueName('job-status');
  await createJobStatusTable(client, tableName);
  const clock = { now: options.now ?? new Date() };
  const dynamoFaults: MonitorFixture['dynamoFaults'] = { calls: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      dynamoFaults.calls += 1;
      if (dynamoFaults.calls === dynamoFaults.failOnCall)
        throw new Error(`injected failure of DynamoDB call ${dynamoFaults.calls}`);
      return next(args);
    },
    { step: 'initialize', name: 'injectedFaults' },
  );
  const now = () => new Date(clock.now);
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new JobStatusStore(db, tableName, { now });
  const writeSecret = `write-${uniqueName('secret')}`;
  const readToken = `read-${uniqueName('token')}`;
  const reportedErrors: string[] = [];
  const lateMetrics: MonitorFixture['lateMetrics'] = { jobLate: [], jobHung: [], lateJobs: [] };
  const mutes = new JobMuteStore(db, tableName);
  const logLines: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      logLines.push(JSON.stringify({ level, message, extra }));
  const deps: MonitorApiDeps = {
    store,
    credentials:
      options.credentials ?? credentialsFromEnv({ JOB_REPORT_SECRET: writeSecret, JOB_READ_TOKEN: readToken }),
    mutes,
    forgetter: new JobForgetter(db, tableName, store, mutes, now),
    metrics: {
      jobReportedError: (jobKey) => reportedErrors.push(jobKey),
      jobLate: (jobKey) => lateMetrics.jobLate.push(jobKey),
      jobHung: (jobKey) => lateMetrics.jobHung.push(jobKey),
      lateJobs: (count) => lateMetrics.lateJobs.push(count),
    },
    logger: { info: log('INFO'), warn: log('WARN'), error: log('ERROR') } as unknown as MonitorApiDeps['logger'],
    now,
    ...(options.page ? { page: options.page } : {}),
  };
  const server: HttpServer = await startHttpServer({ port: 0, handler: createMonitorApi(deps) });
  return {
    url: server.url,
    store,
    db,
    tableName,
    dynamoFaults,
    writeSecret,
    readToken,
    clock,
    reportedErrors,
    lateMetrics,
    mutes,
    logLines,
    async write(method, path, body, headers = { 'x-tc-portal-webhook-secret': writeSecret }) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    async report(body, headers = { 'x-tc-portal-webhook-secret': writeSecret }) {
      const response = await fetch(`${server.url}/api/monitor/job-report`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    read(path, headers = { authorization: `Bearer ${readToken}` }) {
      return fetch(`${server.url}${path}`, { headers });
    },
    async close() {
      await server.close();
      client.destroy();
    },
  };
}

/** A valid report, finished a minute before the fixture's clock. */
export function validReport(fixture: Pick<MonitorFixture, 'clock'>, overrides: Record<string, unknown> = {}) {
  return {
    job_key: 'minpaku-in-report',
    title: 'minpaku-IN レポート作成',
    status: 'success',
    finished_at: new Date(fixture.clock.now.getTime() - 60_000).toISOString(),
    message: '処理完了',
    ...overrides,
  };
}
