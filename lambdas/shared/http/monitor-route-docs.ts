import { z } from 'zod';
import { type DocumentedRoute, errorSchema, type RouteDocs } from './openapi';
import type { Route } from './router';

/**
 * The job monitor API's request and response shapes, for the one OpenAPI document of the HTTP API.
 * They live in the kit because the document is served by the HTTP scheduler's function; the job
 * monitor's own bundle never loads them (zod stays out of it).
 */

const expectationView = z.object({
  crons: z.array(z.string()),
  every_minutes: z.number().nullable(),
  timezone: z.string(),
  grace_minutes: z.number(),
  title: z.string().nullable(),
  source: z.enum(['api', 'registry']),
  created_at: z.string(),
  run_once_at: z
    .string()
    .optional()
    .meta({ description: "A one-shot HTTP job's (schedule_type date) one run, ISO UTC; absent on other expectations" }),
});
const jobView = z.object({
  job_key: z.string(),
  id: z.string().nullable(),
  title: z.string(),
  status: z.enum(['success', 'error']).nullable(),
  finished_at: z.string().nullable(),
  message: z.string().nullable(),
  tool_id: z.string().nullable(),
  late: z.boolean(),
  late_since: z.string().nullable(),
  reported_at: z.string().nullable(),
  expectation: expectationView.nullable(),
  muted: z.object({ until: z.string(), reason: z.string() }).nullable().optional(),
  next_expected_run: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
  owner: z.string().nullable().optional(),
  health: z.enum(['error', 'hung', 'late', 'running', 'success', 'not_yet_run']).optional(),
  running: z.object({ run_id: z.string(), started_at: z.string(), slot: z.string().nullable() }).nullable().optional(),
  hung: z.boolean().optional(),
  hung_since: z.string().nullable().optional(),
  failing_since: z.string().nullable().optional(),
  consecutive_failures: z.number().optional(),
  success_rate_7d: z.number().nullable().optional(),
  last_duration_ms: z.number().nullable().optional(),
  recent_runs: z.array(z.record(z.string(), z.unknown())).optional(),
});
const runKind = z.enum(['scheduled', 'rerun', 'backfill', 'dry-run', 'manual', 'report']);
const runView = z.object({
  run_id: z.string(),
  title: z.string(),
  status: z
    .enum(['success', 'error', 'running'])
    .meta({ description: "'running': the run in flight, first on page one" }),
  finished_at: z.string().nullable(),
  started_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  message: z.string().nullable(),
  tool_id: z.string().nullable(),
  source: z.enum(['report', 'runner']),
  received_at: z.string(),
  slot: z
    .string()
    .nullable()
    .optional()
    .meta({ description: 'The scheduled time the run was for (built-in and HTTP jobs)' }),
  kind: runKind.optional(),
  outcome: z.enum(['success', 'error', 'running', 'hung', 'skipped', 'missed', 'late']).optional(),
});
/** A job_key with an example that exists under `npm start` (its demo data), so "Try it out" succeeds as is. */
const jobKeyExample = (example: string) => z.object({ job_key: z.string().meta({ example }) });
const error = (description: string) => ({ description, schema: errorSchema });
const tag = 'Job monitor';

/**
 * Examples Swagger UI's "Try it out" fills in; each must succeed as it stands against `npm start`:
 * test/integration/local-api-examples.test.ts submits every operation in the document's order with
 * the deletes last, then the non-deletes again. `minpaku-in-report` is local mode's demo job
 * (local/demo-data.ts: reports and an expectation), which the reads name; a delete names something
 * an earlier example creates (the expectation example sets, then deletes, one of its own) or demo
 * data of its own, never what the reads need.
 */
export const MONITOR_EXAMPLES = {
  reportedJob: 'minpaku-in-report',
  expectationJob: 'nightly-backup',
  report: {
    job_key: 'minpaku-in-report',
    title: 'minpaku-IN レポート作成',
    status: 'success',
    finished_at: '2025-08-11T09:15:00+09:00',
    message: '12 files written',
  },
  expectation: { cron: '0 3 * * *', timezone: 'Asia/Tokyo', grace_minutes: 30, title: '夜間バックアップ' },
  /** A retired job of the demo data (local/demo-data.ts), which only the delete example names. */
  retiredJob: 'legacy-export',
  /** The demo data's failing job: muting it (for two hours, a duration never goes stale) and unmuting it both succeed again. */
  mutedJob: 'sales-import',
  mute: { until: 'PT2H', reason: '取引先のFTPサーバー移行中' },
  /** Without started_at: a fixed one would mark nothing once the job has a later finished run. */
  start: { job_key: 'nightly-backup', title: '夜間バックアップ' },
} as const;

