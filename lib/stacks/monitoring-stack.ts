import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import { AlarmFactory } from '../constructs/alarm-factory';
import { AlarmNotifications } from '../constructs/alarm-notifications';

/** Every alarm of the stage: the factory names them all `nightshift-<stage>-...`. */
export function alarmArnPattern(stack: Stack, stage: string): string {
  return stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `nightshift-${stage}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export interface MonitoringStackProps extends StackProps {
  readonly config: NightshiftConfig;
}

/** The alarm topic every alarm notifies, encrypted, with the on-call e-mail, chat channels and webhooks from config. */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: sns.Topic;
  /** Slack, Teams and HTTPS subscribers of the alarm topic (config `notifications`). */
  public readonly notifications: AlarmNotifications;
  /** Builds every on-call alarm of the stage, all notifying this topic: the other stacks use it too. */
  public readonly alarms: AlarmFactory;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    // A customer-managed key: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `nightshift ${props.config.stage} alarm topic`,
      enableKeyRotation: true,
      // Like the stage's data: kept where data is protected; elsewhere scheduled for deletion with
      // the stack (no charge while pending), so destroy-and-deploy does not pile up $1/month keys.
      removalPolicy: props.config.protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // Only this stage's alarms in this account: a service principal alone would admit any account's alarms.
    const fromThisStagesAlarms = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': alarmArnPattern(this, props.config.stage) },
    };
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisStageEncrypt',
        principals: [cloudwatchService],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisStagesAlarms,
      }),
    );

    const topicName = `nightshift-${props.config.stage}-alarms`;
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName,
      displayName: `nightshift ${props.config.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, and a topic policy replaces SNS's default one: without this
    // Allow, CloudWatch may not publish and no alarm reaches anyone.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisStagePublish',
        principals: [cloudwatchService],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromThisStagesAlarms,
      }),
    );
    if (props.config.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(
        new subscriptions.EmailSubscription(props.config.alarmEmail),
      );
      // A deploy without alarmEmail must not unsubscribe on-call; unsubscribe with the link in any alarm mail.
      subscription.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // The deploy workflow reads this back, so a deploy without ALARM_EMAIL keeps the same subscription.
      new CfnOutput(this, 'AlarmEmailOutput', { key: 'AlarmEmail', value: props.config.alarmEmail });
    }
    this.alarms = new AlarmFactory({ stage: props.config.stage, topic: this.alarmTopic });
    this.notifications = new AlarmNotifications(this, 'Notifications', {
      stage: props.config.stage,
      topic: this.alarmTopic,
      topicKey: key,
      topicName,
      notifications: props.config.notifications,
      alarms: this.alarms,
    });
  }
}
