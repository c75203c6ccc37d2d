import { buildJobViews, countJobs, type JobView, unknownJobView } from '../lambdas/job-monitor/job-views';
import type { OpsContext } from './ops-context';
import { formatInstant } from './ops-time';
import { renderTable } from './text-table';

/**
 * `status`: every registry job and outside reporter with its last result, from the job-status
 * table, in the status page's order (errors first, then late jobs, then the rest).
 */
export async function showStatus(ctx: OpsContext): Promise<number> {
  const store = ctx.backend.statusStore();
  const [latest, expectations, mutes] = await Promise.all([
    store.listLatest(),
    store.expectations.list(),
    ctx.backend.monitorEntries().mutes.activeAt(ctx.io.now()),
  ]).catch((error: unknown) => {
    throw ctx.backend.explain(error, `job-status table ${ctx.backend.statusTable}`);
  });
  const views = buildJobViews(latest, expectations).map((view) => {
    const mute = mutes.get(view.job_key);
    return mute ? { ...view, muted: { until: mute.until, reason: mute.reason } } : view;
  });
  const listed = new Set(views.map((view) => view.job_key));
  for (const job of ctx.jobs) if (!listed.has(job.id)) views.push(unknownJobView(job.id, job.title)); // neither reported nor expected yet;
  const counts = countJobs(views);

  if (ctx.json) {
    ctx.io.out(JSON.stringify({ stage: ctx.target.stage, region: ctx.target.region, counts, jobs: views }, null, 2));
    return 0;
  }
  const registry = new Set(ctx.jobs.map((job) => job.id));
  const rows = views.map((view) => [
    view.job_key,
    `${lastResult(view, ctx.utc)}${view.muted ? ` (muted until ${formatInstant(view.muted.until, ctx.utc)})` : ''}`,
    view.late ? `late since ${view.late_since ? formatInstant(view.late_since, ctx.utc) : '?'}` : '',
    formatInstant(view.finished_at, ctx.utc),
    registry.has(view.job_key) ? 'registry' : 'reporter',
    view.message ?? '',
  ]);
  ctx.io.out(renderTable(['job', 'last result', 'late', 'finished', 'kind', 'message'], rows));
  ctx.io.out(
    `\n${counts.total} jobs in ${ctx.backend.label}: ${counts.error} error, ${counts.late} late, ${counts.never_reported} never reported`,
  );
  return 0;
}

/** The last finished run's status; before any, the first run if one is in flight (a start is no result). */
function lastResult(view: JobView, utc: boolean): string {
  if (view.status) return view.status;
  if (!view.running) return 'never reported';
  return `first run ${view.hung ? 'hung' : 'running'} since ${formatInstant(view.running.started_at, utc)}`;
}
