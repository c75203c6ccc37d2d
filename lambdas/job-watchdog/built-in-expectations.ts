import { z } from 'zod';
import type { ExpectationInput } from '#shared/expectation-store';
import { cronProblem, isTimeZone } from '#shared/expected-runs';
import { formatIssues } from '#shared/job-runner';

/**
 * Built-in jobs' expectations arrive in BUILT_IN_EXPECTATIONS, derived by lib/expectations.ts from
 * the registry (one entry per schedule). Lambda code does not import lib/, so the shape is checked here.
 */
const entrySchema = z.object({
  job_key: z.string().min(1),
  title: z.string().min(1).optional(),
  cron: z.string().refine((cron) => cronProblem(cron) === undefined, { message: 'not a five-field cron' }),
  timezone: z.string().refine(isTimeZone, { message: 'not an IANA time zone' }).default('Asia/Tokyo'),
  grace_minutes: z.number().int().min(0),
  max_runtime_minutes: z.number().int().min(1).optional(),
});

const builtInSchema = z.array(entrySchema);

/** One expectation per job_key: its schedules' crons together, the largest grace period. */
export function parseBuiltInExpectations(raw: string | undefined): ExpectationInput[] {
  if (raw === undefined || raw.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('BUILT_IN_EXPECTATIONS is not valid JSON');
  }
  const parsed = builtInSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`invalid BUILT_IN_EXPECTATIONS: ${formatIssues(parsed.error, 'BUILT_IN_EXPECTATIONS')}`);

  const byJob = new Map<string, ExpectationInput>();
  for (const entry of parsed.data) {
    const known = byJob.get(entry.job_key);
    if (!known) {
      byJob.set(entry.job_key, {
        jobKey: entry.job_key,
        ...(entry.title ? { title: entry.title } : {}),
        crons: [entry.cron],
        timezone: entry.timezone,
        graceMinutes: entry.grace_minutes,
        ...(entry.max_runtime_minutes ? { maxRuntimeMinutes: entry.max_runtime_minutes } : {}),
        source: 'registry',
      });
      continue;
    }
    if (known.timezone !== entry.timezone) {
      throw new Error(`invalid BUILT_IN_EXPECTATIONS: job ${entry.job_key} has schedules in different time zones`);
    }
    if (!known.crons.includes(entry.cron)) known.crons.push(entry.cron);
    known.graceMinutes = Math.max(known.graceMinutes, entry.grace_minutes);
    if (entry.max_runtime_minutes) {
      known.maxRuntimeMinutes = Math.max(known.maxRuntimeMinutes ?? 0, entry.max_runtime_minutes);
    }
  }
  return [...byJob.values()];
}
