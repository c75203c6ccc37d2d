import { type App, Aspects, Tags } from 'aws-cdk-lib';
import type { NightshiftConfig } from './config';
import type { AlarmFactory } from './constructs/alarm-factory';
import { functionNameFor, type JobSpec, validateRegistry } from './job-spec';
import { ProviderLogGroups } from './provider-log-groups';
import { RedeployCheck } from './redeploy-check';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { GitHubDeployStack } from './stacks/github-deploy-stack';
import { JobsStack } from './stacks/jobs-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';

export interface NightshiftStacks {
  network: NetworkStack;
  data: DataStack;
  monitoring: MonitoringStack;
  jobs: JobsStack;
  api: ApiStack;
  /** Builds every on-call alarm; `alarms.created` lists them all. */
  alarms: AlarmFactory;
  /** Only when config.github names the repository that deploys. */
  githubDeploy?: GitHubDeployStack;
}

/** All stacks of one stage, split by lifecycle: network · data (stateful) · monitoring · jobs · api. */
export function buildNightshift(app: App, config: NightshiftConfig, jobs: readonly JobSpec[]): NightshiftStacks {
  validateRegistry(jobs); // at synth, whatever registry is passed: a bad entry stops it naming the job
  const env = { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const prefix = `Nightshift-${config.stage}`;
  const network = new NetworkStack(app, `${prefix}-Network`, { env, config });
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, { env, config });
  // The monitoring stack owns the topic and the factory: its own alarm (lost webhook notifications) is built there.
  const alarms = monitoring.alarms;
  const data = new DataStack(app, `${prefix}-Data`, { env, config, vpc: network.vpc, alarms });
  const jobsStack = new JobsStack(app, `${prefix}-Jobs`, {
    env,
    config,
    jobs,
    vpc: network.vpc,
    alarmTopic: monitoring.alarmTopic,
    alarms,
  });
  jobsStack.addStackDependency(data, 'the jobs use its table, bucket, database and security group by name');
  const api = new ApiStack(app, `${prefix}-Api`, { env, config, jobs, alarmTopic: monitoring.alarmTopic, alarms });
  // By name, so the dashboard shows every stack's alarms (monitor, API, database) without cross-stack references.
  jobsStack.dashboard.showAlarms(alarms.created.map((alarm) => alarm.fullName));
  api.addStackDependency(data, 'the job monitor uses the job-status table by name');
  jobsStack.addStackDependency(api, 'the unhealthy composite alarm names the API alarms, which must exist first');
  jobsStack.addStackDependency(
    monitoring,
    'the unhealthy composite alarm names the webhook dead-letter alarm (with webhooks), which must exist first',
  );
  const watchdog = jobs.find((job) => job.watchesRegistry);
  const githubDeploy = config.github
    ? new GitHubDeployStack(app, `${prefix}-GitHubDeploy`, {
        env,
        config,
        github: config.github,
        smokeTestFunctionName: watchdog ? functionNameFor(config.stage, watchdog.id) : undefined,
      })
    : undefined;
  Aspects.of(app).add(new RedeployCheck(config.protectData));
  Aspects.of(app).add(new ProviderLogGroups(config.logRetentionDays));
  Tags.of(app).add('project', 'nightshift');
  Tags.of(app).add('stage', config.stage);
  return { network, data, monitoring, jobs: jobsStack, api, githubDeploy, alarms };
}
