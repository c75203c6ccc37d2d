import { Duration, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../config';
import { acknowledge } from '../nag-acknowledgements';
import type { AlarmFactory, OnCallAlarm } from './alarm-factory';

export interface AlarmNotificationsProps {
  readonly stage: string;
  /** The alarm topic: every alarm of the stage notifies it on alarm and on recovery. */
  readonly topic: sns.ITopic;
  /** The customer-managed key the topic is encrypted with; the webhooks' dead-letter queue uses it too. */
  readonly topicKey: kms.IKey;
  /** The topic's name, for the key policy: the topic's own ARN token there would make a cycle (topic → key → topic). */
  readonly topicName: string;
  /** Chat channels and HTTPS endpoints from the stage config. */
  readonly notifications: NotificationsConfig;
  /** Builds the alarm on the webhooks' dead-letter queue (only with webhooks). */
  readonly alarms: AlarmFactory;
}

/** The queue where SNS puts what it could not deliver to any webhook of the stage. */
export const webhookDeadLetterQueueName = (stage: string) => `nightshift-${stage}-alarm-webhooks-dlq`;

/**
 * The channel role's permissions: AWS Chatbot's documented "Notification permissions" template,
 * which lets it read the alarm and draw its metric chart in the chat message. Read-only.
 */
const CHATBOT_NOTIFICATION_ACTIONS = ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'];

/** Caps what anyone in the channel can do through Chatbot, whatever role they choose: read CloudWatch. */
export const CHATBOT_GUARDRAIL_POLICY = 'CloudWatchReadOnlyAccess';

/**
 * SNS's retries towards an HTTPS endpoint that does not answer 2xx: two quick ones, then backing
 * off from 10 s to 5 minutes, then four at 5 minutes: about half an hour, at most 50 minutes even
 * if every backoff step took the longest delay (SNS refuses policies over an hour). SNS's default,
 * three retries 20 s apart, would be spent by a pager endpoint's one-minute outage.
 */
export const WEBHOOK_DELIVERY_POLICY: sns.DeliveryPolicy = {
  healthyRetryPolicy: {
    numRetries: 12,
    numNoDelayRetries: 0,
    numMinDelayRetries: 2,
    numMaxDelayRetries: 4,
    minDelayTarget: Duration.seconds(10),
    maxDelayTarget: Duration.minutes(5),
    backoffFunction: sns.BackoffFunction.EXPONENTIAL,
  },
  throttlePolicy: { maxReceivesPerSecond: 10 },
};

/**
 * Where alarms go besides e-mail: a Slack and a Microsoft Teams channel through AWS Chatbot
 * (Amazon Q Developer in chat applications), and HTTPS endpoints (PagerDuty, Opsgenie, a chat
 * workflow) as topic subscriptions. Nothing is created for what the config leaves out.
 */
export class AlarmNotifications extends Construct {
  /** The role Chatbot assumes for a channel: CloudWatch read only. Only with a chat channel. */
  public readonly chatbotRole?: iam.Role;
  public readonly slack?: chatbot.SlackChannelConfiguration;
  public readonly teams?: chatbot.CfnMicrosoftTeamsChannelConfiguration;
  /** One HTTPS subscription per configured webhook, in config order. */
  public readonly webhooks: readonly sns.Subscription[];
  /**
   * Every notification SNS gave up delivering to a webhook, kept 14 days. One queue for all webhooks:
   * one alarm and one place to look, and each message names its subscription. Only with webhooks.
   */
  public readonly webhookDeadLetters?: sqs.Queue;
  /** `nightshift-<stage>-alarm-webhook-dead-letters`: a notification reached the queue. Only with webhooks. */
  public readonly webhookDeadLettersAlarm?: OnCallAlarm;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps) {
    super(scope, id);
    const { stage, topic, notifications } = props;

    if (notifications.slack || notifications.teams) {
      this.chatbotRole = this.createChatbotRole(stage);
      const guardrail = iam.ManagedPolicy.fromAwsManagedPolicyName(CHATBOT_GUARDRAIL_POLICY);
      if (notifications.slack) {
        this.slack = new chatbot.SlackChannelConfiguration(this, 'Slack', {
          // Chatbot configuration names are unique per account across regions: the stage keeps them apart.
          slackChannelConfigurationName: `nightshift-${stage}-alarms`,
          slackWorkspaceId: notifications.slack.workspaceId,
          slackChannelId: notifications.slack.channelId,
          role: this.chatbotRole,
          notificationTopics: [topic],
          guardrailPolicies: [guardrail],
          userRoleRequired: false,
          // Chatbot's log group lives in us-east-1 without a retention we could set here: no logs.
          loggingLevel: chatbot.LoggingLevel.NONE,
        });
      }
      if (notifications.teams) {
        // aws-cdk-lib has no L2 construct for Teams: the L1 resource, configured as the Slack one.
        this.teams = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
          configurationName: `nightshift-${stage}-alarms-teams`,
          teamId: notifications.teams.teamId,
          teamsTenantId: notifications.teams.tenantId,
          teamsChannelId: notifications.teams.channelId,
          teamsChannelName: notifications.teams.channelName,
          iamRoleArn: this.chatbotRole.roleArn,
          snsTopicArns: [topic.topicArn],
          guardrailPolicies: [guardrail.managedPolicyArn],
          userRoleRequired: false,
          loggingLevel: 'NONE',
        });
      }
    }

    if (notifications.webhooks.length > 0) {
      this.webhookDeadLetters = new sqs.Queue(this, 'WebhookDeadLetters', {
        queueName: webhookDeadLetterQueueName(stage),
        // The longest SQS keeps a message: a weekend's lost pages are still there on Monday.
        retentionPeriod: Duration.days(14),
        // AWS's SNS guide: an encrypted dead-letter queue needs a customer-managed key whose policy lets
        // SNS use it. The topic's own key, granted to SNS for this topic only (below).
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.topicKey,
        enforceSSL: true,
      });
      props.topicKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AlarmTopicWebhookDeadLetters',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            ArnEquals: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'sns', resource: props.topicName }) },
          },
        }),
      );
      const names = notifications.webhooks.map((webhook) => webhook.name).join(', ');
      acknowledge(
        this.webhookDeadLetters,
        'SQS3',
        `This queue is itself the dead-letter queue of the ${stage} alarm topic's webhook subscriptions (${names})`,
      );
      this.webhookDeadLettersAlarm = addWebhookDeadLettersAlarm(this, props.alarms, this.webhookDeadLetters);
    }

    this.webhooks = notifications.webhooks.map(
      (webhook) =>
        new sns.Subscription(this, `Webhook-${webhook.name}`, {
          topic,
          protocol: sns.SubscriptionProtocol.HTTPS,
          endpoint: webhook.url,
          // The SNS envelope, not the bare alarm: PagerDuty's and Opsgenie's CloudWatch integrations
          // expect it, and it carries the subscription confirmation a raw delivery would hide.
          rawMessageDelivery: false,
          deliveryPolicy: WEBHOOK_DELIVERY_POLICY,
          // After the last retry SNS moves the notification here (CDK adds the queue policy: this topic only).
          deadLetterQueue: this.webhookDeadLetters,
        }),
    );
  }

  private createChatbotRole(stage: string): iam.Role {
    const role = new iam.Role(this, 'ChatbotRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: `AWS Chatbot: posts nightshift ${stage} alarms with their metric chart (CloudWatch read only)`,
      inlinePolicies: {
        Notifications: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: CHATBOT_NOTIFICATION_ACTIONS, resources: ['*'] })],
        }),
      },
    });
    const why =
      "AWS Chatbot's documented Notification permissions template (read-only CloudWatch: the alarm and its chart); GetMetricWidgetImage and GetMetricData have no resource-level permissions, and DescribeAlarms returns the composite pager alarm only unscoped";
    for (const action of CHATBOT_NOTIFICATION_ACTIONS) acknowledge(role, `IAM5[Action::${action}]`, why);
    acknowledge(role, 'IAM5[Resource::*]', why);
    return role;
  }
}

