import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { credentialsFromEnv } from '../../lambdas/job-monitor/credentials';
import { createMonitorApi, type MonitorApiDeps } from '../../lambdas/job-monitor/monitor-api';
import { JobForgetter } from '../../lambdas/shared/job-forget';
import { JobMuteStore } from '../../lambdas/shared/job-mutes';
import type { Json, SchedulerFixture } from './http-scheduler-fixture';

/**
 * A GET of the job monitor's API over the scheduler fixture's job-status table, as a reader (JOB_READ_TOKEN)
 * sees it at `now` (the wall clock unless given): what the monitor shows of HTTP jobs.
 */
export async function monitorGet(fixture: SchedulerFixture, path: string, now = () => new Date()): Promise<Json> {
  const mutes = new JobMuteStore(fixture.db, fixture.statusStore.tableName);
  const api = createMonitorApi({
    store: fixture.statusStore,
    mutes,
    forgetter: new JobForgetter(fixture.db, fixture.statusStore.tableName, fixture.statusStore, mutes),
    credentials: credentialsFromEnv({ JOB_READ_TOKEN: 'read' }),
    metrics: { jobReportedError: () => {}, jobLate: () => {}, jobHung: () => {}, lateJobs: () => {} },
    logger: { info: () => {}, warn: () => {}, error: () => {} } as unknown as MonitorApiDeps['logger'],
    now,
  });
  const response = await api({
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: 'Bearer read' },
    requestContext: { http: { method: 'GET' } },
  } as unknown as APIGatewayProxyEventV2);
  if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}: ${response.body}`);
  return JSON.parse(String(response.body));
}

/** The job monitor's job list, by job_key. */
export async function monitorJobs(fixture: SchedulerFixture, now?: () => Date): Promise<Map<string, Json>> {
  const { jobs } = (await monitorGet(fixture, '/api/monitor/jobs', now)) as { jobs: Json[] };
  return new Map(jobs.map((job) => [String(job.job_key), job]));
}