const MONITOR_DOCS = {
  report: {
    summary: 'Report a run of a job (TC Portal contract)',
    tag,
    security: 'webhookSecret',
    body: z
      .object({
        job_key: z.string(),
        title: z.string(),
        status: z.enum(['success', 'error']),
        finished_at: z.string().meta({ description: 'ISO 8601' }),
        tool_id: z.string().nullable().optional(),
        message: z.string().nullable().optional(),
        tags: z
          .array(z.string())
          .optional()
          .meta({ description: "Up to 10, each 1-32 characters of a-z 0-9 - _ . : (not in the TC Portal's contract)" }),
        owner: z.string().nullable().optional().meta({ description: 'Whom to call, up to 100 characters' }),
      })
      .meta({ examples: [MONITOR_EXAMPLES.report] }),
    responses: {
      200: {
        description: 'Stored',
        schema: z.object({ success: z.literal(true), id: z.string(), job_key: z.string() }),
      },
      400: error('Bad report'),
      401: error('Invalid or missing webhook secret'),
    },
  },
  start: {
    summary: 'Report that a run of a job started (its next job-report closes it and gets a duration)',
    tag,
    security: 'webhookSecret',
    body: z
      .object({
        job_key: z.string(),
        title: z.string().optional(),
        started_at: z.string().optional().meta({ description: 'ISO 8601; default: when the request arrives' }),
      })
      .meta({ examples: [MONITOR_EXAMPLES.start] }),
    responses: {
      200: {
        description: 'Stored: the job shows running until its next report',
        schema: z.object({ success: z.literal(true), job_key: z.string(), run_id: z.string() }),
      },
      400: error('Bad start (the message names the field)'),
      401: error('Invalid or missing webhook secret'),
    },
  },
  jobs: {
    summary: 'Every job: errors first, then late, then by time',
    tag,
    security: 'readToken',
    query: z.object({
      status: z.enum(['error', 'late', 'hung', 'running', 'muted']).optional(),
      tag: z.string().optional().meta({ description: 'Only jobs carrying this tag' }),
      q: z.string().optional().meta({ description: 'Job key or title containing this text (any case)' }),
      limit: z.number().int().min(1).max(500).optional(),
      cursor: z.string().optional(),
    }),
    responses: {
      200: {
        description: 'Jobs',
        schema: z.object({
          jobs: z.array(jobView),
          counts: z.record(z.string(), z.number()),
          generated_at: z.string(),
        }),
      },
      400: error('Bad status, tag, q, limit or cursor'),
      401: error('Missing or wrong read token'),
    },
  },
  runs: {
    summary: "One job's reported runs, newest first",
    tag,
    security: 'readToken',
    params: jobKeyExample(MONITOR_EXAMPLES.reportedJob),
    query: z.object({
      limit: z.number().int().min(1).max(100).optional().meta({ example: 20 }),
      cursor: z.string().optional(),
    }),
    responses: {
      200: {
        description: 'One page',
        schema: z.object({ job_key: z.string(), runs: z.array(runView), next_cursor: z.string().nullable() }),
      },
      400: error('Bad limit or cursor'),
      404: error('No reports for this job_key'),
    },
  },
  getExpectation: {
    summary: "A job's expectation (when it should report)",
    tag,
    security: 'readToken',
    params: jobKeyExample(MONITOR_EXAMPLES.reportedJob),
    responses: {
      200: { description: 'The expectation', schema: z.object({ job_key: z.string(), expectation: expectationView }) },
      404: error('No expectation'),
    },
  },
  putExpectation: {
    summary: "Set a job's expectation",
    tag,
    security: 'webhookSecret',
    params: jobKeyExample(MONITOR_EXAMPLES.expectationJob),
    body: z
      .object({
        cron: z.string().optional(),
        every_minutes: z.number().int().optional(),
        timezone: z.string().optional(),
        grace_minutes: z.number().int().optional(),
        title: z.string().optional(),
        tags: z.array(z.string()).optional().meta({ description: 'As on reports; they win over the reports' }),
        owner: z.string().nullable().optional(),
      })
      .meta({ examples: [MONITOR_EXAMPLES.expectation] }),
    responses: {
      200: {
        description: 'Stored',
        schema: z.object({ success: z.literal(true), job_key: z.string(), expectation: expectationView }),
      },
      400: error('Bad expectation'),
    },
  },
  deleteExpectation: {
    summary: "Delete a job's expectation",
    tag,
    security: 'webhookSecret',
    params: jobKeyExample(MONITOR_EXAMPLES.expectationJob),
    responses: {
      200: {
        description: 'Deleted',
        schema: z.object({ success: z.literal(true), job_key: z.string(), deleted: z.literal(true) }),
      },
      404: error('No expectation'),
    },
  },
  deleteJob: {
    summary:
      'Delete a job: its status, history, expectation and mute leave the monitor (a later report starts it afresh)',
    tag,
    security: 'webhookSecret',
    params: jobKeyExample(MONITOR_EXAMPLES.retiredJob),
    responses: {
      200: {
        description: 'Deleted',
        schema: z.object({
          success: z.literal(true),
          job_key: z.string(),
          deleted: z.literal(true),
          history_deleted: z.number(),
        }),
      },
      202: {
        description: 'The history was too long to delete in one request: send the same DELETE again',
        schema: z.object({
          success: z.literal(false),
          job_key: z.string(),
          deleted: z.literal(false),
          history_deleted: z.number(),
          message: z.string(),
        }),
      },
      400: error('Bad job_key'),
      401: error('Invalid or missing webhook secret'),
      404: error('No such job'),
      409: error('Reports kept arriving while the job was being deleted: try again'),
    },
  },
  muteJob: {
    summary: 'Mute a job until a time: its runs are still recorded, its errors and lateness alarm no one',
    tag,
    security: 'webhookSecret',
    params: jobKeyExample(MONITOR_EXAMPLES.mutedJob),
    body: z
      .object({
        until: z.string().meta({
          description:
            'ISO 8601 time (e.g. 2026-12-03T09:00:00+09:00) or ISO 8601 duration from now (PT2H, P1D); in the future, at most 30 days ahead',
          example: MONITOR_EXAMPLES.mute.until,
        }),
        reason: z.string().meta({
          description: 'Why (at most 200 characters), shown on the page',
          example: MONITOR_EXAMPLES.mute.reason,
        }),
      })
      .meta({ examples: [MONITOR_EXAMPLES.mute] }),
    responses: {
      200: {
        description: 'Muted',
        schema: z.object({
          success: z.literal(true),
          job_key: z.string(),
          muted: z.object({ until: z.string(), reason: z.string() }),
        }),
      },
      400: error('Bad until or reason'),
      401: error('Invalid or missing webhook secret'),
      404: error('No such job'),
    },
  },
  unmuteJob: {
    summary: 'Unmute a job: its current error or lateness alarms at once (succeeds for a job that is not muted)',
    tag,
    security: 'webhookSecret',
    params: jobKeyExample(MONITOR_EXAMPLES.mutedJob),
    responses: {
      200: {
        description: 'Not muted (any more)',
        schema: z.object({
          success: z.literal(true),
          job_key: z.string(),
          muted: z.null(),
          was_muted: z.boolean(),
        }),
      },
      400: error('Bad job_key'),
      401: error('Invalid or missing webhook secret'),
      404: error('No such job'),
    },
  },
  incidents: {
    summary: 'The status page (HTML; browsers log in with the read token as Basic password)',
    tag,
    security: 'readToken',
    responses: { 200: { description: 'The page', schema: z.string(), contentType: 'text/html' } },
  },
  jobPage: {
    summary: 'One job’s page (HTML): its history paged, durations, runbook sections and commands',
    tag,
    security: 'readToken',
    params: jobKeyExample(MONITOR_EXAMPLES.reportedJob),
    responses: {
      200: { description: 'The page', schema: z.string(), contentType: 'text/html' },
      404: { description: 'No report, run or expectation of that job', schema: z.string(), contentType: 'text/html' },
    },
  },
} satisfies Record<string, RouteDocs>;

