import { randomUUID } from 'node:crypto';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { parseIso8601 } from './iso-8601';
import { denyWithoutWriteSecret, type MonitorApiDeps } from './monitor-deps';
import { jobKeyProblem, parseJsonObject, REPORT_LIMITS, titleProblem, type Validation } from './report-validation';

/**
 * `POST /api/monitor/job-start` `{"job_key", "title"?, "started_at"?}`: a run of the job has started. The
 * job shows running until its next job-report (which gets the run's start and duration), or hung once
 * it outlives its expectation's max_runtime_minutes. The same write secret and checks as job-report.
 */
export interface ValidStart {
  jobKey: string;
  title?: string;
  startedAt: string;
}

const invalid = (error: string, status: 400 | 413 = 400): Validation<never> => ({ ok: false, status, error });

export function validateJobStart(body: string | undefined, now: Date): Validation<ValidStart> {
  if (Buffer.byteLength(body ?? '', 'utf8') > REPORT_LIMITS.bodyBytes) {
    return invalid(`request body must be at most ${REPORT_LIMITS.bodyBytes} bytes (64 KiB)`, 413);
  }
  const parsed = parseJsonObject(body);
  if (!parsed.ok) return parsed;
  const { job_key, title, started_at } = parsed.value;
  if (!job_key || typeof job_key !== 'string') return invalid('job_key is required');
  const keyProblem = jobKeyProblem(job_key);
  if (keyProblem) return invalid(keyProblem);
  if (title !== undefined && title !== null && (typeof title !== 'string' || title === '')) {
    return invalid('title must be a non-empty string');
  }
  const badTitle = typeof title === 'string' ? titleProblem(title) : undefined;
  if (badTitle) return invalid(badTitle);
  let startedAt = now;
  if (started_at !== undefined && started_at !== null) {
    const parsedStart = typeof started_at === 'string' ? parseIso8601(started_at) : undefined;
    if (!parsedStart) return invalid('started_at must be valid ISO 8601');
    if (parsedStart.getTime() > now.getTime() + REPORT_LIMITS.futureMinutes * 60_000) {
      return invalid(
        `started_at must not be more than ${REPORT_LIMITS.futureMinutes} minutes in the future (server time ${now.toISOString()})`,
      );
    }
    startedAt = parsedStart;
  }
  return {
    ok: true,
    value: { jobKey: job_key, ...(typeof title === 'string' ? { title } : {}), startedAt: startedAt.toISOString() },
  };
}

export async function startJob(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutWriteSecret(deps, request);
  if (denied) return denied;
  const validation = validateJobStart(request.body, deps.now());
  if (!validation.ok) return errorResponse(validation.status, validation.error);
  const start = validation.value;
  const runId = randomUUID();
  let inFlight: boolean;
  try {
    inFlight = await deps.store.inFlight.recordStart({ ...start, runId, kind: 'report' });
  } catch (error) {
    deps.logger.error('could not store the job start', { error: error as Error, job_key: start.jobKey });
    return errorResponse(500, 'Failed to update job status');
  }
  // Not in flight: the job reported a run that finished after this start, so this run is over already.
  deps.logger.info('job start stored', { job_key: start.jobKey, run_id: runId, started_at: start.startedAt, inFlight });
  return jsonResponse(200, { success: true, job_key: start.jobKey, run_id: runId });
}
