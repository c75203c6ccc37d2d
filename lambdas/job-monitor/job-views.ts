import type { Expectation } from '#shared/expectation-store';
import { hasReported, type LatestStatus, type RunKind, type RunRecord } from '#shared/job-status-store';
import { onCallFields } from './run-health';

/** What the read API returns (snake_case, like the TC Portal's job_status columns) and the page shows. */
export interface ExpectationView {
  crons: string[];
  every_minutes: number | null;
  timezone: string;
  grace_minutes: number;
  title: string | null;
  source: 'api' | 'registry';
  created_at: string;
  /** Why the watchdog cannot evaluate it (the job is not being watched); null when it can. */
  problem: string | null;
  /** A run in flight longer than this is hung; null: never. */
  max_runtime_minutes?: number | null;
  /** Only on a one-shot expectation (an HTTP scheduler `date` job, crons empty): its one run's time, ISO UTC. */
  run_once_at?: string;
}

export interface JobView {
  job_key: string;
  /** The status row's stable id (the TC Portal's job_status.id); null while the job has never reported (a run may be in flight). */
  id: string | null;
  title: string;
  /** null: never reported a finished run (expected, or its first run is in flight: see `running`). */
  status: 'success' | 'error' | null;
  finished_at: string | null;
  message: string | null;
  tool_id: string | null;
  late: boolean;
  late_since: string | null;
  /** When the last report that moved the status arrived (server clock). */
  reported_at: string | null;
  expectation: ExpectationView | null;
  // --- The on-call view (filled by the status/lifecycle work; optional until then). Add fields, never rename. ---
  /** What the page shows, most urgent first: error > hung > late > running > success > not_yet_run; muted overrides for display only. */
  health?: JobHealth;
  /** The run in flight (started, not finished), if any. */
  running?: { run_id: string; started_at: string; slot: string | null } | null;
  hung?: boolean;
  hung_since?: string | null;
  muted?: { until: string; reason: string } | null;
  tags?: string[];
  owner?: string | null;
  /** Start of the current unbroken run of failures (the first failing run's finished_at); null when not failing. */
  failing_since?: string | null;
  consecutive_failures?: number;
  /** Successful share of finished runs over the last 7 days, 0..1; null without runs. */
  success_rate_7d?: number | null;
  last_duration_ms?: number | null;
  next_expected_run?: string | null;
  /** A run started and not finished within this many minutes is hung; built-in jobs: the registry's timeout. */
  max_runtime_minutes?: number | null;
  /** The newest runs (newest first, within the last 7 days, bounded) for the page's timeline and sparkline. */
  recent_runs?: RunTick[];
}

export type JobHealth = 'error' | 'hung' | 'late' | 'running' | 'success' | 'not_yet_run';

/** What the page needs of one run to draw a tick or a sparkline point. */
export interface RunTick {
  run_id: string;
  status: RunOutcome;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  message: string | null;
  slot: string | null;
  kind: RunKind;
}

/** A run's outcome as the history shows it; 'late'/'missed' are slots that never ran. */
export type RunOutcome = 'success' | 'error' | 'running' | 'hung' | 'skipped' | 'missed' | 'late';

/** Why the run happened (#shared/job-status-store): a dry run never moves a job's status, an older slot's run neither. */
export type { RunKind } from '#shared/job-status-store';

export interface JobCounts {
  total: number;
  success: number;
  error: number;
  late: number;
  never_reported: number;
}

export interface RunView {
  run_id: string;
  title: string;
  /** 'running' only for the run in flight, listed first on the first page of a job's runs. */
  status: 'success' | 'error' | 'running';
  /** null while the run is in flight. */
  finished_at: string | null;
  started_at: string | null;
  duration_ms: number | null;
  message: string | null;
  tool_id: string | null;
  source: 'report' | 'runner';
  received_at: string;
  // --- Added for the on-call view; optional until filled. ---
  /** The scheduled time this run is for (built-in and HTTP jobs); null for outside reports. */
  slot?: string | null;
  kind?: RunKind;
  /** Wider than status: 'running' while in flight, 'hung' past max runtime, 'skipped'/'missed' for slots that did not run. */
  outcome?: RunOutcome;
}

/** A job known only by its key: never reported, no expectation stored. */
export function unknownJobView(jobKey: string, title: string = jobKey): JobView {
  return {
    job_key: jobKey,
    id: null,
    title,
    status: null,
    finished_at: null,
    message: null,
    tool_id: null,
    late: false,
    late_since: null,
    reported_at: null,
    expectation: null,
  };
}

