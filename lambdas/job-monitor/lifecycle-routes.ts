import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { JobChangingError } from '#shared/job-forget';
import { isMuteActive } from '#shared/job-mutes';
import { alarmStateOf } from './alarm-state';
import { denyWithoutWriteSecret, type MonitorApiDeps } from './monitor-deps';
import { validateMute } from './mute-validation';
import { jobKeyProblem } from './report-validation';

/**
 * A job's lifecycle: forget it (`DELETE /api/monitor/jobs/{job_key}`), mute it and unmute it. Each
 * needs the write secret, as reports and expectations do.
 */
type Params = Record<string, string>;

/** Time for deleting a job's history within one request (the function's timeout is 10 s). */
const FORGET_BUDGET_MS = 6_000;

const unknownJob = (jobKey: string) =>
  errorResponse(404, `job_key "${jobKey}" is not known (no status, history or expectation)`);

/** The write secret and a valid job_key, or the response that says why not. */
async function denied(deps: MonitorApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse | undefined> {
  const noSecret = await denyWithoutWriteSecret(deps, request);
  if (noSecret) return noSecret;
  const keyProblem = jobKeyProblem(params.job_key);
  return keyProblem ? errorResponse(400, keyProblem) : undefined;
}

/** `DELETE /api/monitor/jobs/{job_key}`: the job leaves the list with its history; a later report starts it afresh. */
export async function deleteJob(deps: MonitorApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const refused = await denied(deps, request, params);
  if (refused) return refused;
  const jobKey = params.job_key;
  let result: Awaited<ReturnType<MonitorApiDeps['forgetter']['forget']>>;
  try {
    result = await deps.forgetter.forget(jobKey, { budgetMs: FORGET_BUDGET_MS });
  } catch (error) {
    if (error instanceof JobChangingError) return errorResponse(409, error.message);
    throw error;
  }
  if (!result.found) return unknownJob(jobKey);
  deps.logger.info('job deleted', {
    job_key: jobKey,
    history_deleted: result.historyDeleted,
    complete: result.complete,
  });
  if (!result.complete) {
    return jsonResponse(202, {
      success: false,
      job_key: jobKey,
      deleted: false,
      history_deleted: result.historyDeleted,
      message: `the history is long: ${result.historyDeleted} runs deleted so far; send the same DELETE again to finish`,
    });
  }
  return jsonResponse(200, { success: true, job_key: jobKey, deleted: true, history_deleted: result.historyDeleted });
}

/** A job the monitor knows: it reported, or it is expected to. */
async function isKnown(deps: MonitorApiDeps, jobKey: string): Promise<boolean> {
  const [latest, expectation] = await Promise.all([deps.store.getLatest(jobKey), deps.store.expectations.get(jobKey)]);
  return latest !== undefined || expectation !== undefined;
}

/** `POST /api/monitor/jobs/{job_key}/mute` `{"until", "reason"}`: runs are still recorded; the alarms ignore the job. */
export async function muteJob(deps: MonitorApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const refused = await denied(deps, request, params);
  if (refused) return refused;
  const jobKey = params.job_key;
  const now = deps.now();
  const validation = validateMute(request.body, now);
  if (!validation.ok) return errorResponse(validation.status, validation.error);
  if (!(await isKnown(deps, jobKey))) return unknownJob(jobKey);
  const { until, reason } = validation.value;
  await deps.mutes.put({ jobKey, until, reason, mutedAt: now.toISOString() });
  deps.logger.info('job muted', { job_key: jobKey, until, reason });
  return jsonResponse(200, { success: true, job_key: jobKey, muted: { until, reason } });
}

/**
 * `DELETE /api/monitor/jobs/{job_key}/mute`: the job counts again at once. Its current state is
 * published as the watchdog and a report would: an error or a late mark alarms now, not at the next
 * report or watchdog run. Unmuting a job that is not muted changes nothing and succeeds.
 */
export async function unmuteJob(deps: MonitorApiDeps, request: HttpRequest, params: Params): Promise<HttpResponse> {
  const refused = await denied(deps, request, params);
  if (refused) return refused;
  const jobKey = params.job_key;
  const removed = await deps.mutes.delete(jobKey);
  if (!removed && !(await isKnown(deps, jobKey))) return unknownJob(jobKey);
  // Only a mute in force held anything back; republishing for an unmuted job would count its error twice.
  const wasMuted = isMuteActive(removed, deps.now());
  const counted = wasMuted ? await republishAlarmState(deps, jobKey) : {};
  deps.logger.info('job unmuted', { job_key: jobKey, was_muted: wasMuted, ...counted });
  return jsonResponse(200, { success: true, job_key: jobKey, muted: null, was_muted: wasMuted });
}

/** The job's error and late state, and the total of late jobs not muted, published as metrics now. */
async function republishAlarmState(deps: MonitorApiDeps, jobKey: string) {
  const { error, late, hung, lateJobs } = await alarmStateOf(deps, jobKey, deps.now());
  if (error) deps.metrics.jobReportedError(jobKey);
  if (late) deps.metrics.jobLate(jobKey);
  if (hung) deps.metrics.jobHung(jobKey);
  deps.metrics.lateJobs(lateJobs);
  return { error, late, hung, late_jobs: lateJobs };
}
