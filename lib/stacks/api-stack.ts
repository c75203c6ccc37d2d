import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { builtInJobInfos, runbookUrlFor } from '../built-in-jobs';
import type { NightshiftConfig } from '../config';
import type { AlarmFactory } from '../constructs/alarm-factory';
import { HttpScheduler } from '../constructs/http-scheduler';
import { JobMonitor } from '../constructs/job-monitor';
import { type JobSpec, SERVICE_FUNCTION_IDS } from '../job-spec';
import { httpJobsTableName, jobStatusTableName, READ_TOKEN_TAG } from '../resource-names';

export interface ApiStackProps extends StackProps {
  readonly config: NightshiftConfig;
  readonly jobs: readonly JobSpec[];
  readonly alarmTopic: sns.ITopic;
  /** @default a factory for the stage and alarmTopic */
  readonly alarms?: AlarmFactory;
}

/** The HTTP API: the job monitor (TC Portal job reports, read API, status page) and the HTTP job scheduler on its routes. */
export class ApiStack extends Stack {
  public readonly jobMonitor: JobMonitor;
  public readonly httpScheduler: HttpScheduler;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const jobStatusTable = dynamodb.TableV2.fromTableName(this, 'JobStatusTable', jobStatusTableName(config.stage));
    this.jobMonitor = new JobMonitor(this, 'JobMonitor', {
      stage: config.stage,
      jobStatusTable,
      alarmTopic: props.alarmTopic,
      alarms: props.alarms,
      logRetentionDays: config.logRetentionDays,
      lateAlarmJobs: props.jobs.map((job) => job.id),
      builtInJobs: builtInJobInfos(props.jobs),
      runbookUrl: runbookUrlFor(config.github?.repository),
      watchdogJobId: props.jobs.find((job) => job.watchesRegistry)?.id,
      retain: config.protectData,
    });
    this.httpScheduler = new HttpScheduler(this, 'HttpScheduler', {
      stage: config.stage,
      api: this.jobMonitor.api,
      httpJobsTable: dynamodb.TableV2.fromTableName(this, 'HttpJobsTable', httpJobsTableName(config.stage)),
      jobStatusTable,
      alarmTopic: props.alarmTopic,
      alarms: props.alarms,
      logRetentionDays: config.logRetentionDays,
      retain: config.protectData,
    });
    new CfnOutput(this, 'ApiDocsUrl', { value: this.httpScheduler.docsUrl });
    new CfnOutput(this, 'SchedulerAdminTokenSecret', { value: this.httpScheduler.adminTokenSecretName });
    Tags.of(this.jobMonitor).add('component', SERVICE_FUNCTION_IDS.jobMonitor);
    Tags.of(this.httpScheduler).add('component', SERVICE_FUNCTION_IDS.httpScheduler);
    Tags.of(this.jobMonitor.readToken).add(READ_TOKEN_TAG.key, READ_TOKEN_TAG.value);
    new CfnOutput(this, 'JobReportUrl', { value: this.jobMonitor.reportUrl });
    new CfnOutput(this, 'StatusPageUrl', { value: this.jobMonitor.statusPageUrl });
    new CfnOutput(this, 'ReadTokenSecret', { value: this.jobMonitor.readTokenSecretName });
  }
}
