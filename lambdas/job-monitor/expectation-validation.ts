import type { ExpectationInput } from '#shared/expectation-store';
import { cronProblem, cronScheduleProblem, isTimeZone } from '#shared/expected-runs';
import { parseLabels } from './job-labels';
import { jobKeyProblem, parseJsonObject, titleProblem, type Validation } from './report-validation';

/**
 * `PUT /api/monitor/jobs/{job_key}/expectation` body:
 * `{ "cron": "0 9 * * *" | "every_minutes": 60, "timezone"?: "Asia/Tokyo", "grace_minutes"?: 10, "title"?: "...",
 * "max_runtime_minutes"?: 30 }`.
 * Unknown fields are ignored, as in job reports.
 */
export const EXPECTATION_DEFAULTS = { timezone: 'Asia/Tokyo', graceMinutes: 10 } as const;
const MAX_EVERY_MINUTES = 7 * 24 * 60;
const MAX_GRACE_MINUTES = 24 * 60;
const MAX_RUNTIME_MINUTES = 7 * 24 * 60;

const invalid = (error: string): Validation<never> => ({ ok: false, status: 400, error });

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function validateExpectation(jobKey: string, body: string | undefined, now: Date): Validation<ExpectationInput> {
  const keyProblem = jobKey === '' ? 'job_key is required' : jobKeyProblem(jobKey);
  if (keyProblem) return invalid(keyProblem);
  const parsed = parseJsonObject(body);
  if (!parsed.ok) return parsed;
  const { cron, every_minutes, timezone, grace_minutes, title, max_runtime_minutes } = parsed.value;

  if (cron === undefined && every_minutes === undefined) return invalid('cron or every_minutes is required');
  if (cron !== undefined && every_minutes !== undefined) return invalid('give either cron or every_minutes, not both');
  if (cron !== undefined) {
    if (typeof cron !== 'string') return invalid('cron must be a string like "0 9 * * *"');
    const problem = cronProblem(cron);
    if (problem) return invalid(`cron must be five fields (minute hour day month weekday): ${problem}`);
  }
  if (every_minutes !== undefined && !isIntegerIn(every_minutes, 1, MAX_EVERY_MINUTES)) {
    return invalid(`every_minutes must be an integer from 1 to ${MAX_EVERY_MINUTES}`);
  }
  if (timezone !== undefined && (typeof timezone !== 'string' || !isTimeZone(timezone))) {
    return invalid('timezone must be an IANA time zone such as Asia/Tokyo');
  }
  if (grace_minutes !== undefined && !isIntegerIn(grace_minutes, 0, MAX_GRACE_MINUTES)) {
    return invalid(`grace_minutes must be an integer from 0 to ${MAX_GRACE_MINUTES}`);
  }
  if (
    max_runtime_minutes !== undefined &&
    max_runtime_minutes !== null &&
    !isIntegerIn(max_runtime_minutes, 1, MAX_RUNTIME_MINUTES)
  ) {
    return invalid(`max_runtime_minutes must be an integer from 1 to ${MAX_RUNTIME_MINUTES}`);
  }
  // Only now that the time zone is known: whether a cron ever runs depends on it (daylight saving gaps).
  if (typeof cron === 'string') {
    const never = cronScheduleProblem(
      cron.trim(),
      typeof timezone === 'string' ? timezone : EXPECTATION_DEFAULTS.timezone,
      now,
    );
    if (never) return invalid(`cron ${never}: the watchdog could never tell whether the job is late`);
  }
  if (title !== undefined && (typeof title !== 'string' || title === '')) {
    return invalid('title must be a non-empty string');
  }
  const badTitle = typeof title === 'string' ? titleProblem(title) : undefined;
  if (badTitle) return invalid(badTitle);
  const labels = parseLabels(parsed.value);
  if (!labels.ok) return invalid(labels.error);
  return {
    ok: true,
    value: {
      jobKey,
      crons: typeof cron === 'string' ? [cron.trim()] : [],
      ...(typeof every_minutes === 'number' ? { everyMinutes: every_minutes } : {}),
      timezone: typeof timezone === 'string' ? timezone : EXPECTATION_DEFAULTS.timezone,
      graceMinutes: typeof grace_minutes === 'number' ? grace_minutes : EXPECTATION_DEFAULTS.graceMinutes,
      ...(typeof max_runtime_minutes === 'number' ? { maxRuntimeMinutes: max_runtime_minutes } : {}),
      ...(typeof title === 'string' ? { title } : {}),
      ...(labels.value.tags && labels.value.tags.length > 0 ? { tags: labels.value.tags } : {}),
      ...(labels.value.owner ? { owner: labels.value.owner } : {}),
      source: 'api',
    },
  };
}
