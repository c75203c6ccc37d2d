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
  /** EventBridge's rate() documents no ceiling; a period over a year is a date or cron job, and stays far from Date's range. */
  intervalMinutes: 365 * 24 * 60,
  /** EventBridge's calendar ends where its cron year field does (1970-2199). */
  runAtBefore: '2200-01-01T00:00:00Z',
  /** Headers the job sends, secret ones included: what common HTTP servers accept (Apache: 100 fields, 8 KiB a line; nginx: 8 KiB a line; Node: 16 KiB in all, the caller's own headers included). */
  headerCount: 50,
  headerBytes: 8 * 1024,
  /** EventBridge Scheduler: ScheduleExpression at most 256 characters, Description (the trigger text) at most 512. */
  expressionChars: 256,
  triggerChars: 512,
} as const;

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Set by the caller itself, or connection control that a job cannot carry over (Expect: makes servers answer 417). */
const RESERVED_HEADER =
  /^(host|content-length|transfer-encoding|connection|keep-alive|proxy-connection|te|trailer|upgrade|expect|x-nightshift-.*)$/i;

/** In `u` mode a well-formed pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Strings DynamoDB, Secrets Manager and JSON all store as given: no unpaired UTF-16 surrogate. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !LONE_SURROGATE.test(value), 'contains an unpaired surrogate (not valid Unicode)');

const cronField = z
  .union([text(64), z.number().int().min(0).max(9999)])
  .transform(String)
  .meta({ description: 'APScheduler syntax: `*`, `*/5`, `1-5`, `1-30/10`, lists, names (`mon-fri`, `jan`), `last`' });
/** APScheduler fields EventBridge Scheduler has no counterpart for. */
const INEXPRESSIBLE_CRON_FIELDS = ['second', 'year', 'week', 'start_date', 'end_date', 'jitter'];

export const cronSchema = z
  .strictObject({
    minute: cronField.optional(),
    hour: cronField.optional(),
    day: cronField.optional(),
    month: cronField.optional(),
    day_of_week: cronField.optional(),
  })
  .meta({ description: 'APScheduler cron fields; omitted ones default as APScheduler does' });

/** Seconds to the millisecond: 2.0 and 1.5 are, 5e-324 is not (nor can DynamoDB store it, below 1e-130). */
const seconds = (min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .refine(
      (value) => Math.abs(value * 1000 - Math.round(value * 1000)) < 1e-6,
      'must be whole milliseconds (3 decimals)',
    );

const intervalUnit = (max: number) => z.number().int().min(0).max(max);
export const intervalSchema = z
  .strictObject({
    weeks: intervalUnit(52).optional(),
    days: intervalUnit(365).optional(),
    hours: intervalUnit(JOB_LIMITS.intervalMinutes / 60).optional(),
    minutes: intervalUnit(JOB_LIMITS.intervalMinutes).optional(),
  })
  .meta({ description: 'Summed; at least 1 minute, at most 365 days' });

const headerName = text(256).meta({ description: 'An HTTP header name' });

export const jobRequestSchema = z
  .strictObject({
    job_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"')
      .optional(),
    replace_existing: z.boolean().default(false),
    name: text(200).optional(),
    schedule_type: z.enum(['cron', 'interval', 'date']),
    cron: cronSchema.optional(),
    interval: intervalSchema.optional(),
    run_at: z.iso
      .datetime({ offset: true, message: 'must be ISO 8601 with an offset' })
      .optional()
      .meta({ description: 'date jobs: ISO 8601 with an offset, in the future, before 2200' }),
    target_url: text(2048),
    method: z.enum(METHODS).default('GET'),
    headers: z
      .record(headerName, text(JOB_LIMITS.headerBytes))
      .default({})
      .meta({ description: 'At most 50 headers, 8 KiB in all (names and values)' }),
    /** Further header names whose values are secret (besides the credential-like names, which always are). */
    secret_headers: z.array(headerName).max(JOB_LIMITS.headerCount).default([]),
    body: z.unknown().optional().meta({ description: 'Any JSON value; a string is sent as is, anything else as JSON' }),
    timeout_sec: seconds(0.001, JOB_LIMITS.timeoutSec).default(10),
    max_retries: z.number().int().min(0).max(JOB_LIMITS.maxRetries).default(3),
    retry_backoff_sec: seconds(0, JOB_LIMITS.retryBackoffSec).default(2),
    misfire_grace_sec: z.number().int().min(1).max(JOB_LIMITS.misfireGraceSec).default(60),
    timezone: text(64).default('Asia/Tokyo'),
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
  return literalAddressProblem(url, allowHosts);
}

function headerProblems(headers: Record<string, string>, secretHeaders: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let bytes = 0;
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
    if (seen.has(name.toLowerCase())) problems.push({ path, message: 'is given twice (header names ignore case)' });
    seen.add(name.toLowerCase());
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  const count = Object.keys(headers).length;
  if (count > JOB_LIMITS.headerCount) {
    problems.push({ path: 'headers', message: `has ${count} headers; at most ${JOB_LIMITS.headerCount}` });
  }
  if (bytes > JOB_LIMITS.headerBytes) {
    problems.push({
      path: 'headers',
      message: `names and values are ${bytes} bytes in all; at most ${JOB_LIMITS.headerBytes}, what HTTP servers accept`,
    });
  }
  for (const [index, name] of secretHeaders.entries()) {
    try {
      validateHeaderName(name);
    } catch {
      problems.push({ path: `secret_headers.${index}`, message: `"${name}" is not a valid HTTP header name` });
    }
  }
  return problems;
}

/** A schedule field that belongs to another schedule_type: refused, so a stored job never carries a schedule it ignores. */
function foreignScheduleFields(job: JobRequest): Problem[] {
  const owner = { cron: 'cron', interval: 'interval', run_at: 'date' } as const;
  return (Object.keys(owner) as (keyof typeof owner)[])
    .filter((field) => job[field] !== undefined && owner[field] !== job.schedule_type)
    .map((field) => ({
      path: field,
      message: `belongs to schedule_type "${owner[field]}", not "${job.schedule_type}"; leave it out`,
    }));
}

function scheduleProblems(job: JobRequest, now: Date): Problem[] {
  if (job.schedule_type === 'cron') {
    if (!job.cron) return [{ path: 'cron', message: 'is required when schedule_type is "cron"' }];
    let translated: ReturnType<typeof translateApsCron>;
    try {
      translated = translateApsCron(job.cron as ApsCronFields);
    } catch (error) {
      if (error instanceof CronFieldError)
        return [{ path: error.field, message: error.message.slice(error.field.length + 2) }];
      throw error;
    }
    if (
      translated.eventBridge.length > JOB_LIMITS.expressionChars ||
      translated.trigger.length > JOB_LIMITS.triggerChars
    ) {
      return [{ path: 'cron', message: 'is too long for EventBridge Scheduler (256 characters of expression)' }];
    }
    // The job monitor's check for expectations: a cron that never fires ({"month": "2", "day": "30"}) is refused.
    if (isTimeZone(job.timezone) && cronScheduleProblem(translated.croner, job.timezone, now)) {
      return [
        { path: 'cron', message: `has no run within the next year (in ${job.timezone}): it would never be called` },
      ];
    }
    return [];
  }
  if (job.schedule_type === 'interval') {
    if (!job.interval) return [{ path: 'interval', message: 'is required when schedule_type is "interval"' }];
    const minutes = intervalMinutes(job.interval);
    if (minutes < 1) return [{ path: 'interval', message: 'must be at least 1 minute' }];
    if (minutes > JOB_LIMITS.intervalMinutes) {
      return [{ path: 'interval', message: `is ${minutes} minutes; at most 365 days (use a cron or date job)` }];
    }
    return [];
  }
  if (!job.run_at) return [{ path: 'run_at', message: 'is required when schedule_type is "date"' }];
  if (Date.parse(job.run_at) <= now.getTime()) return [{ path: 'run_at', message: 'is in the past' }];
  if (Date.parse(job.run_at) >= Date.parse(JOB_LIMITS.runAtBefore)) {
    return [{ path: 'run_at', message: "must be before 2200 (the end of EventBridge Scheduler's calendar)" }];
  }
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

/** The request body as a whole is named `request body`, never `body` (a field of the job). */
const WHOLE_REQUEST = 'request body';

/** A zod issue in the API's words: unknown fields are named one by one. */
function describeIssue(issue: z.core.$ZodIssue): Problem {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0]].join('.');
    const isCron = path.length === 1 && path[0] === 'cron';
    const message =
      isCron && INEXPRESSIBLE_CRON_FIELDS.includes(issue.keys[0])
        ? 'EventBridge Scheduler cannot express this APScheduler field'
        : isCron
          ? 'is not a cron field (use minute, hour, day, month, day_of_week)'
          : path.length === 0
            ? 'is not a field of a job (see POST /jobs in /openapi.json)'
            : 'is not a field here';
    return { path: field, message };
  }
  if (path.length === 0 && issue.code === 'invalid_type') {
    return { path: WHOLE_REQUEST, message: 'must be a JSON object (a job)' };
  }
  return { path: path.join('.') || WHOLE_REQUEST, message: issue.message };
}

/** Every problem of a request, the first one named by its field: `cron.hour: 25 is out of range 0-23`. */
export function validateJobRequest(
  input: unknown,
  now: Date,
  allowHosts: ReadonlySet<string> = new Set(),
): JobValidation {
  const parsed = jobRequestSchema.safeParse(input);
  if (!parsed.success) {
    const problem = describeIssue(parsed.error.issues[0]);
    return { ok: false, error: `${problem.path}: ${problem.message}` };
  }
  const job = parsed.data;
  const timezone = canonicalTimeZone(job.timezone);
  // Stored and sent to EventBridge as the time-zone database spells it: "asia/tokyo" becomes "Asia/Tokyo".
  if (timezone) job.timezone = timezone;
  const problems: Problem[] = [
    ...foreignScheduleFields(job),
    ...scheduleProblems(job, now),
    ...(timezone ? [] : [{ path: 'timezone', message: `"${job.timezone}" is not an IANA time zone` }]),
    ...[urlProblem(job.target_url, allowHosts)]
      .filter(Boolean)
      .map((message) => ({ path: 'target_url', message: message! })),
    ...headerProblems(job.headers, job.secret_headers),
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
