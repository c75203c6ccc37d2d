import { randomUUID } from 'node:crypto';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { InvalidCursorError } from '#shared/page-cursor';
import { runsQuerySchema } from './api-schemas';
import type { JobRecord } from './job-store';
import { toJobView, toRunView } from './job-views';
import { denyWithoutAdminToken, type SchedulerApiDeps } from './scheduler-deps';
import { deleteExpectation, putExpectation } from './status-expectation';

/** The scheduler API's routes after creation: read, delete, pause, resume, run now, history. */
type Params = Record<string, string>;

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

/** `DELETE /jobs/{job_id}`: the schedule first, so nothing fires for a job that is gone. */
export async function deleteJob(deps: SchedulerApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const job = await loadJob(deps, request, params);
  if (isResponse(job)) return job;
  await deps.scheduler.delete(job.jobId);
  await deps.store.deleteJob(job.jobId);
  await deps.secrets.delete(job.jobId);
  await deleteExpectation(deps, job.jobId);
  deps.logger.info('http job deleted', { job_id: job.jobId });
  return jsonResponse(200, { job_id: job.jobId, status: 'deleted' });
}

/** Pause and resume: the row changes state first (conditionally), then the schedule; a failed schedule update puts the row back. */
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
  if (!(await deps.store.transition(job.jobId, from, to, now, anchorAt))) {
    return errorResponse(409, `job_id: job "${job.jobId}" is ${job.state}, not ${from}`);
  }
  const spec = {
    jobId: job.jobId,
    plan: job.plan,
    enabled: to === 'scheduled',
    misfireGraceSec: job.definition.misfire_grace_sec,
    anchorAt: anchorAt ?? job.anchorAt,
  };
  try {
    await deps.scheduler.update(spec);
  } catch (error) {
    await deps.store.transition(job.jobId, to, from, now, to === 'scheduled' ? job.anchorAt : undefined);
    throw error;
  }
  if (to === 'paused') await deleteExpectation(deps, job.jobId);
  else await putExpectation(deps, { ...job, state: to });
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
  await deps.runNow({ job_id: job.jobId, trigger: 'manual', run_id: runId });
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
    const page = await deps.store.listRuns(job.jobId, query.data);
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
