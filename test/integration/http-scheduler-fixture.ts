import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { parseAllowHosts } from '../../lambdas/http-scheduler/address-guard';
import { type CallerDeps, callerDepsOver, callJob } from '../../lambdas/http-scheduler/call-job';
import type { JobScheduler, ScheduleSpec } from '../../lambdas/http-scheduler/job-scheduler';
import type { JobSecretValue } from '../../lambdas/http-scheduler/job-secrets';
import { HttpJobStore } from '../../lambdas/http-scheduler/job-store';
import { createSchedulerApi } from '../../lambdas/http-scheduler/scheduler-api';
import type { SchedulerApiDeps } from '../../lambdas/http-scheduler/scheduler-deps';
import { JobForgetter } from '../../lambdas/shared/job-forget';
import { JobMuteStore } from '../../lambdas/shared/job-mutes';
import { JobStatusStore } from '../../lambdas/shared/job-status-store';
import { EncryptedFileJobSecrets } from '../../local/encrypted-job-secrets';
import { createHttpJobsTable } from '../../local/http-jobs-table';
import { type HttpServer, startHttpServer } from '../../local/http-server';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/**
 * The scheduler API as deployed, behind the local HTTP server, on its own tables in the run's
 * dynalite, with job secrets in an encrypted temp file. The scheduling port is the test's
 * (it records what it was asked, and can be told to fail); the EventBridge and croner adapters
 * have tests of their own. "Run now" runs the real caller core against real local targets.
 */
export class RecordingScheduler implements JobScheduler {
  readonly calls: { action: 'create' | 'update' | 'delete'; jobId: string; spec?: ScheduleSpec }[] = [];
  /** The schedules as EventBridge would hold them: create refuses an existing name, update a missing one. */
  readonly schedules = new Map<string, ScheduleSpec>();
  failNext?: Error;

  private record(action: 'create' | 'update' | 'delete', jobId: string, spec?: ScheduleSpec): Promise<void> {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) return Promise.reject(failure);
    if (action === 'create' && this.schedules.has(jobId)) return Promise.reject(named('ConflictException'));
    if (action === 'update' && !this.schedules.has(jobId)) return Promise.reject(named('ResourceNotFoundException'));
    this.calls.push({ action, jobId, spec });
    if (spec) this.schedules.set(jobId, spec);
    else this.schedules.delete(jobId);
    return Promise.resolve();
  }
  create(spec: ScheduleSpec) {
    return this.record('create', spec.jobId, spec);
  }
  update(spec: ScheduleSpec) {
    return this.record('update', spec.jobId, spec);
  }
  delete(jobId: string) {
    return this.record('delete', jobId);
  }
}

