import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { RunStart } from '#shared/in-flight-runs';
import type { JobStatusStore, RunReport } from '#shared/job-status-store';
import { unmutedCheck } from '#shared/mute-keys';
import type { HistoryItem, TransactWrite } from '#shared/run-commit';
import type { HttpJobStore, JobRecord, RunRecord } from './job-store';
import { leaseFromAttributes, type RunLease } from './run-store';

/**
 * The caller's bookkeeping, in three DynamoDB requests for a run that calls its target:
 *
 *   1. read the job              ┐ in parallel: one round trip
 *   2. one transaction           ┘ the lease (conditional: none held; the lease row is the run while it
 *                                  runs), the run's start in the job monitor's latest status (so it shows
 *                                  running), a check that the job's row is there
 *   3. one transaction           the run's history row, its lease released, the job monitor's history row
 *                                and latest status (which closes the start), a one-shot job completed:
 *                                all of it or nothing
 *
 * Because the end is one transaction, a run is recorded exactly once or not at all: a caller that
 * dies before it leaves its lease behind, which expires, and the next run records it (as an error
 * that names the lost run) in its own transaction. A skipped run (lease held) writes only its
 * history row (and completes a one-shot job, in a transaction); a run of a deleted job writes
 * nothing (its lease transaction is cancelled by the job row check). Taking over an expired lease, and
 * closing the start of a run kept in the history only, cost one request more each.
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
  /**
   * The createdAt of the job the run belongs to: its job monitor entry is written only while that job
   * still exists (a ConditionCheck on its row), so a run in flight when the job was deleted does not
   * bring the deleted job back to the monitor. The run's own row and its lease are written either way.
   */
  jobCreatedAt?: string;
  /**
   * The job monitor key of a failed run's job: the transaction checks that the job is not muted, and
   * `unmuted` is dropped (the caller does not count the failure toward the alarm) when it is.
   */
  unlessMuted?: string;
  now: Date;
}

type Labelled = {
  write: TransactWrite;
  what: string;
  /** For an action on the job's row: whether its failed condition (with the row as it was) means the job is gone. */
  jobGone?: (row: Record<string, AttributeValue> | undefined) => boolean;
};

/** The actions that write the job monitor's entry of the job (its history and latest status). */
const MONITOR_WRITES = new Set(['history', 'latest', 'abandoned history', 'abandoned latest']);

/** Taking the lease: an expired lease taken over, or a transaction conflict, costs another attempt. */
const LEASE_ATTEMPTS = 4;

/** A cancelled transaction is resent without the actions whose conditions failed, at most this often. */
const COMMIT_ATTEMPTS = 4;

export class RunLedger {
  constructor(
    private readonly store: HttpJobStore,
    private readonly statusStore: Pick<JobStatusStore, 'runCommitWrites' | 'tableName' | 'inFlight'>,
  ) {}

  /**
   * The job and the lease; a lease taken while the job could not be read is given back (as it was), and its
   * start taken back, before the error. `job` is undefined when the job is gone (read so, or its row missing
   * when the lease was taken).
   */
  async begin(
    lease: RunLease,
    start: RunStart,
  ): Promise<{ job: JobRecord | undefined; taken: boolean; abandoned?: RunLease }> {
    const [job, taken] = await Promise.allSettled([this.store.getJob(lease.jobId), this.takeLease(lease, start)]);
    if (job.status === 'rejected') {
      if (taken.status === 'fulfilled' && taken.value.taken) {
        await Promise.all([
          this.store.runs.releaseLease(lease.jobId, lease.runId, taken.value.abandoned),
          this.statusStore.inFlight.withdrawStart(start.jobKey, start.runId),
        ]);
      }
      throw job.reason;
    }
    if (taken.status === 'rejected') throw taken.reason;
    const { jobGone, ...rest } = taken.value;
    // Deleted between the read and the lease: nothing was written.
    if (jobGone) return { job: undefined, taken: false };
    return { job: job.value, ...rest };
  }

