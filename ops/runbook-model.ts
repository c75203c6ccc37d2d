import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import cdkJson from '../cdk.json';
import { buildNightshift } from '../lib/app';
import { loadConfig } from '../lib/config';
import { OnCallAlarm } from '../lib/constructs/alarm-factory';
import { AlarmNotifications } from '../lib/constructs/alarm-notifications';
import { JobMonitor } from '../lib/constructs/job-monitor';
import { ManualTrigger } from '../lib/constructs/manual-trigger';
import { NightshiftFunction } from '../lib/constructs/nightshift-function';
import { ScheduledJob } from '../lib/constructs/scheduled-job';
import { type JobSpec, lambdaLogGroupName, logGroupNameFor } from '../lib/job-spec';

/** Stands for the stage in the runbook's commands: on-call sets `STAGE=prod` (or dev) once. */
export const STAGE_VARIABLE = '$STAGE';

/** What the runbook says about one alarm, with every stage name replaced by $STAGE. */
export interface RunbookAlarm {
  /** The alarm's name without `nightshift-<stage>-`: its runbook anchor. */
  name: string;
  area: 'job' | 'job monitor' | 'manual trigger' | 'alarm notifications' | 'other';
  /** Registry job the alarm is about (its own, or a per-job alarm elsewhere such as job-late-<id>). */
  job?: JobSpec;
  meaning: string;
  whereToLook: string[];
  more?: string;
  firesWhen: string;
  missingData: string;
  /** Log group of the run that failed (the job's, else the function next to the alarm). */
  logGroup?: string;
  stages: string[];
  /** Set when no stage of cdk.json has the alarm: the config that creates it, e.g. "the stage configures `notifications.webhooks`". */
  onlyWhen?: string;
}

/** One app the runbook reads alarms from: a stage of cdk.json, or that stage with optional config added. */
export interface RunbookStage {
  stage: string;
  app: App;
  /** Set for a stage built with example config: what that config is, in words. */
  onlyWhen?: string;
}

/**
 * Config that adds alarms and that the stages of cdk.json may leave out: the runbook builds the
 * first stage once more with each, so those alarms are documented before anyone configures them.
 */
const OPTIONAL_CONFIG: ReadonlyArray<{ context: Record<string, string>; onlyWhen: string }> = [
  {
    context: { notifications: JSON.stringify({ webhooks: [{ name: 'example', url: 'https://example.com/alarms' }] }) },
    onlyWhen: 'the stage configures `notifications.webhooks`',
  },
];

const COMPARISON: Record<string, string> = {
  [cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD]: '≥',
  [cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD]: '>',
  [cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD]: '<',
  [cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD]: '≤',
};

/**
 * The stages of cdk.json, as the deploy builds them (asset bundling skipped: only the alarms are
 * read), then the first stage with each optional config (OPTIONAL_CONFIG).
 */
export function buildStages(jobs: readonly JobSpec[]): RunbookStage[] {
  const stages = Object.keys(cdkJson.context['nightshift:stages']);
  const build = (stage: string, extra: Record<string, string> = {}) => {
    const app = new App({ context: { ...cdkJson.context, stage, 'aws:cdk:bundling-stacks': [], ...extra } });
    buildNightshift(
      app,
      loadConfig((key) => app.node.tryGetContext(key)),
      jobs,
    );
    return app;
  };
  return [
    ...stages.map((stage) => ({ stage, app: build(stage) })),
    ...OPTIONAL_CONFIG.map(({ context, onlyWhen }) => ({ stage: stages[0], app: build(stages[0], context), onlyWhen })),
  ];
}

/** Placeholders for values known only once deployed, by the type of resource they come from. */
const DEPLOYED_VALUE: Record<string, string> = {
  'AWS::ApiGatewayV2::Api': '<API URL>',
  'AWS::RDS::DBInstance': '<database instance id>',
  'AWS::SecretsManager::Secret': '<secret ARN: the ReadTokenSecret output of Nightshift-$STAGE-Api>',
};

/** What an unresolved token stands for, e.g. `<API URL>`, from the resource it references. */
function placeholderFor(scope: IConstruct, token: string): string {
  const stack = Stack.of(scope);
  const logicalId = /"(?:Ref|Fn::GetAtt)":\[?"([^"]+)"/.exec(JSON.stringify(stack.resolve(token)))?.[1];
  const resource = stack.node
    .findAll()
    .find(
      (child): child is CfnResource => CfnResource.isCfnResource(child) && stack.resolve(child.logicalId) === logicalId,
    );
  return (resource && DEPLOYED_VALUE[resource.cfnResourceType]) ?? '<deployed value>';
}

