import { validateHeaderName, validateHeaderValue } from 'node:http';
import { z } from 'zod';
import { cronScheduleProblem } from '#shared/expected-runs';
import { canonicalTimeZone, isTimeZone } from '#shared/time-zone';
import { literalAddressProblem } from './address-guard';
import { type ApsCronFields, CronFieldError, translateApsCron } from './apscheduler-cron';

/**
 * `POST /jobs`: the original scheduler's request shape, accepted verbatim, with every limit the caller's
 * platform imposes checked up front so a job that cannot run is never created.
 */
export const JOB_LIMITS = {
  /** Per attempt. */
  timeoutSec: 60,
  /** Every attempt and backoff wait of one run must fit in the caller function's 15 minutes, with a margin. */
  runSec: 840,
  /** Longest single backoff wait; the series doubles up to it. */
  backoffCapSec: 60,
  maxRetries: 10,
  retryBackoffSec: 300,
  bodyBytes: 64 * 1024,
  misfireGraceSec: 86_400,
} as const;

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Their values go to the secret store, never to the table or a response. */
export const SENSITIVE_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization'];
/** Set by the caller itself. */
const RESERVED_HEADER = /^(host|content-length|transfer-encoding|connection|x-nightshift-.*)$/i;

const cronField = z.union([z.string(), z.number().int()]).transform(String);
const EXPRESSIBLE_CRON_FIELDS = ['minute', 'hour', 'day', 'month', 'day_of_week'];

export const cronSchema = z
  .record(z.string(), z.unknown())
  .superRefine((fields, ctx) => {
    for (const key of Object.keys(fields)) {
      if (!EXPRESSIBLE_CRON_FIELDS.includes(key)) {
        const reason = ['second', 'year', 'week', 'start_date', 'end_date', 'jitter'].includes(key)
          ? 'EventBridge Scheduler cannot express this APScheduler field'
          : 'is not a cron field (use minute, hour, day, month, day_of_week)';
        ctx.addIssue({ code: 'custom', path: [key], message: reason });
      }
    }
  })
  .pipe(
    z.object({
      minute: cronField.optional(),
      hour: cronField.optional(),
      day: cronField.optional(),
      month: cronField.optional(),
      day_of_week: cronField.optional(),
    }),
  )
  .meta({ description: 'APScheduler cron fields; omitted ones default as APScheduler does' });

const intervalUnit = z.number().int().min(0);
export const intervalSchema = z
  .strictObject({
    weeks: intervalUnit.optional(),
    days: intervalUnit.optional(),
    hours: intervalUnit.optional(),
    minutes: intervalUnit.optional(),
  })
  .meta({ description: 'Summed; at least 1 minute' });

export const jobRequestSchema = z
  .object({
    job_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"')
      .optional(),
    replace_existing: z.boolean().default(false),
    name: z.string().max(200).optional(),
    schedule_type: z.enum(['cron', 'interval', 'date']),
    cron: cronSchema.optional(),
    interval: intervalSchema.optional(),
    run_at: z.iso.datetime({ offset: true, message: 'must be ISO 8601 with an offset' }).optional(),
    target_url: z.string().max(2048),
    method: z.enum(METHODS).default('GET'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Further header names whose values are secret (besides Authorization, Cookie, X-Api-Key). */
    secret_headers: z.array(z.string()).default([]),
    body: z.unknown().optional().meta({ description: 'Any JSON value; a string is sent as is, anything else as JSON' }),
    timeout_sec: z.number().positive().max(JOB_LIMITS.timeoutSec).default(10),
    max_retries: z.number().int().min(0).max(JOB_LIMITS.maxRetries).default(3),
    retry_backoff_sec: z.number().min(0).max(JOB_LIMITS.retryBackoffSec).default(2),
    misfire_grace_sec: z.number().int().min(1).max(JOB_LIMITS.misfireGraceSec).default(60),
    timezone: z.string().default('Asia/Tokyo'),
  })
  .meta({ description: 'A job: when (schedule_type + cron | interval | run_at) and what to call' });

export type JobRequest = z.output<typeof jobRequestSchema>;

type Problem = { path: string; message: string };

function urlProblem(raw: string, allowHosts: ReadonlySet<string>): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not carry credentials (use headers)';
  return literalAddressProblem(url.hostname, allowHosts);
}

