import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { countsTowardAlarms } from '#shared/job-mutes';
import { denyWithoutWriteSecret, type MonitorApiDeps } from './monitor-deps';
import { validateJobReport } from './report-validation';

/**
 * `POST /api/monitor/job-report`: the TC Portal's endpoint. Checks in the portal's order (configuration,
 * secret, body), then stores the run; nothing is written unless every check passed.
 */
export async function reportJob(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutWriteSecret(deps, request);
  if (denied) return denied;
  const validation = validateJobReport(request.body, deps.now());
  if (!validation.ok) return errorResponse(validation.status, validation.error);
  const report = validation.value;

  let stored: Awaited<ReturnType<MonitorApiDeps['store']['recordRun']>>;
  try {
    stored = await deps.store.recordRun({ ...report, source: 'report' });
  } catch (error) {
    deps.logger.error('could not store the job report', { error: error as Error, job_key: report.jobKey });
    return errorResponse(500, 'Failed to update job status');
  }
  // Once per run: a redelivery was counted the first time, a retry completing an interrupted first attempt counts
  // now (that attempt answered 500 before counting), and an older (stale) error still is an error that happened.
  // A muted job's error is stored and shown, but pages no one until the mute ends.
  if (report.status === 'error' && stored.firstRecorded && (await errorCounts(deps, report.jobKey))) {
    deps.metrics.jobReportedError(report.jobKey);
  }
  deps.logger.info('job report stored', {
    job_key: report.jobKey,
    status: report.status,
    finished_at: report.finishedAt,
    duplicate: stored.duplicate,
    stale: stored.stale,
  });
  return jsonResponse(200, { success: true, id: stored.id, job_key: stored.jobKey });
}

const errorCounts = (deps: MonitorApiDeps, jobKey: string) =>
  countsTowardAlarms(deps.mutes, jobKey, deps.now(), (error) =>
    deps.logger.warn('mute could not be read; the error counts', { job_key: jobKey, error }),
  );
