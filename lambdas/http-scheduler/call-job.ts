import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobStatusStore, RunReport } from '#shared/job-status-store';
import { MonitorMetric, publishMonitorCount } from '#shared/monitor-metrics';
import { backoffSec, JOB_LIMITS } from './job-request';
import type { JobSecrets, JobSecretValue } from './job-secrets';
import type { HttpJobStore, JobRecord, RunRecord } from './job-store';
import {
  AddressRefusedError,
  guardedFetch,
  NetworkError,
  type OutboundCall,
  type OutboundResponse,
} from './outbound-request';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature';

/**
 * The caller: one run of an HTTP job. Takes the job's lease (one run at a time), refuses a run
 * fired later than the job's misfire grace, makes the signed call with retries (5xx, 429 and
 * network errors, exponential backoff; other 4xx fail at once), records the run and reports it
 * to the job-status store, so /incidents and the late alarms see HTTP jobs like any other.
 */
export interface CallEvent {
  job_id: string;
  /** The job generation the schedule (or run-now) was written for: its secret is read alongside the row. */
  generation?: string;
  /** When the schedule fired (EventBridge's `<aws.scheduler.scheduled-time>`); absent for a manual run. */
  scheduled_time?: string;
  trigger?: 'schedule' | 'manual';
  run_id?: string;
}