function headerProblems(headers: Record<string, string>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const path = `headers.${name}`;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      problems.push({ path, message: 'is not a valid HTTP header name and value' });
      continue;
    }
    if (RESERVED_HEADER.test(name)) problems.push({ path, message: 'is set by the caller and cannot be overridden' });
  }
  return problems;
}

function scheduleProblems(job: JobRequest, now: Date): Problem[] {
  if (job.schedule_type === 'cron') {
    if (!job.cron) return [{ path: 'cron', message: 'is required when schedule_type is "cron"' }];
    let croner: string;
    try {
      croner = translateApsCron(job.cron as ApsCronFields).croner;
    } catch (error) {
      if (error instanceof CronFieldError)
        return [{ path: error.field, message: error.message.slice(error.field.length + 2) }];
      throw error;
    }
    // The job monitor's check for expectations: a cron that never fires ({"month": "2", "day": "30"}) is refused.
    if (isTimeZone(job.timezone) && cronScheduleProblem(croner, job.timezone, now)) {
      return [
        { path: 'cron', message: `has no run within the next year (in ${job.timezone}): it would never be called` },
      ];
    }
    return [];
  }
  if (job.schedule_type === 'interval') {
    if (!job.interval) return [{ path: 'interval', message: 'is required when schedule_type is "interval"' }];
    if (intervalMinutes(job.interval) < 1) return [{ path: 'interval', message: 'must be at least 1 minute' }];
    return [];
  }
  if (!job.run_at) return [{ path: 'run_at', message: 'is required when schedule_type is "date"' }];
  if (Date.parse(job.run_at) <= now.getTime()) return [{ path: 'run_at', message: 'is in the past' }];
  return [];
}

export function intervalMinutes(interval: NonNullable<JobRequest['interval']>): number {
  const { weeks = 0, days = 0, hours = 0, minutes = 0 } = interval;
  return ((weeks * 7 + days) * 24 + hours) * 60 + minutes;
}

/** The wait before retry number `attempt` (1-based): retry_backoff_sec doubled each time, capped. */
export function backoffSec(retryBackoffSec: number, attempt: number): number {
  return Math.min(JOB_LIMITS.backoffCapSec, retryBackoffSec * 2 ** (attempt - 1));
}

/** The longest one run can take: every attempt timing out, every backoff waited. */
export function worstCaseRunSec(job: Pick<JobRequest, 'timeout_sec' | 'max_retries' | 'retry_backoff_sec'>): number {
  let total = job.timeout_sec * (job.max_retries + 1);
  for (let attempt = 1; attempt <= job.max_retries; attempt += 1) total += backoffSec(job.retry_backoff_sec, attempt);
  return total;
}

export type JobValidation = { ok: true; job: JobRequest } | { ok: false; error: string };

/** Every problem of a request, the first one named by its field: `cron.hour: 25 is out of range 0-23`. */
export function validateJobRequest(
  input: unknown,
  now: Date,
  allowHosts: ReadonlySet<string> = new Set(),
): JobValidation {
  const parsed = jobRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.') || 'body';
    return { ok: false, error: `${path}: ${issue.message}` };
  }
  const job = parsed.data;
  const timezone = canonicalTimeZone(job.timezone);
  // Stored and sent to EventBridge as the time-zone database spells it: "asia/tokyo" becomes "Asia/Tokyo".
  if (timezone) job.timezone = timezone;
  const problems: Problem[] = [
    ...scheduleProblems(job, now),
    ...(timezone ? [] : [{ path: 'timezone', message: `"${job.timezone}" is not an IANA time zone` }]),
    ...[urlProblem(job.target_url, allowHosts)]
      .filter(Boolean)
      .map((message) => ({ path: 'target_url', message: message! })),
    ...headerProblems(job.headers),
  ];
  const worstCase = worstCaseRunSec(job);
  if (worstCase > JOB_LIMITS.runSec) {
    problems.push({
      path: 'timeout_sec',
      message: `with max_retries and backoff one run could take ${worstCase} s, over the caller's limit of ${JOB_LIMITS.runSec} s`,
    });
  }
  if (job.body !== undefined) {
    const size = Buffer.byteLength(typeof job.body === 'string' ? job.body : JSON.stringify(job.body));
    if (size > JOB_LIMITS.bodyBytes) problems.push({ path: 'body', message: `is ${size} bytes; at most 65536` });
  }
  if (problems.length > 0) return { ok: false, error: `${problems[0].path}: ${problems[0].message}` };
  return { ok: true, job };
}
