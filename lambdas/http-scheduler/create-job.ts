import { randomUUID } from 'node:crypto';
import { looksLikeCredential } from '#shared/credential-names';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { type JobRequest, validateJobRequest } from './job-request';
import type { JobSecretRef, JobSecretValue } from './job-secrets';
import { type JobDefinition, JobExistsError, type JobRecord } from './job-store';
import { toJobView } from './job-views';
import { planSchedule } from './schedule-plan';
import { putSchedule, scheduleFor, settleSchedule } from './schedule-sync';
import { denyWithoutAdminToken, type SchedulerApiDeps } from './scheduler-deps';
import { newSigningSecret } from './signature';
import { putExpectation } from './status-expectation';

/** Splits headers: credential-like names and those in secret_headers go to the secret store, the rest stays in the row. */
function splitHeaders(job: JobRequest) {
  const declared = new Set(job.secret_headers.map((name) => name.toLowerCase()));
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(job.headers)) {
    if (declared.has(name.toLowerCase()) || looksLikeCredential(name)) secret[name] = value;
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
 * `POST /jobs`. A create or replace is a new generation of the job: its own secret first (a name no
 * other request writes), then the job row, written only over the row this request read (none, or
 * the generation it replaces), then the schedule. The request that loses a race for the row deletes
 * only its own secret; a failed schedule puts back the row it replaced, if the row is still its own.
 * The replaced generation's secret is deleted once the new one is scheduled.
 */
export async function createJob(deps: SchedulerApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutAdminToken(deps, request);
  if (denied) return denied;
  const parsed = parseBody(request.body);
  if (!parsed.ok) return errorResponse(400, 'request body: is not valid JSON');
  const now = deps.now();
  const validation = validateJobRequest(parsed.value, now, deps.allowHosts);
  if (!validation.ok) return errorResponse(400, validation.error);
  const { job_id, replace_existing, headers: _headers, ...rest } = validation.job;
  const jobId = job_id ?? randomUUID();
  const previous = await deps.store.getJob(jobId);
  if (previous && !replace_existing) return exists(jobId);

  const { plain, secret } = splitHeaders(validation.job);
  const definition: JobDefinition = { ...rest, headers: plain };
  const record: JobRecord = {
    jobId,
    generation: randomUUID(),
    definition,
    plan: planSchedule(validation.job),
    state: 'scheduled',
    secretHeaderNames: Object.keys(secret),
    createdAt: previous?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    anchorAt: now.toISOString(),
  };
  const ref: JobSecretRef = { jobId, generation: record.generation };
  const secrets: JobSecretValue = { signingSecret: newSigningSecret(), headers: secret };

  await deps.secrets.put(ref, secrets);
  try {
    await deps.store.putJob(record, { replacing: previous?.generation });
  } catch (error) {
    await discardSecret(deps, ref);
    if (!(error instanceof JobExistsError)) throw error;
    return previous ? changedMeanwhile(jobId) : exists(jobId);
  }
  const spec = scheduleFor(record);
  let written: string;
  try {
    written = await putSchedule(deps, spec as NonNullable<typeof spec>, Boolean(previous));
  } catch (error) {
    deps.logger.error('schedule could not be written; job rolled back', { job_id: jobId, error: error as Error });
    await rollBack(deps, record, previous);
    const undone = previous ? 'the job is unchanged' : 'nothing was stored';
    return errorResponse(502, `the schedule could not be written (${(error as Error).message}); ${undone}`);
  }
  await settleSchedule(deps, jobId, written);
  if (previous) await discardSecret(deps, { jobId, generation: previous.generation });
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

const exists = (jobId: string) =>
  errorResponse(409, `job_id: "${jobId}" exists (send replace_existing: true to replace it)`);
const changedMeanwhile = (jobId: string) =>
  errorResponse(
    409,
    `job_id: "${jobId}" was created, replaced or deleted by another request meanwhile; nothing was stored`,
  );

/** Puts back what this request replaced (or removes what it created), only while the row is still its own. */
async function rollBack(deps: SchedulerApiDeps, record: JobRecord, previous: JobRecord | undefined): Promise<void> {
  const ref = { jobId: record.jobId, generation: record.generation };
  try {
    if (previous) {
      await deps.store.putJob(previous, { replacing: record.generation }).catch((error: Error) => {
        if (!(error instanceof JobExistsError)) throw error;
      });
    } else {
      await deps.store.deleteJob(record.jobId, record.generation);
    }
  } catch (error) {
    // The row may still be this generation: its secret stays, so the job still runs.
    deps.logger.error('job could not be rolled back', { job_id: record.jobId, error: error as Error });
    return;
  }
  await discardSecret(deps, ref);
  await settleSchedule(deps, record.jobId, undefined);
}

/** A secret no row refers to (any more): deleting it is cleanup; a failure leaves it behind, logged. */
async function discardSecret(deps: SchedulerApiDeps, ref: JobSecretRef): Promise<void> {
  try {
    await deps.secrets.delete(ref);
  } catch (error) {
    deps.logger.error('job secret left behind', {
      job_id: ref.jobId,
      generation: ref.generation,
      error: error as Error,
    });
  }
}
