import type { InFlightRun } from '#shared/in-flight-runs';
import type { LatestStatus } from '#shared/job-status-store';
import { RECENT_RUNS_KEPT, type RecentRunTick, SUCCESS_RATE_DAYS } from '#shared/latest-status-update';
import type { JobHealth, JobView, RunKind, RunOutcome, RunTick, RunView } from './job-views';

/**
 * The on-call fields of a job, from its latest-status row alone (the list stays one query): the run in
 * flight, hung marks, the failure streak, the 7-day success rate, the last duration and the recent runs.
 */
export type OnCallFields = Pick<
  JobView,
  | 'health'
  | 'running'
  | 'hung'
  | 'hung_since'
  | 'failing_since'
  | 'consecutive_failures'
  | 'success_rate_7d'
  | 'last_duration_ms'
  | 'recent_runs'
>;

const DAY_MS = 86_400_000;

export function onCallFields(latest: Partial<LatestStatus>, now: Date): OnCallFields {
  const inFlight = latest.inFlight;
  const hungSince = inFlight?.hungSince ?? null;
  const failing = latest.lastStatus === 'error';
  const startedAt = latest.lastStart?.startedAt;
  const duration =
    startedAt && latest.lastFinishedAt ? Date.parse(latest.lastFinishedAt) - Date.parse(startedAt) : Number.NaN;
  const fields: OnCallFields = {
    running: inFlight ? { run_id: inFlight.runId, started_at: inFlight.startedAt, slot: inFlight.slot ?? null } : null,
    hung: hungSince !== null,
    hung_since: hungSince,
    failing_since: failing ? (latest.failingSince ?? latest.lastFinishedAt ?? null) : null,
    consecutive_failures: failing ? Math.max(1, latest.consecutiveFailures ?? 1) : 0,
    success_rate_7d: successRate(latest.runsByDay, now),
    last_duration_ms: Number.isFinite(duration) && duration >= 0 ? duration : null,
    recent_runs: recentRuns(latest.recentRuns ?? [], inFlight, now),
  };
  return { ...fields, health: healthOf(latest, fields) };
}

/** Most urgent first: error > hung > late > running > success > not_yet_run. */
function healthOf(latest: Partial<LatestStatus>, fields: OnCallFields): JobHealth {
  if (latest.lastStatus === 'error') return 'error';
  if (fields.hung) return 'hung';
  if (latest.late) return 'late';
  if (fields.running) return 'running';
  return latest.lastStatus === 'success' ? 'success' : 'not_yet_run';
}

/** Successful share of the runs counted on the last SUCCESS_RATE_DAYS UTC days (today included). */
function successRate(byDay: LatestStatus['runsByDay'], now: Date): number | null {
  const first = new Date(now.getTime() - (SUCCESS_RATE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  let runs = 0;
  let fails = 0;
  for (const [day, counts] of Object.entries(byDay ?? {})) {
    if (day < first) continue;
    runs += counts.runs;
    fails += counts.fails;
  }
  return runs === 0 ? null : Math.round(((runs - fails) / runs) * 1000) / 1000;
}

const inFlightOutcome = (run: InFlightRun): RunOutcome => (run.hungSince ? 'hung' : 'running');

function recentRuns(ticks: readonly RecentRunTick[], inFlight: InFlightRun | undefined, now: Date): RunTick[] {
  const since = new Date(now.getTime() - SUCCESS_RATE_DAYS * DAY_MS).toISOString();
  const runs: RunTick[] = [];
  if (inFlight) {
    runs.push({
      run_id: inFlight.runId,
      status: inFlightOutcome(inFlight),
      started_at: inFlight.startedAt,
      finished_at: null,
      duration_ms: null,
      message: null,
      slot: inFlight.slot ?? null,
      kind: (inFlight.kind as RunKind | undefined) ?? 'report',
    });
  }
  for (const tick of ticks.slice(0, RECENT_RUNS_KEPT)) {
    if (tick.f < since) break;
    runs.push({
      run_id: tick.r,
      status: tick.s as RunOutcome,
      started_at: tick.t ?? null,
      finished_at: tick.f,
      duration_ms: tick.d ?? null,
      message: tick.m ?? null,
      slot: tick.sl ?? null,
      kind: (tick.k as RunKind | undefined) ?? 'report',
    });
  }
  return runs;
}

/** The run in flight as the first entry of the job's history (GET …/runs), until its report arrives. */
export function inFlightRunView(latest: LatestStatus): RunView | undefined {
  const run = latest.inFlight;
  if (!run) return undefined;
  return {
    run_id: run.runId,
    title: latest.title,
    status: 'running',
    finished_at: null,
    started_at: run.startedAt,
    duration_ms: null,
    message: null,
    tool_id: null,
    source: run.kind === 'report' ? 'report' : 'runner',
    received_at: run.startedAt,
    slot: run.slot ?? null,
    kind: (run.kind as RunKind | undefined) ?? 'report',
    outcome: inFlightOutcome(run),
  };
}