  /**
   * One transaction: the lease, the run's start in the job monitor (its latest-status row's `inFlight`, so
   * the run shows running), and a check that the job's row is still there (a start must not re-create the
   * monitor entry of a job deleted meanwhile). A lease held by another run cancels it all: not expired, the
   * run is skipped; expired, it is taken over in a second transaction conditioned on exactly that lease.
   */
  private async takeLease(
    lease: RunLease,
    start: RunStart,
  ): Promise<{ taken: boolean; abandoned?: RunLease; jobGone?: boolean }> {
    let over: RunLease | undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.store.runs.transact([
          this.store.runs.writes.takeLease(lease, over),
          this.statusStore.inFlight.startWrite(start),
          this.store.presenceCheck(lease.jobId),
        ]);
        return { taken: true, ...(over ? { abandoned: over } : {}) };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt === LEASE_ATTEMPTS) throw error;
        const [leaseReason, startReason, jobReason] = error.CancellationReasons ?? [];
        if (jobReason?.Code === 'ConditionalCheckFailed') return { taken: false, jobGone: true };
        const conflicted = [leaseReason, startReason, jobReason].some(
          (reason) => reason?.Code === 'TransactionConflict',
        );
        if (leaseReason?.Code !== 'ConditionalCheckFailed') {
          // Another write on one of the items at the same moment (AWS): the same actions once more.
          if (conflicted) continue;
          throw error;
        }
        const held = leaseFromAttributes(leaseReason.Item);
        if (held && held.leaseUntil >= Date.parse(lease.startedAt)) return { taken: false };
        // Expired: take over exactly that one; gone meanwhile (its run recorded): take a free lease.
        over = held;
      }
    }
  }

  recordSkipped(run: RunRecord): Promise<void> {
    return this.store.runs.record(run);
  }

  /** A run that does not go ahead (its job is gone): its lease and its start are given back. */
  async withdraw(lease: RunLease, start: RunStart): Promise<void> {
    await Promise.all([
      this.store.runs.releaseLease(lease.jobId, lease.runId),
      this.statusStore.inFlight.withdrawStart(start.jobKey, start.runId),
    ]);
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
    const createdAt = finished.jobCreatedAt;
    if (finished.releaseLease) writes.push({ what: 'lease', write: this.store.runs.writes.releaseLease(jobId, runId) });
    // One action per item in a transaction: the completion, when there is one, doubles as the check that the job is there.
    const goneUnless = (row: Record<string, AttributeValue> | undefined) => row?.createdAt?.S !== createdAt;
    if (finished.complete) {
      const completion = this.store.completion(jobId, finished.complete.generation, finished.now);
      if (completion.Update) completion.Update.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
      writes.push({ what: 'completion', write: completion, ...(createdAt ? { jobGone: goneUnless } : {}) });
    } else if (createdAt !== undefined && writes.some((entry) => MONITOR_WRITES.has(entry.what))) {
      writes.push({ what: 'job', write: this.store.existenceCheck(jobId, createdAt), jobGone: () => true });
    }
    if (finished.unlessMuted !== undefined) {
      const check = unmutedCheck(this.statusStore.tableName, finished.unlessMuted, finished.now);
      writes.push({ what: 'unmuted', write: check });
    }
    const result = await this.commit(writes);
    const history = writes.find((entry) => entry.what === 'history')?.write.Put?.Item as HistoryItem | undefined;
    if (history && result.dropped.has('latest') && !result.dropped.has('history')) {
      // Kept in the history only (a newer slot holds the status): the status update that would have closed
      // its start did not run, so it closes its own (one more request, for such runs only). Best effort, as
      // for built-in jobs: the history row is what counts.
      await this.statusStore.inFlight.closeHistoryOnly(history).catch(() => undefined);
    }
    return result;
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
        const reasons = error.CancellationReasons ?? [];
        const codes = reasons.map((reason) => reason.Code);
        const moot = pending.filter((_, index) => codes[index] === 'ConditionalCheckFailed');
        const jobGone = pending.some(
          (entry, index) => codes[index] === 'ConditionalCheckFailed' && entry.jobGone?.(reasons[index].Item),
        );
        // Another write on one of the items at the same moment (AWS): the same actions once more.
        const conflicted = codes.includes('TransactionConflict');
        if (moot.length === 0 && !conflicted) throw error;
        // The job is gone (deleted, or deleted and created anew): the monitor no longer lists it, and must not again.
        if (jobGone) moot.push(...pending.filter((entry) => MONITOR_WRITES.has(entry.what) && !moot.includes(entry)));
        for (const entry of moot) dropped.add(entry.what);
        pending = pending.filter((entry) => !moot.includes(entry));
        if (pending.length === 0) return { dropped };
      }
    }
  }
}
