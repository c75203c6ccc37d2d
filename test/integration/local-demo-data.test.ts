import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobStatusStore } from '../../lambdas/shared/job-status-store';
import { DEMO_REPORTED_JOB, seedOutsideJobReports } from '../../local/demo-data';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/** Local mode's demo reports: seeded once, on dynalite, whatever else the table holds. */
describe('demo reports of outside jobs', () => {
  const client = dynamoClient();

  async function freshStore() {
    const tableName = uniqueName('job-status');
    await createJobStatusTable(client, tableName);
    return { tableName, store: new JobStatusStore(DynamoDBDocumentClient.from(client), tableName) };
  }
  const runsOf = async (store: JobStatusStore, jobKey: string) => (await store.listRuns(jobKey, { limit: 100 })).runs;

  it('seeds the demo reports once', async () => {
    const { tableName, store } = await freshStore();

    await seedOutsideJobReports(client, tableName);
    await seedOutsideJobReports(client, tableName);

    expect(await runsOf(store, DEMO_REPORTED_JOB)).toHaveLength(2);
    expect((await store.listLatest()).map((latest) => latest.jobKey).sort()).toEqual(
      ['legacy-export', DEMO_REPORTED_JOB, 'sales-import'].sort(),
    );
  });

  it('seeds them when the demo job holds only a start: a job-start is not a finished run', async () => {
    const { tableName, store } = await freshStore();
    await store.inFlight.recordStart({
      jobKey: DEMO_REPORTED_JOB,
      runId: 'started',
      startedAt: new Date().toISOString(),
    });

    await seedOutsideJobReports(client, tableName);

    expect(await runsOf(store, DEMO_REPORTED_JOB)).toHaveLength(2);
    expect(await store.getLatest(DEMO_REPORTED_JOB)).toMatchObject({ lastStatus: 'success' });
  });
});
