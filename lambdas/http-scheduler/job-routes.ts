import { randomUUID } from 'node:crypto';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { InvalidCursorError } from '#shared/page-cursor';
import { runsQuerySchema } from './api-schemas';
import { statusJobKey } from './call-job';
import type { ScheduleSpec } from './job-scheduler';
import type { JobRecord } from './job-store';
import { toJobView, toRunView } from './job-views';
import { NOTHING_WRITTEN, putSchedule, scheduleFor, settleSchedule } from './schedule-sync';
import { denyWithoutAdminToken, type SchedulerApiDeps } from './scheduler-deps';
import { deleteExpectation, putExpectation } from './status-expectation';

/** The scheduler API's routes after creation: read, delete, pause, resume, run now, history. */
type Params = Record<string, string>;

/** Time for deleting the job monitor's history of a deleted job; what is left then expires with its TTL. */
const FORGET_BUDGET_MS = 5_000;

const notFound = (jobId: string) => errorResponse(404, `job_id: no job "${jobId}"`);

/** Authorised and existing, or the response that says why not. */
async function loadJob(
  deps: SchedulerApiDeps,
  request: HttpRequest,
  params: Params,
): Promise<JobRecord | HttpResponse> {
  const denied = await denyWithoutAdminToken(deps, request);
  if (denied) return denied;
  const job = await deps.store.getJob(params.job_id);
  return job ?? notFound(params.job_id);
}

const isResponse = (value: JobRecord | HttpResponse): value is HttpResponse => 'statusCode' in value;

/** `GET /jobs` */
export async function listJobs(deps: SchedulerApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutAdminToken(deps, request);
  if (denied) return denied;
  const now = deps.now();
  const jobs = await deps.store.listJobs();
  return jsonResponse(200, { jobs: jobs.map((job) => toJobView(job, now)) });
}

/** `GET /jobs/{job_id}` */
export async function getJob(deps: SchedulerApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  return isResponse(job) ? job : jsonResponse(200, toJobView(job, deps.now()));
}

/**
 * `DELETE /jobs/{job_id}`: the schedule first, so nothing fires for a job that is gone; then the row,
 * only if it is still the generation read (a job replaced meanwhile stays, with its schedule
 * settled back); then its secret, its status on /incidents and its expectation.
 */
export async function deleteJob(deps: SchedulerApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  if (isResponse(job)) return job;
  try {
    await deps.scheduler.delete(job.jobId);
  } catch (error) {
    deps.logger.error('schedule could not be deleted', { job_id: job.jobId, error: error as Error });
    return scheduleFailed(error, 'deleted', 'the job is unchanged');
  }
  const deleted = await deps.store.deleteJob(job.jobId, job.generation);
  await settleSchedule(deps, job.jobId, NOTHING_WRITTEN);
  if (!deleted) {
    const now = await deps.store.getJob(job.jobId);
    return now ? changedMeanwhile(job.jobId, 'nothing was deleted') : notFound(job.jobId);
  }
  // After the row: a run in flight records its monitor entry only while the row exists (run-ledger.ts).
  const cleanups: [string, () => Promise<unknown>][] = [
    ['secret', () => deps.secrets.delete({ jobId: job.jobId, generation: job.generation })],
    [
      'job monitor entry',
      () => deps.monitorEntries.forget(statusJobKey(job.jobId), { budgetMs: FORGET_BUDGET_MS, leaveLongHistory: true }),
    ],
  ];
  for (const [what, cleanup] of cleanups) {
    await cleanup().catch((error: Error) =>
      deps.logger.error(`deleted job's ${what} left behind`, { job_id: job.jobId, error }),
    );
  }
  deps.logger.info('http job deleted', { job_id: job.jobId });
  return jsonResponse(200, { job_id: job.jobId, status: 'deleted' });
}