const jobPath = '/api/monitor/jobs/{job_key}';
const expectationPath = `${jobPath}/expectation`;
/** Keyed by `METHOD path`, as the route table declares them. */
const BY_ROUTE: Record<string, RouteDocs> = {
  'POST /api/monitor/job-report': MONITOR_DOCS.report,
  'POST /api/monitor/job-start': MONITOR_DOCS.start,
  'GET /api/monitor/jobs': MONITOR_DOCS.jobs,
  'GET /api/monitor/jobs/{job_key}/runs': MONITOR_DOCS.runs,
  [`GET ${expectationPath}`]: MONITOR_DOCS.getExpectation,
  [`PUT ${expectationPath}`]: MONITOR_DOCS.putExpectation,
  [`DELETE ${expectationPath}`]: MONITOR_DOCS.deleteExpectation,
  [`DELETE ${jobPath}`]: MONITOR_DOCS.deleteJob,
  [`POST ${jobPath}/mute`]: MONITOR_DOCS.muteJob,
  [`DELETE ${jobPath}/mute`]: MONITOR_DOCS.unmuteJob,
  'GET /incidents': MONITOR_DOCS.incidents,
  'GET /incidents/jobs/{job_key}': MONITOR_DOCS.jobPage,
};

/** The route table with each route's schemas attached (a route without docs stays undocumented, and a test says so). */
export function withMonitorDocs(routes: Route[]): Route[] {
  return routes.map((route) => ({ ...route, docs: route.docs ?? BY_ROUTE[`${route.method} ${route.path}`] }));
}

/** The monitor routes as the OpenAPI document lists them, without building the API. */
export const MONITOR_ROUTE_DOCS: DocumentedRoute[] = Object.entries(BY_ROUTE).map(([key, docs]) => {
  const [method, path] = key.split(' ');
  return { method, path, docs };
});
