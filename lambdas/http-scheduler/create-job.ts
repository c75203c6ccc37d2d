import { randomUUID } from 'node:crypto';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { type JobRequest, SENSITIVE_HEADERS, validateJobRequest } from './job-request';
import type { JobSecretValue } from './job-secrets';
import { type JobDefinition, JobExistsError, type JobRecord } from './job-store';
import { toJobView } from './job-views';
import { planSchedule } from './schedule-plan';
import { denyWithoutAdminToken, type SchedulerApiDeps } from './scheduler-deps';
import { newSigningSecret } from './signature';
import { putExpectation } from './status-expectation';

/** Splits headers: sensitive values go to the secret store, the rest stays in the job row. */
function splitHeaders(job: JobRequest) {
  const secretNames = new Set([...SENSITIVE_HEADERS, ...job.secret_headers.map((name) => name.toLowerCase())]);
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(job.headers)) {
    if (secretNames.has(name.toLowerCase())) secret[name] = value;
    else plain[name] = value;
  }
  return { plain, secret };
}

function parseBody(raw: string | undefined): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw ?? '') };
  } catch {
    return { ok: false };
  }
}

/**
 * `POST /jobs`. Order and undo keep it all-or-nothing: secret, then job row, then schedule; when a
 * later step fails the earlier ones are undone (or, on replace, put back as they were).
 */
export async function createJob(deps: SchedulerApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutAdminToken(deps, request);
  if (denied) return denied;
  const parsed = parseBody(request.body);
  if (!parsed.ok) return errorResponse(400, 'body: is not valid JSON');
  const now = deps.now();
  const validation = validateJobRequest(parsed.value, now, deps.allowHosts);
  if (!validation.ok) return errorResponse(400, validation.error);
  const { job_id, replace_existing, headers: _headers, ...rest } = validation.job;
  const jobId = job_id ?? randomUUID();
  const previous = await deps.store.getJob(jobId);
  if (previous && !replace_existing)
    return errorResponse(409, `job_id: "${jobId}" exists (send replace_existing: true to replace it)`);

  const { plain, secret } = splitHeaders(validation.job);
  const definition: JobDefinition = { ...rest, headers: plain };
  const record: JobRecord = {
    jobId,
    definition,
    plan: planSchedule(validation.job),
    state: 'scheduled',
    secretHeaderNames: Object.keys(secret),
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    anchorAt: now.toISOString(),
  };
  const secrets: JobSecretValue = { signingSecret: newSigningSecret(), headers: secret };
  const previousSecrets = previous ? await deps.secrets.get(jobId) : undefined;
  const spec = {
    jobId,
    plan: record.plan,
    enabled: true,
    misfireGraceSec: definition.misfire_grace_sec,
    anchorAt: record.anchorAt,
  };

  await deps.secrets.put(jobId, secrets);
  const undoSecret = () => (previousSecrets ? deps.secrets.put(jobId, previousSecrets) : deps.secrets.delete(jobId));
  try {
    await deps.store.putJob(record, { replace: Boolean(previous) });
  } catch (error) {
    await undoSecret();
    if (error instanceof JobExistsError) return errorResponse(409, `job_id: "${jobId}" exists`);
    throw error;
  }
  try {
    if (previous)
      await deps.scheduler.update(spec).catch(async (error: Error) => {
        // A completed one-shot job's schedule was deleted by EventBridge after its run.
        if (error.name !== 'ResourceNotFoundException') throw error;
        await deps.scheduler.create(spec);
      });
    else await deps.scheduler.create(spec);
  } catch (error) {
    deps.logger.error('schedule could not be created; job rolled back', { job_id: jobId, error: error as Error });
    if (previous) await deps.store.putJob(previous, { replace: true });
    else await deps.store.deleteJob(jobId);
    await undoSecret();
    return errorResponse(502, `the schedule could not be created (${(error as Error).message}); nothing was stored`);
  }
  await putExpectation(deps, record);
  deps.logger.info('http job scheduled', { job_id: jobId, trigger: record.plan.trigger, replaced: Boolean(previous) });
  const view = toJobView(record, now);
  return jsonResponse(201, {
    job_id: jobId,
    status: 'scheduled',
    next_run_time: view.next_run_time,
    trigger: view.trigger,
    signing_secret: secrets.signingSecret,
  });
}
