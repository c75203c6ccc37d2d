import type { JobHealth, JobView, RunTick, RunView } from './job-views';

/** How the pages read a JobView: its health, its title in the page's language, its runs as ticks. */

export const HEALTH_LABELS: Record<JobHealth, string> = {
  error: 'エラー',
  hung: '実行超過',
  late: '遅延',
  running: '実行中',
  success: '正常',
  not_yet_run: '未実行',
};

/** The view's health when the status work filled it; else what the older fields say, most urgent first. */
export function healthOf(job: JobView): JobHealth {
  if (job.health) return job.health;
  if (job.status === 'error') return 'error';
  if (job.hung) return 'hung';
  if (job.late) return 'late';
  if (job.running) return 'running';
  if (job.status === null) return 'not_yet_run';
  return 'success';
}

/** Errors, hung and late jobs, and jobs whose expectation cannot be evaluated, go under 要対応. */
export function needsAction(job: JobView): boolean {
  const health = healthOf(job);
  return health === 'error' || health === 'hung' || health === 'late' || job.expectation?.problem != null;
}

/**
 * A registry job's title is its expectation's (the registry's Japanese display title, lib/jobs.ts);
 * the runs a job records carry the code's title. Outside jobs keep what they report.
 */
export function displayTitle(job: JobView): string {
  return job.expectation?.source === 'registry' && job.expectation.title ? job.expectation.title : job.title;
}

/** A run of the history as a tick. */
export function tickOfRun(run: RunView): RunTick {
  return {
    run_id: run.run_id,
    status: run.outcome ?? run.status,
    started_at: run.started_at,
    finished_at: run.finished_at,
    duration_ms: run.duration_ms,
    message: run.message,
    slot: run.slot ?? null,
    kind: run.kind ?? (run.source === 'report' ? 'report' : 'scheduled'),
  };
}

/**
 * The job's recent runs, newest first. The history read for the page (messages, a whole day of runs)
 * wins; the view's own recent runs add what the history has not got: the run in flight.
 */
export function recentTicks(job: JobView, history: readonly RunView[] | undefined): readonly RunTick[] {
  if (history === undefined) return job.recent_runs ?? [];
  const fromHistory = history.map(tickOfRun);
  const known = new Set(fromHistory.map((tick) => tick.run_id));
  const unfinished = (job.recent_runs ?? []).filter((tick) => tick.finished_at === null && !known.has(tick.run_id));
  return [...unfinished, ...fromHistory];
}
