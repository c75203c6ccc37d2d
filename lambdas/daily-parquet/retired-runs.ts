import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { MESSAGES_RETIRED_PREFIX } from '../../contracts/analytics-messages';
import { parseRetiredMark, type RetiredMark, runPrefix, symlinkKey } from './partition-keys';
import type { AnalyticsSink } from './ports';
import { currentRunOf } from './publish-partition';

/**
 * How long a replaced run's files stay after it stopped being current: a query that read the old
 * symlink file just before the switch (Athena's default query timeout is 30 minutes) still finds
 * every file it listed. A live run needs seconds to minutes between its mark and its switch, far
 * less than this, so a sweep never deletes a run that is about to become current.
 */
export const RETIRED_RUN_GRACE_MS = 6 * 60 * 60 * 1000;

export interface SweepResult {
  /** Runs whose files were deleted. */
  deletedRuns: number;
  /** Marks of runs that turned out to be current (their mark was stale) and were dropped. */
  keptCurrent: number;
}

const runOf = (mark: RetiredMark) => `${mark.tenant}/${mark.targetDate}/${mark.runId}`;

/**
 * Deletes the files of every run marked retired more than `graceMs` ago (by its newest mark) that
 * is not the run its partition's symlink names now, then the marks. Called at the end of each run.
 */
export async function sweepRetiredRuns(
  sink: AnalyticsSink,
  now: Date,
  graceMs = RETIRED_RUN_GRACE_MS,
): Promise<SweepResult> {
  const cutoff = now.getTime() - graceMs;
  const byRun = new Map<string, RetiredMark[]>();
  for (const key of await sink.listKeys(`${MESSAGES_RETIRED_PREFIX}/`)) {
    const mark = parseRetiredMark(key);
    if (mark) byRun.set(runOf(mark), [...(byRun.get(runOf(mark)) ?? []), mark]);
  }
  const due = [...byRun.values()].filter((marks) => Math.max(...marks.map((mark) => mark.at)) <= cutoff);
  const result: SweepResult = { deletedRuns: 0, keptCurrent: 0 };
  await mapWithConcurrency(due, 8, async (marks) => {
    const { tenant, targetDate, runId } = marks[0];
    const current = currentRunOf(await sink.getText(symlinkKey(tenant, targetDate)));
    if (current === runId) {
      result.keptCurrent += 1;
    } else {
      await sink.deleteKeys(await sink.listKeys(runPrefix(tenant, targetDate, runId)));
      result.deletedRuns += 1;
    }
    await sink.deleteKeys(marks.map((mark) => mark.key));
  });
  return result;
}
