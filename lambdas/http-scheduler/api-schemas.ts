import { z } from 'zod';
import { errorSchema, type RouteDocs } from '#shared/http/openapi';
import { jobRequestSchema } from './job-request';

/** The scheduler API's response shapes and each route's documentation, in one place. */

const jobId = z.string().meta({ example: 'a2f7c0b1-1e77-4b07-8c2b-6e5f9b2b8c3a' });

export const createdSchema = z.object({
  job_id: jobId,
  status: z.literal('scheduled'),
  next_run_time: z.string().nullable(),
  trigger: z.string(),
  signing_secret: z.string().meta({ description: 'Shown only here: the key of X-Nightshift-Signature' }),
});

export const jobViewSchema = z.object({
  job_id: jobId,
  name: z.string().nullable(),
  status: z.enum(['scheduled', 'paused', 'completed']),
  next_run_time: z
    .string()
    .nullable()
    .meta({ description: "ISO 8601 in the job's time zone; null when paused or done" }),
  trigger: z.string().meta({ example: "cron[hour='10', minute='30']" }),
  schedule_type: z.enum(['cron', 'interval', 'date']),
  cron: z
    .object({
      minute: z.string(),
      hour: z.string(),
      day: z.string(),
      month: z.string(),
      day_of_week: z.string(),
    })
    .partial()
    .optional(),
  interval: z
    .object({ weeks: z.number(), days: z.number(), hours: z.number(), minutes: z.number() })
    .partial()
    .optional(),
  run_at: z.string().optional(),
  target_url: z.string(),
  method: z.string(),
  headers: z
    .record(z.string(), z.string())
    .meta({ description: 'Values of credential-like names and of secret_headers are masked as ********' }),
  secret_headers: z.array(z.string()).optional(),
  body: z.unknown().optional(),
  timeout_sec: z.number(),
  max_retries: z.number(),
  retry_backoff_sec: z.number(),
  misfire_grace_sec: z.number(),
  timezone: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const jobListSchema = z.object({ jobs: z.array(jobViewSchema) });

export const statusSchema = (status: string) => z.object({ job_id: jobId, status: z.literal(status) });

export const runViewSchema = z.object({
  run_id: z.string(),
  status: z.enum(['success', 'error', 'skipped', 'missed']),
  trigger: z.enum(['schedule', 'manual']),
  scheduled_time: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number(),
  attempts: z.number(),
  http_status: z.number().nullable(),
  error: z.string().nullable(),
  response_snippet: z.string().nullable(),
});

export const runsPageSchema = z.object({
  job_id: jobId,
  runs: z.array(runViewSchema),
  next_cursor: z.string().nullable(),
});

export const runStartedSchema = z.object({ job_id: jobId, run_id: z.string(), status: z.literal('started') });

/**
 * The documented examples: what Swagger UI's "Try it out" fills in, so each request succeeds as
 * it stands against `npm start` (test/integration/local-api-examples.test.ts submits them all, in
 * the document's order with the deletes last). The POST example creates the job the others name.
 */
export const EXAMPLE_JOB_ID = 'hello';
/** On AWS (no echo target): a public URL, which the outbound guard lets through. */
export const DEFAULT_EXAMPLE_TARGET_URL = 'https://example.com/';

/** A recurring job, so the example never goes stale the way a date job's run_at would. */
export function exampleJobRequest(targetUrl: string) {
  return {
    job_id: EXAMPLE_JOB_ID,
    replace_existing: true,
    name: 'daily report (example)',
    schedule_type: 'cron',
    cron: { hour: '10', minute: '30' },
    target_url: targetUrl,
    method: 'POST',
    headers: { 'X-Report-Kind': 'daily' },
    body: { report: 'daily', projectId: 123 },
    max_retries: 2,
    retry_backoff_sec: 2,
    timezone: 'Asia/Tokyo',
  };
}

const idParams = z.object({
  job_id: z.string().meta({ description: 'The job_id given at creation (or generated)', example: EXAMPLE_JOB_ID }),
});
export const runsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ example: 20 }),
  cursor: z.string().optional(),
});

const error = (description: string) => ({ description, schema: errorSchema });
/** API Gateway's own answer (and local mode's) to a request body over 10 MB: not the API's error shape. */
const tooLarge = {
  description: 'Request body over 10 MB, refused before the API sees it',
  schema: z.object({ message: z.literal('Request Entity Too Large') }),
};
const common = {
  401: error('Missing or wrong admin token'),
  404: error('No job with this id'),
  500: error('Unexpected failure (logged with the request id); bad input never answers 500'),
};
const scheduleFailed = error('EventBridge Scheduler refused or failed the schedule change; the job is unchanged');
const changedMeanwhile = error('Another request changed this job meanwhile; nothing was changed (read it and retry)');
const docs = (summary: string, rest: Omit<RouteDocs, 'summary' | 'tag' | 'security'>): RouteDocs => ({
  summary,
  tag: 'HTTP job scheduler',
  security: 'adminBearer',
  ...rest,
});

/** Every route's documentation; `exampleTargetUrl` is what the POST /jobs example calls (local mode: its echo target). */
export const schedulerDocs = (exampleTargetUrl: string = DEFAULT_EXAMPLE_TARGET_URL) => ({
  create: docs('Create (or with replace_existing, replace) a job', {
    body: jobRequestSchema.meta({ examples: [exampleJobRequest(exampleTargetUrl)] }),
    responses: {
      201: { description: 'Scheduled', schema: createdSchema },
      400: error(
        'Bad input: the message names the field (`cron.hour: ...`), an unknown field, or `request body` for the body as a whole',
      ),
      401: common[401],
      409: error('job_id exists and replace_existing is not true, or another request changed it meanwhile'),
      413: tooLarge,
      500: common[500],
      502: error('EventBridge Scheduler refused or failed the schedule; nothing was stored (or the job is unchanged)'),
    },
  }),
  list: docs('Every job with its next run time', {
    responses: { 200: { description: 'Jobs', schema: jobListSchema }, 401: common[401], 500: common[500] },
  }),
  get: docs('One job', {
    params: idParams,
    responses: { 200: { description: 'The job', schema: jobViewSchema }, ...common },
  }),
  delete: docs('Delete a job, its schedule, its secret and its status', {
    params: idParams,
    responses: {
      200: { description: 'Deleted', schema: statusSchema('deleted') },
      ...common,
      409: changedMeanwhile,
      502: scheduleFailed,
    },
  }),
  pause: docs('Pause a job (its schedule is disabled)', {
    params: idParams,
    responses: {
      200: { description: 'Paused', schema: statusSchema('paused') },
      ...common,
      409: error('Already paused, or completed, or changed by another request meanwhile'),
      502: scheduleFailed,
    },
  }),
  resume: docs('Resume a paused job', {
    params: idParams,
    responses: {
      200: { description: 'Resumed', schema: statusSchema('resumed') },
      ...common,
      409: error('Not paused, or changed by another request meanwhile'),
      502: scheduleFailed,
    },
  }),
  run: docs('Run a job now, outside its schedule', {
    params: idParams,
    responses: {
      202: { description: 'Started; see its runs', schema: runStartedSchema },
      ...common,
      502: error('The caller could not be invoked; no run was started'),
    },
  }),
  runs: docs("A job's run history, newest first", {
    params: idParams,
    query: runsQuerySchema,
    responses: {
      200: { description: 'One page of runs', schema: runsPageSchema },
      400: error('Bad limit or cursor'),
      ...common,
    },
  }),
});
