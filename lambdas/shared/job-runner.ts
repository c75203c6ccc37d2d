import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { createDocumentClient } from './aws-clients';
import { JobStatusStore, type RunKind } from './job-status-store';
import { createLogger } from './logger';
import { publishJobMetrics } from './metrics';

/**
 * The one runner every scheduled job goes through: validate the payload, log, run the core,
 * emit metrics, record the outcome in the job-status store. Job cores stay free of all that.
 */

export interface JobContext {
  jobId: string;
  runId: string;
  logger: Logger;
  /** The clock; daily jobs derive their default target date from it (in Asia/Tokyo). */
  now: () => Date;
  /** Milliseconds left before the Lambda times out (Infinity locally). */
  remainingMs: () => number;
}

export interface JobResult {
  /** Rows (or items) processed: becomes the RowsProcessed metric. */
  rows?: number;
  /** One line for the status page. */
  message?: string;
  /** Other counts for the run history, e.g. `{ bytes, recipients }` (rows are added from `rows`). */
  counts?: Record<string, number>;
  /** Anything else worth keeping with the outcome (file names, per-recipient results); kept in the run history. */
  details?: Record<string, unknown>;
  /** A job that did part of its work can finish with an error while still reporting what it did. */
  failed?: boolean;
}

export interface JobDefinition<Payload> {
  id: string;
  title: string;
  payloadSchema: z.ZodType<Payload>;
  run(payload: Payload, context: JobContext): Promise<JobResult>;
  /**
   * Which slot (scheduled time) a run is for, and whether it is a dry run, from its payload: the job
   * monitor shows the newest slot's latest run as the job's status (runSlotAndKind). Jobs without it
   * run for "now": their schedule's `scheduled_time` when given, else the start of the run.
   */
  describeRun?(payload: Payload, now: Date): RunDescription;
}

export interface RunDescription {
  slot: Date;
  /** The payload named the slot (a re-run of it), rather than the schedule or the clock choosing it. */
  slotRequested: boolean;
  dryRun: boolean;
}

export interface JobOutcome {
  jobId: string;
  runId: string;
  status: 'success' | 'error';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rows?: number;
  counts?: Record<string, number>;
  message: string;
  details?: Record<string, unknown>;
  /** The scheduled time the run was for (ISO 8601, UTC). */
  slot: string;
  kind: RunKind;
}

export interface RunnerDeps {
  /** Where starts and outcomes are recorded; null disables recording (e.g. a dry run without a table). */
  store: (Pick<JobStatusStore, 'recordRun'> & Partial<Pick<JobStatusStore, 'inFlight'>>) | null;
  logger?: Logger;
  now?: () => Date;
  runId?: string;
  remainingMs?: () => number;
  publishMetrics?: boolean;
  /** Set by whoever started the run when it is part of a backfill (`ops backfill`); the payload cannot say so. */
  backfill?: boolean;
}

export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** How an outcome's message starts when the payload was refused before the job ran (PayloadError). */
export const INVALID_PAYLOAD_PREFIX = 'invalid payload: ';

/** `payload.target_date: Invalid ISO date` — one line per problem, naming the field. */
export function formatIssues(error: z.ZodError, root = 'payload'): string {
  return error.issues.map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ');
}

export function parsePayload<Payload>(schema: z.ZodType<Payload>, raw: unknown): Payload {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) throw new PayloadError(`${INVALID_PAYLOAD_PREFIX}${formatIssues(result.error)}`);
  return result.data;
}

const scheduledTimeOf = (raw: unknown): Date | undefined => {
  const value =
    typeof raw === 'object' && raw !== null ? (raw as { scheduled_time?: unknown }).scheduled_time : undefined;
  const time = typeof value === 'string' ? new Date(value) : undefined;
  return time && !Number.isNaN(time.getTime()) ? time : undefined;
};

/**
 * The slot and kind a run is recorded with. Schedules send `scheduled_time`, so its presence marks a
 * scheduled run; a payload that names its slot is a re-run (or part of a backfill, when its starter says
 * so); anything else is a manual run of the current slot. A job that cannot tell (no describeRun, no
 * `scheduled_time` from its schedule) records every run as a scheduled run of its start time.
 */
export function runSlotAndKind(
  job: Pick<JobDefinition<unknown>, 'describeRun'>,
  rawPayload: unknown,
  payload: unknown,
  started: Date,
  options: { backfill?: boolean; payloadValid: boolean },
): { slot: Date; kind: RunKind } {
  const scheduled = scheduledTimeOf(rawPayload);
  const described = options.payloadValid && job.describeRun ? safeDescribe(job, payload, started) : undefined;
  const slot = described?.slot ?? scheduled ?? started;
  if (described?.dryRun) return { slot, kind: 'dry-run' };
  if (options.backfill) return { slot, kind: 'backfill' };
  if (scheduled) return { slot, kind: 'scheduled' };
  if (described?.slotRequested) return { slot, kind: 'rerun' };
  return { slot, kind: job.describeRun ? 'manual' : 'scheduled' };
}

/** A payload the job cannot place (a slot in the future) fails the run; the run is then one of "now". */
function safeDescribe(job: Pick<JobDefinition<unknown>, 'describeRun'>, payload: unknown, now: Date) {
  try {
    return job.describeRun?.(payload, now);
  } catch {
    return undefined;
  }
}

