import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { validateExpectation } from './expectation-validation';
import { toExpectationView } from './job-views';
import { denyWithoutReadToken, denyWithoutWriteSecret, type MonitorApiDeps } from './monitor-deps';
import { jobKeyProblem } from './report-validation';

/**
 * A job's expectation: when it should report, so the watchdog can tell when it stopped.
 * Setting one needs the write secret (the reporters hold it); reading one needs the read token.
 */

/** `PUT /api/monitor/jobs/{job_key}/expectation` */
export async function putExpectation(
  deps: MonitorApiDeps,
  request: HttpRequest,
  params: Record<string, string>,
): Promise<HttpResponse> {
  const denied = await denyWithoutWriteSecret(deps, request);
  if (denied) return denied;
  const validation = validateExpectation(params.job_key, request.body, deps.now());
  if (!validation.ok) return errorResponse(validation.status, validation.error);
  const stored = await deps.store.expectations.put(validation.value);
  if (!stored) throw new Error('expectation was not stored'); // only a registry-only put can be skipped
  deps.logger.info('expectation set', { job_key: stored.jobKey });
  return jsonResponse(200, { success: true, job_key: stored.jobKey, expectation: toExpectationView(stored) });
}

/** `GET /api/monitor/jobs/{job_key}/expectation` */
export async function getExpectation(
  deps: MonitorApiDeps,
  request: HttpRequest,
  params: Record<string, string>,
): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'api');
  if (denied) return denied;
  const keyProblem = jobKeyProblem(params.job_key);
  if (keyProblem) return errorResponse(400, keyProblem);
  const expectation = await deps.store.expectations.get(params.job_key);
  if (!expectation) return errorResponse(404, `job_key "${params.job_key}" has no expectation`);
  return jsonResponse(200, { job_key: params.job_key, expectation: toExpectationView(expectation) });
}

/** `DELETE /api/monitor/jobs/{job_key}/expectation`: a built-in job's expectation comes back from the registry. */
export async function deleteExpectation(
  deps: MonitorApiDeps,
  request: HttpRequest,
  params: Record<string, string>,
): Promise<HttpResponse> {
  const denied = await denyWithoutWriteSecret(deps, request);
  if (denied) return denied;
  const keyProblem = jobKeyProblem(params.job_key);
  if (keyProblem) return errorResponse(400, keyProblem);
  const deleted = await deps.store.expectations.delete(params.job_key);
  if (!deleted) return errorResponse(404, `job_key "${params.job_key}" has no expectation`);
  // A late mark that only this expectation justified is cleared by the watchdog's next run.
  deps.logger.info('expectation deleted', { job_key: params.job_key });
  return jsonResponse(200, { success: true, job_key: params.job_key, deleted: true });
}
