import { Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { unhealthyAlarmName } from '../resource-names';
import { OnCallAlarm, runbookLink } from './alarm-factory';

/** CloudWatch: a composite alarm rule may name at most 100 alarms. */
export const COMPOSITE_RULE_ALARM_LIMIT = 100;
/** The runbook anchor of the pager alarm. */
export const UNHEALTHY_RUNBOOK_ANCHOR = 'unhealthy';

export interface UnhealthyAlarmProps {
  readonly stage: string;
  /** Notified when the stage becomes unhealthy and when it recovers. */
  readonly topic: sns.ITopic;
}

/**
 * `nightshift-<stage>-unhealthy`: a composite alarm in ALARM while any on-call alarm of the stage is
 * (every job, the job monitor and its API, the database, the manual trigger), so a pager follows one
 * alarm. The rule is written at synthesis from every OnCallAlarm of the app, by name, so alarms that
 * jobs added later bring are covered; their stacks must deploy first (checked at synthesis).
 */
export class UnhealthyAlarm extends Construct {
  public readonly alarm: cloudwatch.CompositeAlarm;
  public readonly fullName: string;

  constructor(scope: Construct, id: string, props: UnhealthyAlarmProps) {
    super(scope, id);
    this.fullName = unhealthyAlarmName(props.stage);
    const rule = Lazy.string({ produce: () => this.ruleOverAllAlarms() });
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Alarm', {
      compositeAlarmName: this.fullName,
      alarmDescription: [
        `nightshift ${props.stage} needs on-call: at least one of its alarms (jobs, job monitor and API, database, manual trigger) is in ALARM.`,
        `Which: the top of the dashboard nightshift-${props.stage}, or aws cloudwatch describe-alarms --state-value ALARM --alarm-name-prefix nightshift-${props.stage}- --query 'MetricAlarms[].AlarmName'`,
        'Then follow that alarm: its text names the logs, the re-run command and its runbook section.',
        `Runbook: ${runbookLink(UNHEALTHY_RUNBOOK_ANCHOR)}`,
      ].join('\n'),
      alarmRule: cloudwatch.AlarmRule.fromString(rule),
    });
    const action = new cwActions.SnsAction(props.topic);
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }

  /** `ALARM("nightshift-dev-a") OR ALARM("nightshift-dev-b") ...` over every on-call alarm of the app. */
  private ruleOverAllAlarms(): string {
    const own = Stack.of(this);
    const alarms = OnCallAlarm.all(this);
    if (alarms.length === 0) throw new Error(`${this.fullName}: the stage has no on-call alarm to watch`);
    if (alarms.length > COMPOSITE_RULE_ALARM_LIMIT) {
      throw new Error(
        `${this.fullName}: ${alarms.length} alarms, over the ${COMPOSITE_RULE_ALARM_LIMIT} a composite alarm rule may name; split it per area`,
      );
    }
    for (const alarm of alarms) {
      const stack = Stack.of(alarm);
      if (stack !== own && !own.dependencies.includes(stack)) {
        throw new Error(
          `${this.fullName} names ${alarm.fullName} of ${stack.stackName}, which ${own.stackName} does not depend on: CloudFormation would create the composite alarm first and fail; add the stack dependency`,
        );
      }
    }
    return alarms.map((alarm) => `ALARM("${alarm.fullName}")`).join(' OR ');
  }
}
