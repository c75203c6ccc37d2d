import { nextCronRun } from '../../lambdas/shared/eventbridge-fire-times';
import { builtInExpectations } from '../../lib/expectations';
import { JOBS } from '../../lib/jobs';
import { storeRegistryExpectations } from '../../local/registry-expectations';
import { dynamoClient } from '../support/services';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** Built-in jobs are on the job list from the first start, before their first run, with their next run. */
describe('jobs that have not run yet', () => {
  const now = new Date('2025-08-11T00:07:00Z'); // 09:07 JST
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now });
  });
  afterEach(async () => {
    await api.close();
  });

  async function jobList() {
    const body = (await (await api.read('/api/monitor/jobs?limit=500')).json()) as { jobs: Record<string, unknown>[] };
    return new Map(body.jobs.map((job) => [job.job_key as string, job]));
  }

  it('lists every registry job as not yet run, with the next run its schedule names, once npm start has stored them', async () => {
    const stored = await storeRegistryExpectations(
      dynamoClient(),
      api.tableName,
      JSON.stringify(builtInExpectations(JOBS)),
    );

    const listed = await jobList();

    expect(stored).toBe(JOBS.length);
    for (const job of JOBS) {
      const next = Math.min(
        ...job.schedules.map((schedule) => nextCronRun(schedule.cron, 'Asia/Tokyo', now)?.getTime() ?? Infinity),
      );
      expect(listed.get(job.id)).toMatchObject({
        status: null,
        health: 'not_yet_run',
        next_expected_run: new Date(next).toISOString(),
      });
    }
  });

  it('shows the job’s result instead once it has run', async () => {
    await storeRegistryExpectations(dynamoClient(), api.tableName, JSON.stringify(builtInExpectations(JOBS)));
    const [first] = JOBS;

    await api.report(validReport(api, { job_key: first.id, title: first.title }));

    const job = (await jobList()).get(first.id);
    expect(job).toMatchObject({ status: 'success' });
    expect(job?.health).not.toBe('not_yet_run');
  });

  it('expects an interval job its interval after its last report', async () => {
    await api.write('PUT', '/api/monitor/jobs/sync/expectation', { every_minutes: 60 });
    expect((await jobList()).get('sync')?.next_expected_run).toBe('2025-08-11T01:07:00.000Z');

    api.clock.now = new Date('2025-08-11T00:30:00Z');
    await api.report(validReport(api, { job_key: 'sync', finished_at: '2025-08-11T00:29:00Z' }));

    expect((await jobList()).get('sync')?.next_expected_run).toBe('2025-08-11T01:30:00.000Z');
  });
});
