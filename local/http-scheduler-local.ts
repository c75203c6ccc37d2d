import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseAllowHosts } from '../lambdas/http-scheduler/address-guard';
import { callerDepsOver, callJob } from '../lambdas/http-scheduler/call-job';
import { HttpJobStore } from '../lambdas/http-scheduler/job-store';
import { adminTokensFromEnv } from '../lambdas/http-scheduler/ports-from-env';
import { createSchedulerApi, type SchedulerApiHandler } from '../lambdas/http-scheduler/scheduler-api';
import { JobForgetter } from '../lambdas/shared/job-forget';
import { JobMuteStore } from '../lambdas/shared/job-mutes';
import { JobStatusStore } from '../lambdas/shared/job-status-store';
import { createLogger } from '../lambdas/shared/logger';
import { CronerJobScheduler } from './croner-job-scheduler';
import { echoTarget, isEchoPath } from './echo-target';
import { EncryptedFileJobSecrets } from './encrypted-job-secrets';
import { createHttpJobsTable } from './http-jobs-table';
import type { HttpApiHandler } from './http-server';
import { formatJstSecond } from './local-schedules';

/**
 * The HTTP job scheduler in local mode: the deployed API handler on the same local server as the
 * job monitor, the caller core run in-process, croner in place of EventBridge Scheduler, an
 * encrypted file in place of Secrets Manager. Jobs are in dynalite's persistent data, so they
 * come back after a restart.
 */
export const LOCAL_HTTP_JOBS_TABLE = 'nightshift-local-http-jobs';

/** Paths the scheduler API serves; the echo target is local mode's own; everything else goes to the job monitor. */
const SCHEDULER_PATH = /^\/(jobs(\/|$)|openapi\.json$|docs(\/|$))/;

export function combineHandlers(monitor: HttpApiHandler, scheduler: SchedulerApiHandler): HttpApiHandler {
  return (event: APIGatewayProxyEventV2, context) => {
    if (isEchoPath(event.rawPath)) return echoTarget(event);
    return SCHEDULER_PATH.test(event.rawPath) ? scheduler(event) : monitor(event, context);
  };
}

export interface LocalHttpScheduler {
  handler: SchedulerApiHandler;
  /** Jobs re-armed from the table at start. */
  restored: number;
  stop(): void;
}

export interface LocalHttpSchedulerOptions {
  /**
   * Local mode's echo target (local/echo-target.ts): jobs may call exactly its origin without
   * HTTP_JOBS_ALLOW_HOSTS, and the documented POST /jobs example calls it.
   */
  readonly echoUrl?: string;
}

export async function startLocalHttpScheduler(
  localEnv: Record<string, string>,
  dataDir: string,
  log: (line: string) => void,
  options: LocalHttpSchedulerOptions = {},
): Promise<LocalHttpScheduler> {
  // HTTP_JOBS_ALLOW_HOSTS and SCHEDULER_ADMIN_TOKEN may come from the shell that ran npm start.
  const env: NodeJS.ProcessEnv = { ...process.env, ...localEnv };
  const client = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION });
  await createHttpJobsTable(client, LOCAL_HTTP_JOBS_TABLE);
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new HttpJobStore(db, LOCAL_HTTP_JOBS_TABLE);
  const statusStore = new JobStatusStore(db, env.JOB_STATUS_TABLE as string);
  const mutes = new JobMuteStore(db, env.JOB_STATUS_TABLE as string);
  const secrets = new EncryptedFileJobSecrets(path.join(dataDir, 'http-scheduler'));
  // The echo target's origin (scheme, host and port), not its whole host: other loopback ports stay refused.
  const allowHosts = parseAllowHosts([env.HTTP_JOBS_ALLOW_HOSTS, options.echoUrl].filter(Boolean).join(','));
  const callerDeps = callerDepsOver({
    store,
    secrets,
    statusStore,
    allowHosts,
    logger: createLogger('nightshift-http-job-caller'),
  });

  const run = (event: Parameters<typeof callJob>[1]) => {
    callJob(callerDeps, event)
      .then(
        (outcome) =>
          outcome &&
          log(`${formatJstSecond(new Date(outcome.finishedAt))} http job ${outcome.jobId}: ${outcome.status}`),
      )
      .catch((error: Error) => log(`${formatJstSecond(new Date())} http job ${event.job_id} failed: ${error.message}`));
  };
  const scheduler = new CronerJobScheduler(run);
  const restored = await scheduler.restore(store);
  const handler = createSchedulerApi({
    store,
    scheduler,
    secrets,
    expectations: statusStore.expectations,
    monitorEntries: new JobForgetter(db, env.JOB_STATUS_TABLE as string, statusStore, mutes),
    runNow: async (event) => run(event),
    adminTokens: adminTokensFromEnv(env),
    allowHosts,
    logger: createLogger('nightshift-http-scheduler'),
    now: () => new Date(),
    exampleTargetUrl: options.echoUrl,
  });
  return { handler, restored, stop: () => scheduler.stop() };
}