/** Text as on-call reads it: the stage becomes $STAGE, a value known only once deployed a placeholder. */
function generic(scope: IConstruct, text: string, stage: string): string {
  return text
    .replace(/\$\{Token\[[^\]]+\]\}/g, (token) => placeholderFor(scope, token))
    .replace(new RegExp(`\\b${stage}\\b`, 'g'), STAGE_VARIABLE);
}

function scopeOf<T>(alarm: IConstruct, type: abstract new (...args: never[]) => T): T | undefined {
  return alarm.node.scopes.find((scope): scope is T & IConstruct => scope instanceof type);
}

/** The registry job an alarm is about: its ScheduledJob, or a job id that ends or starts its name. */
function jobOf(alarm: OnCallAlarm, jobs: readonly JobSpec[]): JobSpec | undefined {
  const owner = scopeOf(alarm, ScheduledJob);
  if (owner) return jobs.find((job) => job.id === owner.jobId);
  return jobs.find((job) => alarm.spec.name.endsWith(`-${job.id}`) || alarm.spec.name.startsWith(`${job.id}-`));
}

/** The function whose logs explain the alarm: the nearest enclosing construct that holds one. */
function functionNear(alarm: OnCallAlarm): NightshiftFunction | undefined {
  for (const scope of [...alarm.node.scopes].reverse()) {
    if (scope instanceof Stack) return undefined;
    const found = scope.node.findAll().find((child) => child instanceof NightshiftFunction);
    if (found) return found as NightshiftFunction;
  }
  return undefined;
}

function describeTrigger(alarm: OnCallAlarm): string {
  const { spec } = alarm;
  const stat = spec.metric.toMetricConfig().metricStat;
  const what = stat
    ? `${stat.namespace} ${stat.metricName} (${stat.statistic} over ${stat.period.toMinutes()} min)`
    : 'the metric';
  const operator =
    COMPARISON[spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD];
  const periods = spec.evaluationPeriods ?? 1;
  return `${what} ${operator} ${spec.threshold}${periods > 1 ? ` in ${spec.datapointsToAlarm ?? periods} of ${periods} periods` : ''}`;
}

/** Every on-call alarm of every stage, once, in the order the first stage that has it creates it. */
export function collectRunbookAlarms(jobs: readonly JobSpec[]): RunbookAlarm[] {
  const byName = new Map<string, RunbookAlarm>();
  for (const { stage, app, onlyWhen } of buildStages(jobs)) {
    for (const alarm of OnCallAlarm.all(app)) {
      const known = byName.get(alarm.spec.name);
      if (known) {
        // An example build adds only the alarms no stage has; the others' stages are already known.
        if (!onlyWhen) known.stages.push(stage);
        continue;
      }
      const job = jobOf(alarm, jobs);
      const fn = functionNear(alarm);
      const { text } = alarm.spec;
      const functionName = fn && (fn.fn.node.defaultChild as lambda.CfnFunction).functionName;
      const logGroup = job ? logGroupNameFor(stage, job.id) : functionName && lambdaLogGroupName(functionName);
      byName.set(alarm.spec.name, {
        name: alarm.spec.name,
        area: scopeOf(alarm, ScheduledJob)
          ? 'job'
          : scopeOf(alarm, JobMonitor)
            ? 'job monitor'
            : scopeOf(alarm, ManualTrigger)
              ? 'manual trigger'
              : scopeOf(alarm, AlarmNotifications)
                ? 'alarm notifications'
                : 'other',
        job,
        meaning: generic(alarm, text.meaning, stage),
        whereToLook: (text.whereToLook ?? []).map((line) => generic(alarm, line, stage)),
        more: text.runbook,
        firesWhen: describeTrigger(alarm),
        missingData: `${alarm.spec.missingData.treat}: ${alarm.spec.missingData.reason}`,
        logGroup: logGroup ? generic(alarm, logGroup, stage) : undefined,
        stages: onlyWhen ? [] : [stage],
        onlyWhen,
      });
    }
  }
  return [...byName.values()];
}
