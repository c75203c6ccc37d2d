import type { Expectation, ExpectationInput } from '#shared/expectation-store';
import { evaluateLateness } from '#shared/expected-runs';
import { hasReported, type JobStatusStore, type LatestSummary } from '#shared/job-status-store';
import { ABANDONED_AFTER_MS } from '#shared/run-commit';
import { type HungJob, watchHungRuns } from './watch-hung-runs';

/**
 * The watchdog's core: bring the registry's expectations into the store, then mark every job
 * that missed its window as late (once; a report clears it) and clear marks that no longer hold.
 */
export interface WatchdogPorts {
  store: Pick<
    JobStatusStore,
    'listLatestSummaries' | 'completeInterruptedRuns' | 'markLate' | 'clearLate' | 'expectations' | 'inFlight'
  >;
  /** The registry's expectations (BUILT_IN_EXPECTATIONS). */
  builtIn: readonly ExpectationInput[];
  now: Date;
}

export interface LateJob {
  jobKey: string;
  /** The deadline that passed without a report. */
  since: string;
  /** The job has never reported a finished run (its first may be running: a start is no report). */
  neverReported: boolean;
}

export interface WatchdogResult {
  checked: number;
  late: LateJob[];
  /** Late jobs marked by this run (the others were already marked). */
  newlyLate: string[];
  /** Jobs whose late mark was cleared because their expectation changed or was deleted. */
  cleared: string[];
  /** Expectations that could not be evaluated, with the reason: marked on the expectation, the others still checked. */
  problems: string[];
  /** Jobs whose interrupted report's run was written out to the history by this run. */
  completed: string[];
  /** Jobs whose run in flight outlived their max runtime (watch-hung-runs.ts). */
  hung: HungJob[];
  newlyHung: string[];
}

function sameSchedule(stored: Expectation, wanted: ExpectationInput): boolean {
  return (
    stored.crons.join('\n') === wanted.crons.join('\n') &&
    stored.everyMinutes === wanted.everyMinutes &&
    stored.timezone === wanted.timezone &&
    stored.graceMinutes === wanted.graceMinutes &&
    stored.maxRuntimeMinutes === wanted.maxRuntimeMinutes &&
    stored.title === wanted.title
  );
}

/**
 * Stores registry expectations that are missing or changed, and removes those of jobs no longer in
 * the registry. An expectation set through the API wins over the registry's and is left alone.
 */
export async function syncBuiltInExpectations(
  store: WatchdogPorts['store'],
  builtIn: readonly ExpectationInput[],
): Promise<Expectation[]> {
  const byJob = new Map((await store.expectations.list()).map((expectation) => [expectation.jobKey, expectation]));
  for (const wanted of builtIn) {
    const stored = byJob.get(wanted.jobKey);
    if (stored && (stored.source === 'api' || sameSchedule(stored, wanted))) continue;
    const written = await store.expectations.put(wanted, { onlyOverRegistry: true });
    if (written) byJob.set(written.jobKey, written);
  }
  const registryJobs = new Set(builtIn.map((wanted) => wanted.jobKey));
  for (const stored of [...byJob.values()]) {
    if (stored.source !== 'registry' || registryJobs.has(stored.jobKey)) continue;
    await store.expectations.delete(stored.jobKey, { onlySource: 'registry' });
    byJob.delete(stored.jobKey);
  }
  return [...byJob.values()];
}

export async function watchExpectations(ports: WatchdogPorts): Promise<WatchdogResult> {
  const { store, now } = ports;
  const expectations = await syncBuiltInExpectations(store, ports.builtIn);
  const summaries = await store.listLatestSummaries();
  const latestByJob = new Map(summaries.map((latest) => [latest.jobKey, latest]));
  const result: WatchdogResult = {
    checked: expectations.length,
    late: [],
    newlyLate: [],
    cleared: [],
    problems: [],
    completed: [],
    hung: [],
    newlyHung: [],
  };
  const parkedBefore = now.getTime() - ABANDONED_AFTER_MS;
  for (const latest of summaries) {
    // A run is parked by the report that sets updatedAt in the same write.
    if (!latest.parkedRunIds?.size || !hasReported(latest) || Date.parse(latest.updatedAt) > parkedBefore) continue;
    if ((await store.completeInterruptedRuns(latest.jobKey)) > 0) result.completed.push(latest.jobKey);
  }

  for (const expectation of expectations) {
    const row = latestByJob.get(expectation.jobKey);
    latestByJob.delete(expectation.jobKey);
    // A start is no check-in (a later run's start leaves the last check-in as it is), so a job whose first
    // run has only started is judged, and marked (on its expectation), as one that never reported.
    const latest = hasReported(row) ? row : undefined;
    let lateness: ReturnType<typeof evaluateLateness>;
    try {
      lateness = evaluateLateness(expectation, {
        lastCheckIn: latest ? new Date(latest.lastReceivedAt ?? latest.updatedAt) : undefined,
        createdAt: new Date(expectation.createdAt),
        now,
      });
    } catch (error) {
      // One broken expectation (say, stored before its cron was checked) must not stop the watch over the others.
      const problem = (error as Error).message;
      result.problems.push(`${expectation.jobKey}: ${problem}`);
      if (expectation.problem !== problem)
        await store.expectations.setProblem(expectation.jobKey, problem, expectation.updatedAt);
      continue;
    }
    if (expectation.problem !== undefined)
      await store.expectations.setProblem(expectation.jobKey, undefined, expectation.updatedAt);
    if (!lateness.late) {
      if (latest?.late && (await store.clearLate(latest.jobKey, latest.updatedAt))) result.cleared.push(latest.jobKey);
      continue;
    }
    const since = lateness.since.toISOString();
    const firstSince = (latest ? latest.lateSince : expectation.lateSince) ?? since;
    result.late.push({ jobKey: expectation.jobKey, since: firstSince, neverReported: !latest });
    const marked = latest
      ? !latest.late && (await store.markLate(latest.jobKey, since, latest.updatedAt))
      : !expectation.lateSince && (await store.expectations.markNeverReportedLate(expectation.jobKey, since));
    if (marked) result.newlyLate.push(expectation.jobKey);
  }
  // Late marks left on jobs without any expectation: theirs was deleted.
  for (const latest of latestByJob.values()) await clearOrphanedLate(store, latest, result);
  Object.assign(result, await watchHungRuns(store, summaries, expectations, now));
  return result;
}

async function clearOrphanedLate(store: WatchdogPorts['store'], latest: LatestSummary, result: WatchdogResult) {
  if (hasReported(latest) && latest.late && (await store.clearLate(latest.jobKey, latest.updatedAt)))
    result.cleared.push(latest.jobKey);
}
