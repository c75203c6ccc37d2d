import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { JobStatusStore, RunReport } from '#shared/job-status-store';
import type { TransactWrite } from '#shared/run-commit';
import type { HttpJobStore, JobRecord, RunRecord } from './job-store';
import type { RunLease } from './run-store';

/**
 * The caller's bookkeeping, in three DynamoDB requests for a run that calls its target:
 *
 *   1. read the job              ┐ in parallel: one round trip
 *   2. take the lease            ┘ (conditional: free or expired; the lease row is the run while it runs)
 *   3. one transaction           the run's history row, its lease released, the job monitor's history row
 *                                and latest status, a one-shot job completed: all of it or nothing
 *
 * Because the end is one transaction, a run is recorded exactly once or not at all: a caller that
 * dies before it leaves its lease behind, which expires, and the next run records it (as an error
 * that names the lost run) in its own transaction. A skipped run (lease held) writes only its
 * history row (and completes a one-shot job, in a transaction); a run of a deleted job only gives
 * its lease back.
 */
export type RunOutcome = {
  run: RunRecord;
  /** The job monitor's record of it; absent for nothing (a skipped run is no outcome of the job). */
  report?: RunReport;
  /** false when a newer run of the job may have moved the latest status already (a run recorded late). */
  latest: boolean;
};

export interface FinishedRun {
  outcome: RunOutcome;
  /** An expired lease's run, recorded with this one. */
  abandoned?: RunOutcome;
  releaseLease: boolean;
  /** A one-shot job's scheduled run: the job (this generation of it) is completed. */
  complete?: { generation: string };
  now: Date;
}

type Labelled = { write: TransactWrite; what: string };

/** A cancelled transaction is resent without the actions whose conditions failed, at most this often. */
const COMMIT_ATTEMPTS = 4;

export class RunLedger {
  constructor(
    private readonly store: HttpJobStore,
    private readonly statusStore: Pick<JobStatusStore, 'runCommitWrites'>,
  ) {}

  /** The job and the lease; a lease taken while the job could not be read is given back (as it was) before the error. */
  async begin(lease: RunLease): Promise<{ job: JobRecord | undefined; taken: boolean; abandoned?: RunLease }> {
    const [job, taken] = await Promise.allSettled([this.store.getJob(lease.jobId), this.store.runs.takeLease(lease)]);
    if (job.status === 'rejected') {
      if (taken.status === 'fulfilled' && taken.value.taken) {
        await this.store.runs.releaseLease(lease.jobId, lease.runId, taken.value.abandoned);
      }
      throw job.reason;
    }
    if (taken.status === 'rejected') throw taken.reason;
    return { job: job.value, ...taken.value };
  }

  recordSkipped(run: RunRecord): Promise<void> {
    return this.store.runs.record(run);
  }

  releaseLease(jobId: string, runId: string): Promise<void> {
    return this.store.runs.releaseLease(jobId, runId);
  }

  /**
   * One transaction. A failed condition means the action is done or moot: the history rows exist
   * already (recorded before), the latest status is newer, the lease is no longer this run's, the
   * job was paused, replaced or deleted. Those actions are dropped and the rest is sent again.
   * Returns what was dropped (`history` dropped: this run was recorded before, by an earlier attempt).
   */
  async finish(finished: FinishedRun): Promise<{ dropped: Set<string> }> {
    const { outcome, abandoned } = finished;
    const writes: Labelled[] = [...this.outcomeWrites(outcome, '')];
    if (abandoned) writes.push(...this.outcomeWrites(abandoned, 'abandoned '));
    const { jobId, runId } = outcome.run;
    if (finished.releaseLease) writes.push({ what: 'lease', write: this.store.runs.writes.releaseLease(jobId, runId) });
    if (finished.complete) {
      const completion = this.store.completion(jobId, finished.complete.generation, finished.now);
      writes.push({ what: 'completion', write: completion });
    }
    return this.commit(writes);
  }

  private outcomeWrites({ run, report, latest }: RunOutcome, prefix: string): Labelled[] {
    const writes: Labelled[] = [{ what: `${prefix}run`, write: this.store.runs.writes.record(run) }];
    if (!report) return writes;
    const monitor = this.statusStore.runCommitWrites(report, { latest });
    writes.push({ what: `${prefix}history`, write: monitor.history });
    if (monitor.latest) writes.push({ what: `${prefix}latest`, write: monitor.latest });
    return writes;
  }

  private async commit(writes: Labelled[]): Promise<{ dropped: Set<string> }> {
    const dropped = new Set<string>();
    let pending = writes;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.store.runs.transact(pending.map((entry) => entry.write));
        return { dropped };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt === COMMIT_ATTEMPTS) throw error;
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        const moot = pending.filter((_, index) => codes[index] === 'ConditionalCheckFailed');
        // Another write on one of the items at the same moment (AWS): the same actions once more.
        const conflicted = codes.includes('TransactionConflict');
        if (moot.length === 0 && !conflicted) throw error;
        for (const entry of moot) dropped.add(entry.what);
        pending = pending.filter((entry) => !moot.includes(entry));
        if (pending.length === 0) return { dropped };
      }
    }
  }
}
