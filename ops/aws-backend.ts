import { readFileSync } from 'node:fs';
import { DescribeAlarmsCommand, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { JobForgetter } from '#shared/job-forget';
import { JobMuteStore } from '#shared/job-mutes';
import { RUN_KIND_CONTEXT_KEY } from '#shared/job-runner';
import { JobStatusStore } from '#shared/job-status-store';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '#shared/metrics';
import { functionNameFor, type JobSpec, logGroupNameFor, scheduleGroupNameFor, scheduleNameFor } from '../lib/job-spec';
import { jobReadTokenSecretName, jobStatusTableName, unhealthyAlarmName } from '../lib/resource-names';
import type { Invocation, LogEvent, LogQuery, OpsBackend, ScheduleChange, ScheduleState } from './ops-backend';
import type { OpsClients } from './ops-context';
import { explainAwsError, OpsUsageError } from './ops-errors';
import type { OpsTarget } from './ops-target';

const REPORT_PATH = '/api/monitor/job-report';

/** Marks a backfill's invocations for the job monitor (lambdas/shared/job-runner.ts reads it). */
const BACKFILL_CLIENT_CONTEXT = Buffer.from(
  JSON.stringify({ custom: { [RUN_KIND_CONTEXT_KEY]: 'backfill' } }),
).toString('base64');

/** Invokes the deployed function synchronously, as `aws lambda invoke` does, and reads its outcome. */
async function invokeFunction(
  clients: OpsClients,
  target: OpsTarget,
  job: Pick<JobSpec, 'id'>,
  payload: Record<string, unknown>,
  options: { backfill?: boolean } = {},
): Promise<Invocation> {
  const functionName = functionNameFor(target.stage, job.id);
  const started = Date.now();
  let response: InvokeCommandOutput;
  try {
    response = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: Buffer.from(JSON.stringify(payload)),
        ...(options.backfill ? { ClientContext: BACKFILL_CLIENT_CONTEXT } : {}),
      }),
    );
  } catch (error) {
    throw explainAwsError(error, target, `function ${functionName}`);
  }
  const durationMs = Date.now() - started;
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text };
  }
  const logTail = response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined;
  const requestId = response.$metadata?.requestId;
  if (response.FunctionError) {
    const error = `${String(body.errorType ?? response.FunctionError)}: ${String(body.errorMessage ?? text)}`;
    return { ok: false, error, logTail, requestId, durationMs };
  }
  return { ok: body.status !== 'error', outcome: body, logTail, requestId, durationMs };
}

