import { looksLikeCredential } from '#shared/credential-names';
import type { JobRecord, RunRecord } from './job-store';
import { isoInZone, nextRunAfter } from './schedule-plan';

/** How jobs and runs read in API responses (snake_case, as the original scheduler's). */
export const MASK = '********';

export function toJobView(job: JobRecord, now: Date) {
  const { definition, plan } = job;
  const next = job.state === 'scheduled' ? nextRunAfter(plan, new Date(job.anchorAt), now) : null;
  const headers: Record<string, string> = {};
  // Plain headers hold no credential-like name (creation moves those to the secret); masked anyway, by the one rule.
  for (const [name, value] of Object.entries(definition.headers))
    headers[name] = looksLikeCredential(name) ? MASK : value;
  for (const name of job.secretHeaderNames) headers[name] = MASK;
  return {
    job_id: job.jobId,
    name: definition.name ?? null,
    status: job.state,
    next_run_time: next ? isoInZone(next, plan.timezone) : null,
    trigger: plan.trigger,
    schedule_type: definition.schedule_type,
    ...(definition.cron ? { cron: definition.cron as Record<string, string> } : {}),
    ...(definition.interval ? { interval: definition.interval as Record<string, number> } : {}),
    ...(definition.run_at ? { run_at: definition.run_at } : {}),
    target_url: definition.target_url,
    method: definition.method,
    headers,
    secret_headers: definition.secret_headers ?? [],
    ...(definition.body !== undefined ? { body: definition.body } : {}),
    timeout_sec: definition.timeout_sec,
    max_retries: definition.max_retries,
    retry_backoff_sec: definition.retry_backoff_sec,
    misfire_grace_sec: definition.misfire_grace_sec,
    timezone: definition.timezone,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
  };
}

export function toRunView(run: RunRecord) {
  return {
    run_id: run.runId,
    status: run.status,
    trigger: run.trigger,
    scheduled_time: run.scheduledTime,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms: run.durationMs,
    attempts: run.attempts,
    http_status: run.httpStatus,
    error: run.error,
    response_snippet: run.responseSnippet,
  };
}