export async function runJob<Payload>(
  job: JobDefinition<Payload>,
  rawPayload: unknown,
  deps: RunnerDeps,
): Promise<JobOutcome> {
  const now = deps.now ?? (() => new Date());
  const runId = deps.runId ?? randomUUID();
  const logger = deps.logger ?? createLogger(`nightshift-${job.id}`);
  logger.appendKeys({ job: job.id, runId });
  const started = now();
  logger.info('job started', { payload: rawPayload as Record<string, unknown> });

  let result: JobResult = {};
  let errorMessage: string | undefined;
  let identity = runSlotAndKind(job as JobDefinition<unknown>, rawPayload, undefined, started, {
    backfill: deps.backfill,
    payloadValid: false,
  });
  try {
    const payload = parsePayload(job.payloadSchema, rawPayload);
    identity = runSlotAndKind(job as JobDefinition<unknown>, rawPayload, payload, started, {
      backfill: deps.backfill,
      payloadValid: true,
    });
    await recordStart(job, runId, started, identity, deps.store, logger);
    result = await job.run(payload, {
      jobId: job.id,
      runId,
      logger,
      now,
      remainingMs: deps.remainingMs ?? (() => Infinity),
    });
    if (result.failed) errorMessage = result.message ?? 'job reported a failure';
  } catch (error) {
    errorMessage = error instanceof Error ? error.message : String(error);
    logger.error('job failed', error instanceof Error ? error : new Error(errorMessage));
  }

  const finished = now();
  const outcome: JobOutcome = {
    jobId: job.id,
    runId,
    status: errorMessage === undefined ? 'success' : 'error',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    ...(result.rows !== undefined ? { rows: result.rows } : {}),
    ...(result.counts ? { counts: result.counts } : {}),
    message: errorMessage ?? result.message ?? 'ok',
    ...(result.details ? { details: result.details } : {}),
    slot: identity.slot.toISOString(),
    kind: identity.kind,
  };
  if (outcome.status === 'success') logger.info('job succeeded', { outcome });
  else logger.error('job finished with an error', { outcome });

  if (deps.publishMetrics !== false) {
    publishJobMetrics(job.id, {
      succeeded: outcome.status === 'success',
      durationMs: outcome.durationMs,
      rows: outcome.rows,
    });
  }
  await recordOutcome(job, outcome, deps.store, logger);
  return outcome;
}

/** The run shows running (and can be caught hung) while it runs; a failed write never stops the job. */
async function recordStart(
  job: JobDefinition<unknown> | JobDefinition<never>,
  runId: string,
  started: Date,
  identity: { slot: Date; kind: RunKind },
  store: RunnerDeps['store'],
  logger: Logger,
): Promise<void> {
  if (!store?.inFlight) return;
  try {
    await store.inFlight.recordStart({
      jobKey: job.id,
      runId,
      startedAt: started.toISOString(),
      title: job.title,
      slot: identity.slot.toISOString(),
      kind: identity.kind,
    });
  } catch (error) {
    logger.warn('could not record the start in the job-status store', { error: (error as Error).message });
  }
}

async function recordOutcome(
  job: JobDefinition<unknown> | JobDefinition<never>,
  outcome: JobOutcome,
  store: RunnerDeps['store'],
  logger: Logger,
): Promise<void> {
  if (!store) return;
  try {
    await store.recordRun({
      jobKey: job.id,
      title: job.title,
      status: outcome.status,
      startedAt: outcome.startedAt,
      finishedAt: outcome.finishedAt,
      durationMs: outcome.durationMs,
      message: outcome.message,
      source: 'runner',
      runId: outcome.runId,
      ...(outcome.rows !== undefined || outcome.counts
        ? { counts: { ...outcome.counts, ...(outcome.rows !== undefined ? { rows: outcome.rows } : {}) } }
        : {}),
      ...(outcome.details ? { details: outcome.details } : {}),
      slot: outcome.slot,
      kind: outcome.kind,
    });
  } catch (error) {
    // The job's own result stands; a missing record shows up as "late" on the status page.
    logger.error('could not record the outcome in the job-status store', error as Error);
  }
}

export class JobFailedError extends Error {
  override name = 'JobFailedError';
  constructor(
    message: string,
    readonly outcome: JobOutcome,
  ) {
    super(message);
  }
}

/**
 * The Lambda handler for a job: builds the default ports from the environment, runs the job,
 * and throws when it failed so Lambda counts an error (alarm) and the failure destination gets it.
 */
export function createScheduledHandler<Payload>(job: JobDefinition<Payload>) {
  const logger = createLogger(`nightshift-${job.id}`);
  const tableName = process.env.JOB_STATUS_TABLE;
  const store = tableName ? new JobStatusStore(createDocumentClient(), tableName) : null;
  return async (event: unknown, context?: Partial<Context>): Promise<JobOutcome> => {
    if (context?.awsRequestId) logger.addContext(context as Context);
    const remaining = context?.getRemainingTimeInMillis;
    const outcome = await runJob(job, event, {
      store,
      logger,
      runId: context?.awsRequestId,
      remainingMs: remaining ? () => remaining.call(context) : undefined,
      backfill: runKindOf(context) === 'backfill',
    });
    if (outcome.status === 'error') throw new JobFailedError(`${job.id} failed: ${outcome.message}`, outcome);
    return outcome;
  };
}

/**
 * The invocation's client context (`aws lambda invoke --client-context`, base64 of
 * `{"custom":{"nightshift_run_kind":"backfill"}}`): how `ops backfill` marks its runs without touching
 * the job's payload (payload schemas are strict).
 */
export const RUN_KIND_CONTEXT_KEY = 'nightshift_run_kind';

function runKindOf(context: Partial<Context> | undefined): unknown {
  const clientContext = context?.clientContext as {
    custom?: Record<string, unknown>;
    Custom?: Record<string, unknown>;
  };
  return (clientContext?.custom ?? clientContext?.Custom)?.[RUN_KIND_CONTEXT_KEY];
}
