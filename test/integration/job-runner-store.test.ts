import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobStatusStore } from '#shared/job-status-store';
import { createJobStatusTable } from '../../local/job-status-table';
import { runJobLocally } from '../../local/run-job';
import { dynamoClient, uniqueName } from '../support/services';
import { TEST_JOBS } from '../support/test-registry';

const client = dynamoClient();
const tableName = uniqueName('runner-status');
const store = new JobStatusStore(DynamoDBDocumentClient.from(client), tableName);

beforeAll(async () => {
  await createJobStatusTable(client, tableName);
  // The handler builds its store from the environment, as on Lambda.
  process.env.JOB_STATUS_TABLE = tableName;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});
afterAll(() => client.destroy());

describe('a registry job run through its real handler', () => {
  const spec = TEST_JOBS[0];

  it('records a successful run as the latest status and in the history', async () => {
    const outcome = await runJobLocally(spec, { rows: 4, target_date: '2025-08-11' });

    expect(outcome).toMatchObject({ status: 'success', rows: 4 });
    const latest = await store.getLatest('sample-job');
    expect(latest).toMatchObject({
      lastStatus: 'success',
      lastMessage: 'processed 4 rows for 2025-08-11',
      late: false,
    });
    const { runs } = await store.listRuns('sample-job');
    expect(runs[0]).toMatchObject({
      runId: outcome.runId,
      source: 'runner',
      counts: { rows: 4 },
      details: { targetDate: '2025-08-11' },
    });
  });

  it('records a backfill run (as `ops backfill` marks it) in the history with its kind, not as the status', async () => {
    const scheduled = await runJobLocally(spec, { rows: 1 });
    const backfill = await runJobLocally(spec, { rows: 2 }, { backfill: true });

    expect(backfill).toMatchObject({ status: 'success', kind: 'backfill' });
    const { runs } = await store.listRuns('sample-job', { limit: 2 });
    expect(runs.map((run) => [run.runId, run.kind])).toEqual([
      [backfill.runId, 'backfill'],
      [scheduled.runId, 'scheduled'],
    ]);
    expect(await store.getLatest('sample-job')).toMatchObject({ lastRunId: scheduled.runId });
  });

  it('records a failed run with its error and hands the outcome back', async () => {
    const outcome = await runJobLocally(spec, { fail_with: 'connection refused by ftp.example.com' });

    expect(outcome.status).toBe('error');
    const latest = await store.getLatest('sample-job');
    expect(latest).toMatchObject({ lastStatus: 'error', lastMessage: 'connection refused by ftp.example.com' });
  });
});