/** An error named as the AWS SDK names EventBridge Scheduler's. */
function named(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/** A parsed response body, read loosely by the tests (the OpenAPI check is what types it). */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted with expect(), not typed
export type Json = any;

export interface SchedulerFixture {
  url: string;
  token: string;
  store: HttpJobStore;
  statusStore: JobStatusStore;
  secrets: EncryptedFileJobSecrets;
  secretsDir: string;
  scheduler: RecordingScheduler;
  db: DynamoDBDocumentClient;
  tableName: string;
  clock: { now: Date };
  callerDeps: CallerDeps;
  /** The API's ports, for tests that build their own handler over them. */
  apiDeps: SchedulerApiDeps;
  /** job keys the caller counted in the JobReportedError metric. */
  reportedErrors: string[];
  logLines: string[];
  /** The secret of the job's current generation (undefined when the job or its secret is gone). */
  secretsOf(jobId: string): Promise<JobSecretValue | undefined>;
  /** Admin-authorised request; objects are sent as JSON. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Json }>;
  close(): Promise<void>;
}

/** Creates a job through the API that runs every 10 minutes and calls `targetUrl` once (no retries). */
export async function createTenMinuteJob(fixture: SchedulerFixture, jobId: string, targetUrl: string): Promise<void> {
  const response = await fixture.request('POST', '/jobs', {
    job_id: jobId,
    schedule_type: 'interval',
    interval: { minutes: 10 },
    target_url: targetUrl,
    max_retries: 0,
  });
  if (response.status !== 201) throw new Error(JSON.stringify(response.json));
}

export async function startSchedulerFixture(
  options: {
    now?: Date;
    allowHosts?: string /** Instead of the recording one, e.g. the EventBridge adapter. */;
    jobScheduler?: JobScheduler;
  } = {},
): Promise<SchedulerFixture> {
  const client: DynamoDBClient = dynamoClient();
  const tableName = uniqueName('http-jobs');
  const statusTable = uniqueName('job-status');
  await Promise.all([createHttpJobsTable(client, tableName), createJobStatusTable(client, statusTable)]);
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const clock = { now: options.now ?? new Date() };
  const now = () => new Date(clock.now);
  const store = new HttpJobStore(db, tableName);
  const statusStore = new JobStatusStore(db, statusTable, { now });
  const mutes = new JobMuteStore(db, statusTable);
  const secretsDir = mkdtempSync(path.join(tmpdir(), 'http-jobs-'));
  const secrets = new EncryptedFileJobSecrets(secretsDir);
  const scheduler = new RecordingScheduler();
  const logLines: string[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      logLines.push(JSON.stringify({ level, message, extra }));
  const logger = { info: log('INFO'), warn: log('WARN'), error: log('ERROR') } as unknown as SchedulerApiDeps['logger'];
  const allowHosts = parseAllowHosts(options.allowHosts ?? '127.0.0.1');
  // No waiting between retries here: the backoff test records the waits it is asked for.
  const reportedErrors: string[] = [];
  const callerDeps: CallerDeps = {
    ...callerDepsOver({ store, secrets, statusStore, allowHosts, logger }),
    metrics: { jobReportedError: (jobKey) => void reportedErrors.push(jobKey) },
    sleep: async () => {},
  };

  const token = `admin-${uniqueName('token')}`;
  const apiDeps: SchedulerApiDeps = {
    store,
    scheduler: options.jobScheduler ?? scheduler,
    secrets,
    expectations: statusStore.expectations,
    monitorEntries: new JobForgetter(db, statusTable, statusStore, mutes),
    runNow: async (event) => {
      void callJob(callerDeps, event);
    },
    adminTokens: async () => [token],
    allowHosts,
    logger,
    now,
  };
  const handler = createSchedulerApi(apiDeps);
  const server: HttpServer = await startHttpServer({ port: 0, handler });
  return {
    url: server.url,
    token,
    store,
    statusStore,
    secrets,
    secretsDir,
    scheduler,
    db,
    tableName,
    clock,
    callerDeps,
    apiDeps,
    reportedErrors,
    logLines,
    async secretsOf(jobId) {
      const job = await store.getJob(jobId);
      return job ? secrets.get({ jobId, generation: job.generation }) : undefined;
    },
    async request(method, requestPath, body, headers = { authorization: `Bearer ${token}` }) {
      const response = await fetch(`${server.url}${requestPath}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: response.status, json };
    },
    async close() {
      await server.close();
      client.destroy();
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}

interface DocumentedResponse {
  content?: Record<string, { schema: Record<string, unknown> }>;
}
export type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>> };

/** Checks a real response body against the schema the OpenAPI document gives for it. */
export function expectMatchesDocument(
  document: OpenApi,
  method: string,
  pathTemplate: string,
  status: number,
  body: unknown,
) {
  const operation = document.paths[pathTemplate]?.[method.toLowerCase()];
  if (!operation) throw new Error(`the document has no ${method} ${pathTemplate}`);
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`the document has no ${status} for ${method} ${pathTemplate}`);
  const schema = response.content?.['application/json']?.schema as Parameters<typeof z.fromJSONSchema>[0] | undefined;
  if (!schema) throw new Error(`the document gives no JSON schema for ${status} of ${method} ${pathTemplate}`);
  const result = z.fromJSONSchema(schema).safeParse(body);
  if (!result.success) {
    throw new Error(
      `${method} ${pathTemplate} ${status} does not match the document: ${result.error.message}\n${JSON.stringify(body)}`,
    );
  }
}
