import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDocumentClient } from '#shared/aws-clients';
import { rotatingSecretSource } from '#shared/http/secret-check';
import { JobForgetter } from '#shared/job-forget';
import { JobMuteStore } from '#shared/job-mutes';
import { JobStatusStore } from '#shared/job-status-store';
import { createLogger } from '#shared/logger';
import { requireEnv } from '#shared/secrets';
import { parseAllowHosts } from './address-guard';
import { type CallerDeps, callerDepsOver } from './call-job';
import { EventBridgeJobScheduler } from './job-scheduler';
import { SecretsManagerJobSecrets } from './job-secrets';
import { HttpJobStore } from './job-store';
import type { SchedulerApiDeps } from './scheduler-deps';

/**
 * The scheduler's ports from a function's environment: HTTP_JOBS_TABLE, JOB_STATUS_TABLE,
 * JOB_SECRETS_PREFIX, HTTP_JOBS_ALLOW_HOSTS; the API also SCHEDULE_GROUP, CALLER_FUNCTION_ARN,
 * SCHEDULER_ROLE_ARN, SCHEDULER_DLQ_ARN and SCHEDULER_ADMIN_TOKEN_SECRET_NAME (or SCHEDULER_ADMIN_TOKEN).
 */
function shared(env: NodeJS.ProcessEnv) {
  const db = createDocumentClient(env);
  const region = env.AWS_REGION ?? 'ap-northeast-1';
  const statusTable = requireEnv('JOB_STATUS_TABLE', env);
  const statusStore = new JobStatusStore(db, statusTable);
  const mutes = new JobMuteStore(db, statusTable);
  return {
    store: new HttpJobStore(db, requireEnv('HTTP_JOBS_TABLE', env)),
    statusStore,
    mutes,
    monitorEntries: new JobForgetter(db, statusTable, statusStore, mutes),
    secrets: new SecretsManagerJobSecrets(new SecretsManagerClient({ region }), requireEnv('JOB_SECRETS_PREFIX', env)),
    allowHosts: parseAllowHosts(env.HTTP_JOBS_ALLOW_HOSTS),
    region,
  };
}

/** `{"current", "previous"}` in Secrets Manager on AWS; the plain SCHEDULER_ADMIN_TOKEN locally. */
export function adminTokensFromEnv(env: NodeJS.ProcessEnv): () => Promise<string[]> {
  return rotatingSecretSource(env.SCHEDULER_ADMIN_TOKEN_SECRET_NAME, env.SCHEDULER_ADMIN_TOKEN);
}

export function schedulerApiDepsFromEnv(env: NodeJS.ProcessEnv = process.env): SchedulerApiDeps {
  const { store, statusStore, monitorEntries, secrets, allowHosts, region } = shared(env);
  const lambda = new LambdaClient({ region });
  const callerArn = requireEnv('CALLER_FUNCTION_ARN', env);
  return {
    store,
    secrets,
    allowHosts,
    scheduler: new EventBridgeJobScheduler(new SchedulerClient({ region }), {
      groupName: requireEnv('SCHEDULE_GROUP', env),
      targetArn: callerArn,
      roleArn: requireEnv('SCHEDULER_ROLE_ARN', env),
      deadLetterArn: requireEnv('SCHEDULER_DLQ_ARN', env),
    }),
    expectations: statusStore.expectations,
    monitorEntries,
    runNow: async (event) => {
      await lambda.send(
        new InvokeCommand({ FunctionName: callerArn, InvocationType: 'Event', Payload: JSON.stringify(event) }),
      );
    },
    adminTokens: adminTokensFromEnv(env),
    logger: createLogger('nightshift-http-scheduler'),
    now: () => new Date(),
  };
}

export function callerDepsFromEnv(env: NodeJS.ProcessEnv = process.env): CallerDeps {
  const { store, statusStore, secrets, allowHosts } = shared(env);
  return callerDepsOver({
    store,
    secrets,
    statusStore,
    allowHosts,
    logger: createLogger('nightshift-http-job-caller'),
  });
}