const changedMeanwhile = (jobId: string, outcome: string) =>
  errorResponse(409, `job_id: job "${jobId}" was changed by another request meanwhile; ${outcome}`);

const scheduleFailed = (error: unknown, verb: string, outcome: string) =>
  errorResponse(502, `the schedule could not be ${verb} (${(error as Error).message}); ${outcome}`);

/**
 * Pause and resume: the row changes state first (conditionally, on the generation read), then the
 * schedule; a failed schedule update puts the row back.
 */
async function switchState(
  deps: SchedulerApiDeps,
  request: HttpRequest,
  params: Params,
  to: 'paused' | 'scheduled',
): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  if (isResponse(job)) return job;
  const from = to === 'paused' ? 'scheduled' : 'paused';
  const now = deps.now();
  const anchorAt = to === 'scheduled' ? now.toISOString() : undefined;
  if (!(await deps.store.transition(job.jobId, job.generation, { from, to, now, anchorAt }))) {
    if (job.state === from) return changedMeanwhile(job.jobId, 'nothing was changed');
    return errorResponse(409, `job_id: job "${job.jobId}" is ${job.state}, not ${from}`);
  }
  const changed: JobRecord = { ...job, state: to, anchorAt: anchorAt ?? job.anchorAt };
  let written: string;
  try {
    written = await putSchedule(deps, scheduleFor(changed) as ScheduleSpec, true);
  } catch (error) {
    deps.logger.error('schedule could not be updated; job state put back', {
      job_id: job.jobId,
      error: error as Error,
    });
    await deps.store.transition(job.jobId, job.generation, { from: to, to: from, now, anchorAt: job.anchorAt });
    await settleSchedule(deps, job.jobId, undefined);
    return scheduleFailed(error, 'updated', 'the job is unchanged');
  }
  await settleSchedule(deps, job.jobId, written);
  if (to === 'paused') await deleteExpectation(deps, job.jobId);
  else await putExpectation(deps, changed);
  deps.logger.info(`http job ${to === 'paused' ? 'paused' : 'resumed'}`, { job_id: job.jobId });
  return jsonResponse(200, { job_id: job.jobId, status: to === 'paused' ? 'paused' : 'resumed' });
}

export const pauseJob = (deps: SchedulerApiDeps, request: HttpRequest, params: Params) =>
  switchState(deps, request, params, 'paused');
export const resumeJob = (deps: SchedulerApiDeps, request: HttpRequest, params: Params) =>
  switchState(deps, request, params, 'scheduled');

/** `POST /jobs/{job_id}/run`: one run now, recorded like any other (trigger "manual"). */
export async function runJobNow(deps: SchedulerApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  if (isResponse(job)) return job;
  const runId = randomUUID();
  try {
    await deps.runNow({ job_id: job.jobId, generation: job.generation, trigger: 'manual', run_id: runId });
  } catch (error) {
    deps.logger.error('run could not be started', { job_id: job.jobId, error: error as Error });
    return errorResponse(502, `the run could not be started (${(error as Error).message}); try again`);
  }
  return jsonResponse(202, { job_id: job.jobId, run_id: runId, status: 'started' });
}

/** `GET /jobs/{job_id}/runs?limit=20&cursor=...` */
export async function listRuns(deps: SchedulerApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  if (isResponse(job)) return job;
  const query = runsQuerySchema.safeParse(Object.fromEntries(request.query));
  if (!query.success) {
    const issue = query.error.issues[0];
    return errorResponse(400, `${issue.path.join('.')}: ${issue.message}`);
  }
  try {
    const page = await deps.store.listRuns(job.jobId, { ...query.data, since: job.createdAt });
    return jsonResponse(200, {
      job_id: job.jobId,
      runs: page.runs.map(toRunView),
      next_cursor: page.nextCursor ?? null,
    });
  } catch (error) {
    if (error instanceof InvalidCursorError) return errorResponse(400, `cursor is invalid: ${error.message}`);
    throw error;
  }
}
