import { type CancellationReason, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { HttpJobStore, JobRecord } from '../../lambdas/http-scheduler/job-store';
import { RunLedger } from '../../lambdas/http-scheduler/run-ledger';
import { type RunLease, RunStore } from '../../lambdas/http-scheduler/run-store';
import type { TransactWrite } from '../../lambdas/shared/run-commit';

/**
 * How the caller reads a cancelled lease transaction ([lease, start, job row check], in request order):
 * the job row gone wins (nothing runs), a lease held and not expired is a skip, an expired one is taken
 * over in a second transaction conditioned on exactly that lease, a conflict is tried again.
 */
const startedAt = '2026-01-05T00:00:00.000Z';
const lease: RunLease = {
  jobId: 'job',
  runId: 'mine',
  trigger: 'schedule',
  scheduledTime: startedAt,
  startedAt,
  leaseUntil: Date.parse(startedAt) + 900_000,
};
const start = { jobKey: 'http-job:job', runId: 'mine', startedAt };
const held = (runId: string, leaseUntil: number) => ({
  jobId: { S: 'job' },
  runId: { S: runId },
  trigger: { S: 'schedule' },
  scheduledTime: { S: startedAt },
  startedAt: { S: startedAt },
  leaseUntil: { N: String(leaseUntil) },
});
const failed = (Item?: CancellationReason['Item']): CancellationReason => ({
  Code: 'ConditionalCheckFailed',
  ...(Item ? { Item } : {}),
});
const none: CancellationReason = { Code: 'None' };
const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons });

function ledgerAnswering(answers: (CancellationReason[] | 'ok')[]) {
  const sent: TransactWrite[][] = [];
  const runs = new RunStore({} as never, 'jobs');
  runs.transact = async (writes) => {
    sent.push(writes);
    const answer = answers.shift();
    if (answer !== 'ok') throw cancelled(answer ?? []);
  };
  const store = {
    runs,
    getJob: async () => ({ jobId: 'job' }) as JobRecord,
    presenceCheck: () => ({ ConditionCheck: { TableName: 'jobs', Key: {}, ConditionExpression: 'x' } }),
  } as unknown as HttpJobStore;
  const statusStore = {
    tableName: 'status',
    runCommitWrites: () => ({}),
    inFlight: { startWrite: () => ({ Update: { TableName: 'status', Key: {}, UpdateExpression: 'x' } }) },
  } as never;
  return { ledger: new RunLedger(store, statusStore), sent };
}

describe('taking the lease with the run start', () => {
  it('takes a free lease, writing the start and the job check with it in one transaction', async () => {
    const { ledger, sent } = ledgerAnswering(['ok']);

    expect(await ledger.begin(lease, start)).toEqual({ job: { jobId: 'job' }, taken: true });
    expect(sent).toHaveLength(1);
    expect(sent[0].map((write) => Object.keys(write)[0])).toEqual(['Put', 'Update', 'ConditionCheck']);
    expect(sent[0][0].Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('skips when another run holds a lease that has not expired', async () => {
    const { ledger, sent } = ledgerAnswering([[failed(held('other', lease.leaseUntil)), none, none]]);

    expect(await ledger.begin(lease, start)).toEqual({ job: { jobId: 'job' }, taken: false });
    expect(sent).toHaveLength(1);
  });

  it('treats the job as deleted when its row check fails, even with the lease held too', async () => {
    const { ledger } = ledgerAnswering([[failed(held('other', lease.leaseUntil)), none, failed()]]);

    expect(await ledger.begin(lease, start)).toEqual({ job: undefined, taken: false });
  });

  it('takes over exactly the expired lease it was shown, and returns it as abandoned', async () => {
    const expired = Date.parse(startedAt) - 1;
    const { ledger, sent } = ledgerAnswering([[failed(held('crashed', expired)), none, none], 'ok']);

    const begun = await ledger.begin(lease, start);

    expect(begun).toMatchObject({ taken: true, abandoned: { runId: 'crashed', leaseUntil: expired } });
    expect(sent[1][0].Put).toMatchObject({
      ConditionExpression: 'runId = :over AND leaseUntil < :now',
      ExpressionAttributeValues: { ':over': 'crashed' },
    });
  });

  it('skips when the expired lease was taken over by another run first', async () => {
    const expired = Date.parse(startedAt) - 1;
    const { ledger } = ledgerAnswering([
      [failed(held('crashed', expired)), none, none],
      [failed(held('faster', lease.leaseUntil)), none, none],
    ]);

    expect(await ledger.begin(lease, start)).toEqual({ job: { jobId: 'job' }, taken: false });
  });

  it('sends the same transaction again after a conflict', async () => {
    const conflict = { Code: 'TransactionConflict' };
    const { ledger, sent } = ledgerAnswering([[none, conflict, none], 'ok']);

    expect(await ledger.begin(lease, start)).toMatchObject({ taken: true });
    expect(sent).toHaveLength(2);
    expect(sent[1][0].Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });
});
