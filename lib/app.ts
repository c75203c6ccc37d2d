import { type App, Tags } from 'aws-cdk-lib';
import type { NightshiftConfig } from './config';
import { functionNameFor, type JobSpec } from './job-spec';
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
  /** Only when config.github names the repository that deploys. */
  githubDeploy?: GitHubDeployStack;
}

/** All stacks of one stage, split by lifecycle: network · data (stateful) · monitoring · jobs · api. */
export function buildNightshift(app: App, config: NightshiftConfig, jobs: readonly JobSpec[]): NightshiftStacks {
  const env = { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.region };
  const prefix = `Nightshift-${config.stage}`;
  const network = new NetworkStack(app, `${prefix}-Network`, { env, config });
  const data = new DataStack(app, `${prefix}-Data`, { env, config, vpc: network.vpc });
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, { env, config });
  const jobsStack = new JobsStack(app, `${prefix}-Jobs`, {
    env,
    config,
    jobs,
    vpc: network.vpc,
    database: data.database,
    databaseClientSecurityGroup: data.databaseClientSecurityGroup,
    alarmTopic: monitoring.alarmTopic,
  });
  jobsStack.addStackDependency(data, 'the jobs use its table, bucket and database by name');
  const api = new ApiStack(app, `${prefix}-Api`, { env, config, jobs, alarmTopic: monitoring.alarmTopic });
  api.addStackDependency(data, 'the job monitor uses the job-status table by name');
  const watchdog = jobs.find((job) => job.watchesRegistry);
  const githubDeploy = config.github
    ? new GitHubDeployStack(app, `${prefix}-GitHubDeploy`, {
        env,
        config,
        github: config.github,
        smokeTestFunctionName: watchdog ? functionNameFor(config.stage, watchdog.id) : undefined,
      })
    : undefined;
  Tags.of(app).add('project', 'nightshift');
  Tags.of(app).add('stage', config.stage);
  return { network, data, monitoring, jobs: jobsStack, api, githubDeploy };
}
