import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';

export interface MonitoringStackProps extends StackProps {
  readonly config: NightshiftConfig;
}

/** The alarm topic every alarm notifies, encrypted, with the on-call e-mail from config. */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    // A customer-managed key: CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `nightshift ${props.config.stage} alarm topic`,
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `nightshift-${props.config.stage}-alarms`,
      displayName: `nightshift ${props.config.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.config.alarmEmail) {
      const subscription = this.alarmTopic.addSubscription(
        new subscriptions.EmailSubscription(props.config.alarmEmail),
      );
      // A deploy without alarmEmail must not unsubscribe on-call; unsubscribe with the link in any alarm mail.
      subscription.applyRemovalPolicy(RemovalPolicy.RETAIN);
      // The deploy workflow reads this back, so a deploy without ALARM_EMAIL keeps the same subscription.
      new CfnOutput(this, 'AlarmEmailOutput', { key: 'AlarmEmail', value: props.config.alarmEmail });
    }
  }
}