/**
 * A notification reached the webhooks' dead-letter queue: a page that never arrived. It notifies the
 * same topic, so e-mail and chat get it even while the webhook is down.
 */
function addWebhookDeadLettersAlarm(scope: Construct, alarms: AlarmFactory, queue: sqs.IQueue): OnCallAlarm {
  const stage = alarms.stage;
  return alarms.create(scope, 'WebhookDeadLettersAlarm', {
    name: 'alarm-webhook-dead-letters',
    // Messages arriving, not a queue that is not empty: each lost notification alarms, even before a purge.
    metric: queue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    missingData: {
      treat: cloudwatch.TreatMissingData.NOT_BREACHING,
      reason: 'SQS publishes nothing for an idle queue; no data means nothing arrived',
    },
    // OK means only "no new dead letter for 5 minutes", and sent to a broken webhook the recovery
    // would itself become a dead letter and fire this alarm again.
    notifyOnRecovery: false,
    text: {
      meaning: `SNS gave up delivering an alarm notification to a webhook of ${stage} (PagerDuty, Opsgenie, ...) after its retries: that page never arrived. The topic's e-mail and chat subscribers got it, and get this alarm.`,
      whereToLook: [
        `Queue: aws sqs get-queue-url --queue-name ${webhookDeadLetterQueueName(stage)}`,
        'Read: aws sqs receive-message --queue-url <url> --max-number-of-messages 10',
        'Which alarm: each body is the SNS envelope; its Message holds AlarmName, NewStateValue, StateChangeTime',
        'Which endpoint: aws sns get-subscription-attributes --subscription-arn <the SubscriptionArn that ends its UnsubscribeURL> --query Attributes.Endpoint',
        `In ALARM now: aws cloudwatch describe-alarms --state-value ALARM --alarm-name-prefix nightshift-${stage}-`,
        "Fix: the endpoint (the service's status, a revoked or rotated integration key in the URL)",
        'Purge after: aws sqs purge-queue --queue-url <url>',
      ],
      runbook: 'docs/notifications.md#webhook-dead-letters',
    },
  });
}
