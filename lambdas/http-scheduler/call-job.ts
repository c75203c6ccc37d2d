import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobStatusStore, RunReport } from '#shared/job-status-store';
import { MonitorMetric, publishMonitorCount } from '#shared/monitor-metrics';
import { CachedJobSecrets } from './cached-job-secrets';
import { type Attempted, callTarget } from './call-target';
import { JOB_LIMITS } from './job-request';
import type { JobSecretRef, JobSecrets, JobSecretValue } from './job-secrets';
import type { HttpJobStore, JobRecord, RunRecord } from './job-store';
import { guardedFetch, type OutboundCall } from './outbound-request';
import { RunLedger, type RunOutcome } from './run-ledger';
import type { RunLease } from './run-store';

/**
 * The caller: one run of an HTTP job. Takes the job's lease (one run at a time), refuses a run
 * fired later than the job's misfire grace, makes the signed call with the job's retries
 * (call-target.ts), and records the outcome once: the run's history, the job monitor's history and
 * latest status, the lease given back, in one transaction (run-ledger.ts). A target's fault is the
 * run's error, never an exception.
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
  ledger: RunLedger;
  /** Kept per generation in a warm caller (cached-job-secrets.ts). */
  secrets: Pick<JobSecrets, 'get'>;
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
  statusStore: Pick<JobStatusStore, 'runCommitWrites' | 'tableName'>;
  allowHosts: ReadonlySet<string>;
  logger: CallerDeps['logger'];
}): CallerDeps {
  return {
    ledger: new RunLedger(parts.store, parts.statusStore),
    secrets: new CachedJobSecrets(parts.secrets),
    allowHosts: parts.allowHosts,
    logger: parts.logger,
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

/** The job monitor's record of a run; none for a skipped run (the overlapping run reports its own). */
function monitorReport(job: JobRecord, run: RunRecord): RunReport | undefined {
  if (run.status === 'skipped') return undefined;
  return {
    jobKey: statusJobKey(job.jobId),
    title: job.definition.name ?? `HTTP job ${job.jobId}`,
    status: run.status === 'success' ? 'success' : 'error',
    finishedAt: run.finishedAt,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    message: run.status === 'success' ? `HTTP ${run.httpStatus} after ${run.attempts} attempt(s)` : run.error,
    source: 'runner',
    runId: run.runId,
    // The status follows the newest slot: a late-delivered older slot's run goes into the history only.
    slot: run.scheduledTime,
    kind: run.trigger === 'schedule' ? 'scheduled' : 'manual',
  };
}

/** The run of a lease that expired before its caller recorded it: an error, ended when its lease did. */
function lostRun(job: JobRecord, lease: RunLease): RunOutcome {
  const finishedAt = new Date(lease.leaseUntil).toISOString();
  const run: RunRecord = {
    runId: lease.runId,
    jobId: job.jobId,
    status: 'error',
    trigger: lease.trigger,
    scheduledTime: lease.scheduledTime,
    startedAt: lease.startedAt,
    finishedAt,
    durationMs: lease.leaseUntil - Date.parse(lease.startedAt),
    attempts: 0,
    httpStatus: null,
    error: `the caller stopped before recording this run; its lease expired at ${finishedAt}`,
    responseSnippet: null,
  };
  return { run, report: monitorReport(job, run), latest: false };
}

/** The secret, or what the run records when there is none to sign with. */
async function readSecrets(deps: CallerDeps, ref: JobSecretRef): Promise<JobSecretValue | string> {
  try {
    return (await deps.secrets.get(ref)) ?? 'the job has no signing secret';
  } catch (error) {
    deps.logger.error('job secrets could not be read', { job_id: ref.jobId, error: error as Error });
    return `the job's secrets could not be read: ${(error as Error).message}`;
  }
}

/** Runs the job once; undefined when the job no longer exists (deleted after the schedule fired). */
export async function callJob(deps: CallerDeps, event: CallEvent): Promise<RunRecord | undefined> {
  const started = deps.now();
  const runId = event.run_id ?? randomUUID();
  const trigger = event.trigger ?? 'schedule';
  const scheduledTime = event.scheduled_time ?? started.toISOString();
  const lease: RunLease = {
    jobId: event.job_id,
    runId,
    trigger,
    scheduledTime,
    startedAt: started.toISOString(),
    leaseUntil: started.getTime() + LEASE_MS,
  };
  // The secret of the generation the schedule names is read alongside the row and the lease.
  const eventSecrets = event.generation
    ? readSecrets(deps, { jobId: event.job_id, generation: event.generation })
    : undefined;
  const { job, taken, abandoned } = await deps.ledger.begin(lease);
  if (!job) {
    if (taken) await deps.ledger.releaseLease(event.job_id, runId);
    deps.logger.warn('http job no longer exists', { job_id: event.job_id });
    return undefined;
  }
  const ended = (fields: Partial<RunRecord> & Pick<RunRecord, 'status'>): RunRecord => {
    const finished = deps.now();
    return {
      runId,
      jobId: job.jobId,
      trigger,
      scheduledTime,
      startedAt: lease.startedAt,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      attempts: 0,
      httpStatus: null,
      error: null,
      responseSnippet: null,
      ...fields,
    };
  };
  // A one-shot job's scheduled run, whatever its outcome (missed and skipped too), is its last.
  const complete = trigger === 'schedule' && job.plan.oneShot ? { generation: job.generation } : undefined;
  const lateMs = started.getTime() - Date.parse(scheduledTime);
  let run: RunRecord;
  if (trigger === 'schedule' && lateMs > job.definition.misfire_grace_sec * 1000) {
    const error = `fired ${Math.round(lateMs / 1000)} s after ${scheduledTime}, beyond misfire_grace_sec ${job.definition.misfire_grace_sec}`;
    run = ended({ status: 'missed', error });
  } else if (!taken) {
    run = ended({ status: 'skipped', error: 'another run of this job was still in progress' });
    if (complete) {
      await deps.ledger.finish({ outcome: { run, latest: false }, releaseLease: false, complete, now: deps.now() });
    } else {
      await deps.ledger.recordSkipped(run);
    }
    return logged(deps, run);
  } else {
    // A schedule written for an earlier generation (replaced since) runs the current one, with its secret.
    const secrets =
      eventSecrets && job.generation === event.generation
        ? await eventSecrets
        : await readSecrets(deps, { jobId: job.jobId, generation: job.generation });
    const attempted: Attempted =
      typeof secrets === 'string'
        ? { status: 'error', attempts: 0, error: secrets }
        : await callTarget(deps, job, secrets, { runId, scheduledTime });
    run = ended({
      status: attempted.status,
      attempts: attempted.attempts,
      httpStatus: attempted.response?.status ?? null,
      error: attempted.error ?? null,
      responseSnippet: attempted.response?.snippet ?? null,
    });
  }
  // An expired lease of a deleted job of the same id is not this job's run.
  const lost = taken && abandoned && abandoned.startedAt >= job.createdAt ? lostRun(job, abandoned) : undefined;
  const { dropped } = await deps.ledger.finish({
    outcome: { run, report: monitorReport(job, run), latest: true },
    abandoned: lost,
    releaseLease: taken,
    complete,
    jobCreatedAt: job.createdAt,
    // Only a failure asks whether the job is muted (a check in the same transaction): a success pays nothing for it.
    ...(run.status !== 'success' || lost ? { unlessMuted: statusJobKey(job.jobId) } : {}),
    now: deps.now(),
  });
  // Counted once per run: not again when an earlier attempt had recorded it already; not while the job is muted.
  const muted = dropped.has('unmuted');
  if (run.status !== 'success' && !dropped.has('history') && !muted) {
    deps.metrics.jobReportedError(statusJobKey(job.jobId));
  }
  if (lost && !dropped.has('abandoned history') && !muted) deps.metrics.jobReportedError(statusJobKey(job.jobId));
  if (lost) deps.logger.error('http job run lost: its caller stopped before recording it', { ...lost.run });
  return logged(deps, run);
}

function logged(deps: CallerDeps, run: RunRecord): RunRecord {
  deps.logger.info('http job run', {
    job_id: run.jobId,
    run_id: run.runId,
    status: run.status,
    http_status: run.httpStatus,
    attempts: run.attempts,
    duration_ms: run.durationMs,
    error: run.error,
  });
  return run;
}
