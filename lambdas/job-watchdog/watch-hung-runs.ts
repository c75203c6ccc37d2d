import type { Expectation } from '#shared/expectation-store';
import type { JobStatusStore, LatestSummary } from '#shared/job-status-store';

/**
 * Hung runs: a run started (job-start, the runner, the HTTP caller) and not finished within its job's
 * max_runtime_minutes (built-in jobs: the registry's timeout). Marked once on the run in flight
 * (`inFlight.hungSince`, cleared by its report or a new start); reported every watchdog run while it lasts.
 */
export interface HungJob {
  jobKey: string;
  runId: string;
  startedAt: string;
  /** When it outlived its max runtime. */
  since: string;
}

export async function watchHungRuns(
  store: Pick<JobStatusStore, 'inFlight'>,
  summaries: readonly LatestSummary[],
  expectations: readonly Expectation[],
  now: Date,
): Promise<{ hung: HungJob[]; newlyHung: string[] }> {
  const maxRuntime = new Map(expectations.map((expectation) => [expectation.jobKey, expectation.maxRuntimeMinutes]));
  const hung: HungJob[] = [];
  const newlyHung: string[] = [];
  for (const summary of summaries) {
    const run = summary.inFlight;
    const minutes = maxRuntime.get(summary.jobKey);
    if (!run || !minutes) continue;
    const since = new Date(Date.parse(run.startedAt) + minutes * 60_000);
    if (since.getTime() > now.getTime()) continue;
    hung.push({ jobKey: summary.jobKey, runId: run.runId, startedAt: run.startedAt, since: since.toISOString() });
    if (!run.hungSince && (await store.inFlight.markHung(summary.jobKey, run.runId, since.toISOString()))) {
      newlyHung.push(summary.jobKey);
    }
  }
  return { hung, newlyHung };
}