/** A deployed stage: Lambda, CloudWatch Logs, EventBridge Scheduler, DynamoDB, Secrets Manager, CloudWatch. */
export function awsBackend(target: OpsTarget, clients: OpsClients): OpsBackend {
  const scheduleGroup = scheduleGroupNameFor(target.stage);
  return {
    label: `${target.stage} (${target.region})`,
    stage: target.stage,
    scheduleGroup,
    statusTable: jobStatusTableName(target.stage),
    statusStore: () => new JobStatusStore(clients.dynamo, jobStatusTableName(target.stage)),
    monitorEntries() {
      const table = jobStatusTableName(target.stage);
      const mutes = new JobMuteStore(clients.dynamo, table);
      return {
        mutes,
        forgetter: new JobForgetter(clients.dynamo, table, new JobStatusStore(clients.dynamo, table), mutes),
      };
    },

    /**
     * The same metrics the functions publish as EMF (namespace, `service`, and `service` + `job`), sent
     * with PutMetricData: the CLI is no Lambda function whose log lines CloudWatch turns into metrics.
     */
    async publishMonitorMetrics(metrics) {
      const service = { Name: 'service', Value: METRICS_SERVICE };
      const data = metrics.flatMap((metric) => [
        { MetricName: metric.name, Value: metric.value, Unit: StandardUnit.Count, Dimensions: [service] },
        ...(metric.job === undefined
          ? []
          : [
              {
                MetricName: metric.name,
                Value: metric.value,
                Unit: StandardUnit.Count,
                Dimensions: [service, { Name: 'job', Value: metric.job }],
              },
            ]),
      ]);
      await clients.cloudwatch
        .send(new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: data }))
        .catch((error) => {
          throw explainAwsError(error, target, `metrics in namespace ${METRICS_NAMESPACE}`);
        });
      return `published ${metrics.map((metric) => `${metric.name}=${metric.value}`).join(', ')} for the alarms`;
    },
    explain: (error, resource) => explainAwsError(error, target, resource),
    logSource: (functionId) => logGroupNameFor(target.stage, functionId),

    async readLogs(functionId: string, query: LogQuery): Promise<LogEvent[]> {
      const logGroupName = logGroupNameFor(target.stage, functionId);
      // A quoted term matches the id anywhere in the line: the runner's runId and Lambda's requestId alike.
      const filterPattern = query.run ? JSON.stringify(query.run) : undefined;
      const events: FilteredLogEvent[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await clients.logs.send(
            new FilterLogEventsCommand({
              logGroupName,
              startTime: query.startTime,
              endTime: query.endTime,
              ...(filterPattern ? { filterPattern } : {}),
              nextToken,
            }),
          );
          events.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken && events.length < query.limit);
      } catch (error) {
        throw explainAwsError(error, target, `log group ${logGroupName}`);
      }
      return events.map((event) => ({ timestamp: event.timestamp ?? 0, message: event.message ?? '' }));
    },

    runnerName: (job) => functionNameFor(target.stage, job.id),
    runnerLabel: (job) => `${functionNameFor(target.stage, job.id)} (${target.region})`,
    invoke: (job, payload, options) => invokeFunction(clients, target, job, payload, options),

    /**
     * Sets every schedule of the job to DISABLED / ENABLED. UpdateSchedule replaces the whole schedule,
     * so everything else is copied from GetSchedule unchanged.
     */
    async setSchedulesState(job: JobSpec, state: ScheduleState): Promise<ScheduleChange[]> {
      const changes: ScheduleChange[] = [];
      for (const { name: scheduleId } of job.schedules) {
        const name = scheduleNameFor(job.id, scheduleId);
        try {
          const current = await clients.scheduler.send(
            new GetScheduleCommand({ Name: name, GroupName: scheduleGroup }),
          );
          const before = current.State ?? 'ENABLED';
          if (before !== state) {
            await clients.scheduler.send(
              new UpdateScheduleCommand({
                Name: name,
                GroupName: scheduleGroup,
                ScheduleExpression: current.ScheduleExpression,
                ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
                StartDate: current.StartDate,
                EndDate: current.EndDate,
                Description: current.Description,
                FlexibleTimeWindow: current.FlexibleTimeWindow,
                Target: current.Target,
                KmsKeyArn: current.KmsKeyArn,
                ActionAfterCompletion: current.ActionAfterCompletion,
                State: state,
              }),
            );
          }
          changes.push({ schedule: name, before, after: state });
        } catch (error) {
          throw explainAwsError(error, target, `schedule ${scheduleGroup}/${name}`);
        }
      }
      return changes;
    },

    /** The API base URL from --api-url or the deploy's outputs file; the read token from Secrets Manager. */
    async smokeApi(options) {
      let baseUrl: string;
      let secretId = jobReadTokenSecretName(target.stage);
      if (options.apiUrl) {
        baseUrl = options.apiUrl.replace(/\/+$/, '');
      } else {
        if (!options.outputs) throw new OpsUsageError('smoke needs --outputs <cdk outputs file> or --api-url <url>');
        const stack = `Nightshift-${target.stage}-Api`;
        let outputs: Record<string, Record<string, string>>;
        try {
          outputs = JSON.parse(readFileSync(options.outputs, 'utf8'));
        } catch (error) {
          throw new OpsUsageError(`--outputs ${options.outputs}: ${(error as Error).message}`);
        }
        const reportUrl = outputs[stack]?.JobReportUrl;
        if (!reportUrl) throw new OpsUsageError(`--outputs ${options.outputs} has no ${stack}.JobReportUrl`);
        baseUrl = reportUrl.endsWith(REPORT_PATH) ? reportUrl.slice(0, -REPORT_PATH.length) : reportUrl;
        secretId = outputs[stack]?.ReadTokenSecret ?? secretId;
      }
      return {
        baseUrl,
        async readToken() {
          const secret = await clients.secrets
            .send(new GetSecretValueCommand({ SecretId: secretId }))
            .catch((error) => {
              throw explainAwsError(error, target, `secret ${secretId}`);
            });
          return String(JSON.parse(secret.SecretString ?? '{}').current);
        },
      };
    },

    pagerCheck: () => ({
      name: 'pager alarm readable',
      async run() {
        const alarmName = unhealthyAlarmName(target.stage);
        const found = await clients.cloudwatch
          .send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] }))
          .catch((error) => {
            throw explainAwsError(error, target, `alarm ${alarmName}`);
          });
        const alarm = found.CompositeAlarms?.[0] ?? found.MetricAlarms?.[0];
        if (!alarm) throw new Error(`alarm ${alarmName} does not exist`);
        return `${alarmName} is ${alarm.StateValue}`;
      },
    }),
  };
}