export function toExpectationView(expectation: Expectation): ExpectationView {
  return {
    crons: expectation.crons,
    every_minutes: expectation.everyMinutes ?? null,
    timezone: expectation.timezone,
    grace_minutes: expectation.graceMinutes,
    title: expectation.title ?? null,
    source: expectation.source,
    created_at: expectation.createdAt,
    problem: expectation.problem ?? null,
    max_runtime_minutes: expectation.maxRuntimeMinutes ?? null,
    // Absent, not null, on every other expectation: the expectation API's answers stay as they were.
    ...(expectation.runOnceAt !== undefined ? { run_once_at: expectation.runOnceAt } : {}),
  };
}

/**
 * A job from its latest-status row. A row with a start and no finished run yet (its first run is running:
 * a job-start, the runner's or the caller's start) shows as a job that never reported (no id, status,
 * finished_at or reported_at; a start is no report) with the run in flight: `health` running or hung. Its
 * lateness is the expectation's never-reported mark, as the watchdog sets it (watch-expectations.ts), and its
 * title the start's, else the expectation's.
 */
export function fromLatest(
  latest: LatestStatus,
  expectation: Expectation | undefined,
  now: Date = new Date(),
): JobView {
  const finished = hasReported(latest);
  const late = finished ? latest.late === true : expectation?.lateSince !== undefined;
  const lateSince = finished ? latest.lateSince : expectation?.lateSince;
  const untitledStart = !finished && latest.title === latest.jobKey;
  return {
    job_key: latest.jobKey,
    id: finished ? latest.id : null,
    title: untitledStart ? (expectation?.title ?? latest.title) : latest.title,
    status: latest.lastStatus ?? null,
    finished_at: latest.lastFinishedAt ?? null,
    message: latest.lastMessage,
    tool_id: latest.toolId,
    late,
    late_since: late ? (lateSince ?? null) : null,
    reported_at: latest.lastReceivedAt ?? latest.updatedAt ?? null,
    expectation: expectation ? toExpectationView(expectation) : null,
    max_runtime_minutes: expectation?.maxRuntimeMinutes ?? null,
    ...onCallFields({ ...latest, late }, now),
  };
}

function fromExpectationOnly(expectation: Expectation): JobView {
  return {
    job_key: expectation.jobKey,
    id: null,
    title: expectation.title ?? expectation.jobKey,
    status: null,
    finished_at: null,
    message: null,
    tool_id: null,
    late: expectation.lateSince !== undefined,
    late_since: expectation.lateSince ?? null,
    reported_at: null,
    expectation: toExpectationView(expectation),
    health: expectation.lateSince !== undefined ? 'late' : 'not_yet_run',
    max_runtime_minutes: expectation.maxRuntimeMinutes ?? null,
  };
}

/** Errors first, then hung and late jobs (and jobs the watchdog cannot watch), then everything else. */
export function urgency(job: JobView): number {
  if (job.status === 'error') return 0;
  if (job.hung || job.late || job.expectation?.problem) return 1;
  return 2;
}

export function compareJobs(a: JobView, b: JobView): number {
  return (
    urgency(a) - urgency(b) ||
    // ISO UTC strings sort as time; never-reported jobs (null) go last in their group.
    (b.finished_at ?? '').localeCompare(a.finished_at ?? '') ||
    // Code-unit order, not locale order: page cursors (job-pages.ts) compare job_keys the same way.
    (a.job_key < b.job_key ? -1 : a.job_key > b.job_key ? 1 : 0)
  );
}

/** Every job that reported or is expected to, in the order people should look at them. */
export function buildJobViews(
  latest: readonly LatestStatus[],
  expectations: readonly Expectation[],
  now: Date = new Date(),
): JobView[] {
  const byJob = new Map(expectations.map((expectation) => [expectation.jobKey, expectation]));
  const reported = new Set(latest.map((status) => status.jobKey));
  const views = [
    ...latest.map((status) => fromLatest(status, byJob.get(status.jobKey), now)),
    ...expectations.filter((expectation) => !reported.has(expectation.jobKey)).map(fromExpectationOnly),
  ];
  return views.sort(compareJobs);
}

export function countJobs(views: readonly JobView[]): JobCounts {
  return {
    total: views.length,
    success: views.filter((job) => job.status === 'success').length,
    error: views.filter((job) => job.status === 'error').length,
    late: views.filter((job) => job.late).length,
    never_reported: views.filter((job) => job.status === null).length,
  };
}

export function toRunView(run: RunRecord): RunView {
  return {
    run_id: run.runId,
    title: run.title,
    status: run.status,
    finished_at: run.finishedAt,
    started_at: run.startedAt ?? null,
    duration_ms: run.durationMs ?? null,
    message: run.message,
    tool_id: run.toolId,
    source: run.source,
    received_at: run.receivedAt,
    slot: run.slot ?? null,
    kind: run.kind ?? (run.source === 'report' ? 'report' : 'scheduled'),
    outcome: run.status,
  };
}