export interface CallerDeps {
  store: HttpJobStore;
  secrets: JobSecrets;
  /** The job-status store's recordRun. */
  reportRun: (report: RunReport) => Promise<unknown>;
  call: OutboundCall;
  /** The job monitor's JobReportedError metric: its alarm fires for a failed or missed HTTP job run too. */
  metrics: { jobReportedError(jobKey: string): void };
  allowHosts: ReadonlySet<string>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

/** The caller's ports over its stores, calling out through the guarded client. */
export function callerDepsOver(parts: {
  store: HttpJobStore;
  secrets: JobSecrets;
  statusStore: Pick<JobStatusStore, 'recordRun'>;
  allowHosts: ReadonlySet<string>;
  logger: CallerDeps['logger'];
}): CallerDeps {
  const { statusStore, ...rest } = parts;
  return {
    ...rest,
    reportRun: (report) => statusStore.recordRun(report),
    call: guardedFetch,
    metrics: { jobReportedError: (jobKey) => publishMonitorCount(MonitorMetric.jobReportedError, 1, jobKey) },
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
  };
}

/** The job-status store's key for an HTTP job. */
export const statusJobKey = (jobId: string) => `http-job:${jobId}`;

/**
 * Longer than any run may take (validation caps a run's attempts and waits): the lease is taken
 * alongside reading the job, before its own worst case is known; a crashed run's lease frees itself after it.
 */
const LEASE_MS = (JOB_LIMITS.runSec + 30) * 1000;

function requestBody(job: JobRecord): string | undefined {
  const { body } = job.definition;
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

interface Attempted {
  status: 'success' | 'error';
  attempts: number;
  response?: OutboundResponse;
  error?: string;
}

async function callWithRetries(
  deps: CallerDeps,
  job: JobRecord,
  secrets: JobSecretValue | undefined,
  runId: string,
  scheduledTime: string,
) {
  if (!secrets) return { status: 'error', attempts: 0, error: 'the job has no signing secret' } satisfies Attempted;
  const body = requestBody(job);
  const { definition } = job;
  const isJson = body !== undefined && typeof definition.body !== 'string';
  const baseHeaders: Record<string, string> = {
    ...(isJson ? { 'content-type': 'application/json' } : {}),
    ...definition.headers,
    ...secrets.headers,
    'user-agent': 'nightshift-http-scheduler',
    'x-nightshift-job-id': job.jobId,
    'x-nightshift-run-id': runId,
    'x-nightshift-scheduled-time': scheduledTime,
  };
  const maxAttempts = definition.max_retries + 1;
  let last: Attempted = { status: 'error', attempts: 0 };
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const headers = {
      ...baseHeaders,
      'x-nightshift-attempt': String(attempt),
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(secrets.signingSecret, timestamp, body ?? ''),
    };
    let retryable: boolean;
    try {
      const response = await deps.call({
        url: definition.target_url,
        method: definition.method,
        headers,
        originBoundHeaders: Object.keys(secrets.headers),
        body,
        timeoutMs: definition.timeout_sec * 1000,
        allowHosts: deps.allowHosts,
      });
      if (response.status < 400) return { status: 'success', attempts: attempt, response } satisfies Attempted;
      retryable = response.status >= 500 || response.status === 429;
      last = { status: 'error', attempts: attempt, response, error: `HTTP ${response.status}` };
    } catch (error) {
      if (!(error instanceof NetworkError || error instanceof AddressRefusedError)) throw error;
      retryable = error instanceof NetworkError;
      last = { status: 'error', attempts: attempt, error: error.message };
    }
    if (!retryable || attempt === maxAttempts) break;
    await deps.sleep(backoffSec(definition.retry_backoff_sec, attempt) * 1000);
  }
  return last;
}

/** The run's record and its report are independent writes: made at once, they cost one round trip. */
async function finish(deps: CallerDeps, job: JobRecord, run: RunRecord): Promise<RunRecord> {
  await Promise.all([deps.store.recordRun(run), run.status !== 'skipped' && report(deps, job, run)]);
  deps.logger.info('http job run', {
    job_id: job.jobId,
    run_id: run.runId,
    status: run.status,
    http_status: run.httpStatus,
    attempts: run.attempts,
    duration_ms: run.durationMs,
    error: run.error,
  });
  return run;
}

/** A skipped run is not an outcome: the overlapping run reports its own. */
async function report(deps: CallerDeps, job: JobRecord, run: RunRecord): Promise<void> {
  if (run.status !== 'success') deps.metrics.jobReportedError(statusJobKey(job.jobId));
  await deps.reportRun({
    jobKey: statusJobKey(job.jobId),
    title: job.definition.name ?? `HTTP job ${job.jobId}`,
    status: run.status === 'success' ? 'success' : 'error',
    finishedAt: run.finishedAt,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    message: run.status === 'success' ? `HTTP ${run.httpStatus} after ${run.attempts} attempt(s)` : run.error,
    source: 'runner',
    runId: run.runId,
  });
}

/** Runs the job once; undefined when the job no longer exists (deleted after the schedule fired). */
export async function callJob(deps: CallerDeps, event: CallEvent): Promise<RunRecord | undefined> {
  const started = deps.now();
  const runId = event.run_id ?? randomUUID();
  // Job, secrets and lease do not depend on each other: one round trip for the three.
  const [job, eventSecrets, leased] = await Promise.all([
    deps.store.getJob(event.job_id),
    event.generation ? deps.secrets.get({ jobId: event.job_id, generation: event.generation }) : undefined,
    deps.store.acquireLease(event.job_id, runId, started, LEASE_MS),
  ]);
  const release = async () => {
    if (leased) await deps.store.releaseLease(event.job_id, runId);
  };
  if (!job) {
    await release();
    deps.logger.warn('http job no longer exists', { job_id: event.job_id });
    return undefined;
  }
  // A schedule written for an earlier generation (replaced since) fires the current one, with its secret.
  const secrets =
    job.generation === event.generation
      ? eventSecrets
      : await deps.secrets.get({ jobId: job.jobId, generation: job.generation });
  const trigger = event.trigger ?? 'schedule';
  const scheduledTime = event.scheduled_time ?? started.toISOString();
  // A one-shot job's scheduled run, whatever its outcome (missed and skipped too), is its last.
  const completes = trigger === 'schedule' && job.plan.oneShot;
  const complete = async () => {
    if (completes)
      await deps.store.transition(job.jobId, job.generation, { from: 'scheduled', to: 'completed', now: deps.now() });
  };
  const base = { runId, jobId: job.jobId, trigger, scheduledTime };
  const ended = (fields: Partial<RunRecord> & Pick<RunRecord, 'status'>): RunRecord => {
    const finished = deps.now();
    return {
      ...base,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      attempts: 0,
      httpStatus: null,
      error: null,
      responseSnippet: null,
      ...fields,
    };
  };
  const lateMs = started.getTime() - Date.parse(scheduledTime);
  if (trigger === 'schedule' && lateMs > job.definition.misfire_grace_sec * 1000) {
    const error = `fired ${Math.round(lateMs / 1000)} s after ${scheduledTime}, beyond misfire_grace_sec ${job.definition.misfire_grace_sec}`;
    const [missed] = await Promise.all([finish(deps, job, ended({ status: 'missed', error })), release(), complete()]);
    return missed;
  }
  if (!leased) {
    const skipped = ended({ status: 'skipped', error: 'another run of this job was still in progress' });
    const [recorded] = await Promise.all([finish(deps, job, skipped), complete()]);
    return recorded;
  }
  let attempted: Attempted;
  try {
    attempted = await callWithRetries(deps, job, secrets, runId, scheduledTime);
  } catch (error) {
    await release();
    throw error;
  }
  const run = ended({
    status: attempted.status,
    attempts: attempted.attempts,
    httpStatus: attempted.response?.status ?? null,
    error: attempted.error ?? null,
    responseSnippet: attempted.response?.snippet ?? null,
  });
  const [recorded] = await Promise.all([finish(deps, job, run), release(), complete()]);
  return recorded;
}
