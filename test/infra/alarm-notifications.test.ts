import { Match, Template } from 'aws-cdk-lib/assertions';
import { OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

const SLACK = { workspaceId: 'T0123ABCD', channelId: 'C0123ABCDEF' };
const TEAMS = {
  teamId: '5d4c1b2a-0f9e-4d8c-b7a6-1234567890ab',
  tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-0123456789ef',
  channelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
};
const WEBHOOKS = [
  { name: 'pagerduty', url: 'https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue' },
  { name: 'opsgenie', url: 'https://api.opsgenie.com/v1/json/cloudwatch?apiKey=00000000-0000-0000-0000-000000000000' },
];

function monitoringWith(notifications: unknown, stage = 'dev') {
  const built = buildTestApp({ jobs: JOBS, context: { stage, notifications: JSON.stringify(notifications) } });
  return { ...built, template: Template.fromStack(built.stacks.monitoring) };
}

const guardrailArn = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess']],
};

describe('alarm notifications beyond e-mail', () => {
  it('creates no chat channel, role or HTTPS subscription when the stage configures none', () => {
    const { template } = monitoringWith({});

    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'https' }, 0);
  });

  it('creates no webhook dead-letter queue or alarm without webhooks, even with chat channels', () => {
    const { app, template } = monitoringWith({ slack: SLACK });

    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    expect(JSON.stringify(key.Properties.KeyPolicy)).not.toMatch(/sns\.amazonaws/);
    expect(OnCallAlarm.all(app).map((alarm) => alarm.spec.name)).not.toContain('alarm-webhook-dead-letters');
  });

  describe('with Slack, Teams and two webhooks configured (prod)', () => {
    const { app, stacks, template } = monitoringWith({ slack: SLACK, teams: TEAMS, webhooks: WEBHOOKS }, 'prod');
    const topic = { Ref: stacks.monitoring.getLogicalId(stacks.monitoring.alarmTopic.node.defaultChild as never) };
    // The topic's ARN spelled out (its Ref in the key policy would make a cycle: topic → key → topic).
    const topicArn = stacks.monitoring.resolve(
      stacks.monitoring.formatArn({ service: 'sns', resource: 'nightshift-prod-alarms' }),
    );
    const role = {
      'Fn::GetAtt': [
        stacks.monitoring.getLogicalId(stacks.monitoring.notifications.chatbotRole?.node.defaultChild as never),
        'Arn',
      ],
    };

    it('posts every alarm to the Slack channel through Chatbot, capped by a read-only guardrail', () => {
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
        ConfigurationName: 'nightshift-prod-alarms',
        SlackWorkspaceId: SLACK.workspaceId,
        SlackChannelId: SLACK.channelId,
        SnsTopicArns: [topic],
        IamRoleArn: role,
        // Without it Chatbot applies AdministratorAccess as the channel's guardrail.
        GuardrailPolicies: [guardrailArn],
        UserRoleRequired: false,
        LoggingLevel: 'NONE',
      });
    });

    it('posts every alarm to the Teams channel the same way', () => {
      template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
        ConfigurationName: 'nightshift-prod-alarms-teams',
        TeamId: TEAMS.teamId,
        TeamsTenantId: TEAMS.tenantId,
        TeamsChannelId: TEAMS.channelId,
        SnsTopicArns: [topic],
        IamRoleArn: role,
        GuardrailPolicies: [guardrailArn],
        UserRoleRequired: false,
      });
    });

    it("gives Chatbot's channel role CloudWatch read actions only, and nothing attached", () => {
      const roles = Object.values(template.findResources('AWS::IAM::Role'));
      expect(roles).toHaveLength(1);
      const [chatbotRole] = roles;
      expect(chatbotRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } }),
      ]);
      expect(chatbotRole.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = chatbotRole.Properties.Policies.flatMap(
        (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
      );
      expect(statements).toEqual([
        { Effect: 'Allow', Action: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'], Resource: '*' },
      ]);
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    it('subscribes each webhook over HTTPS with the SNS envelope', () => {
      for (const webhook of WEBHOOKS) {
        template.hasResourceProperties('AWS::SNS::Subscription', {
          TopicArn: topic,
          Protocol: 'https',
          Endpoint: webhook.url,
          RawMessageDelivery: false,
          DeliveryPolicy: Match.objectLike({
            healthyRetryPolicy: Match.objectLike({ backoffFunction: 'EXPONENTIAL' }),
          }),
        });
      }
      expect(stacks.monitoring.notifications.webhooks).toHaveLength(2);
    });

    it('keeps what SNS gives up on in one dead-letter queue for all webhooks of the stage', () => {
      const queues = template.findResources('AWS::SQS::Queue');
      expect(Object.keys(queues)).toHaveLength(1);
      const [queueId] = Object.keys(queues);
      const subscriptions = Object.values(
        template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'https' } }),
      );
      expect(subscriptions).toHaveLength(WEBHOOKS.length);
      for (const subscription of subscriptions) {
        expect(subscription.Properties.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        });
      }
      // The e-mail subscription keeps no redrive policy: SNS does not send e-mail failures anywhere.
      for (const subscription of Object.values(
        template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } }),
      )) {
        expect(subscription.Properties.RedrivePolicy).toBeUndefined();
      }
    });

    it('keeps a lost notification 14 days, under the topic key, with a name on-call can type', () => {
      // AWS's SNS guide: an encrypted dead-letter queue needs a customer-managed key that SNS may use.
      const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'nightshift-prod-alarm-webhooks-dlq',
        MessageRetentionPeriod: 14 * 24 * 3600,
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    });

    it("lets only this stage's alarm topic send to the queue, and nothing over plain HTTP", () => {
      const [policy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
      const allows = statements.filter((statement) => statement.Effect === 'Allow');
      expect(allows.length).toBeGreaterThan(0);
      for (const allow of allows) {
        expect(allow).toMatchObject({
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': topic } },
        });
      }
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    });

    it('alarms on the first lost notification, through the factory, to the same topic (e-mail and chat still get it)', () => {
      const alarm = OnCallAlarm.all(app).find((candidate) => candidate.spec.name === 'alarm-webhook-dead-letters');
      expect(alarm).toBeDefined();
      expect(stacks.alarms.created).toContain(alarm);
      const [queueId] = Object.keys(template.findResources('AWS::SQS::Queue'));
      const [properties] = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (resource) => resource.Properties,
      );
      expect(properties).toMatchObject({
        AlarmName: 'nightshift-prod-alarm-webhook-dead-letters',
        Namespace: 'AWS/SQS',
        MetricName: 'NumberOfMessagesSent',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
      // Its recovery means only "no new dead letter for 5 minutes", and sent to a broken webhook it
      // would itself become a dead letter and fire the alarm again.
      expect(properties.OKActions).toBeUndefined();
      const text = alarm?.descriptionText ?? '';
      expect(text).toContain('aws sqs receive-message');
      expect(text).toContain('nightshift-prod-alarm-webhooks-dlq');
      expect(text).toContain('SubscriptionArn');
      expect(text).toContain('aws sqs purge-queue');
      expect(text).toContain("The topic's e-mail and chat subscribers got it, and get this alarm.");
      expect(text).not.toContain('…');
    });

    it("retries an endpoint that is down for more than SNS's three default retries, within SNS's one-hour ceiling", () => {
      const [subscription] = Object.values(
        template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'https' } }),
      );
      const retry = subscription.Properties.DeliveryPolicy.healthyRetryPolicy;
      const backoffRetries =
        retry.numRetries - retry.numNoDelayRetries - retry.numMinDelayRetries - retry.numMaxDelayRetries;
      // The worst case: every backoff step as long as the longest delay.
      const worstCaseSeconds =
        retry.numMinDelayRetries * retry.minDelayTarget +
        (backoffRetries + retry.numMaxDelayRetries) * retry.maxDelayTarget;

      expect(retry.numRetries).toBeGreaterThan(3);
      expect(backoffRetries).toBeGreaterThanOrEqual(0);
      expect(worstCaseSeconds).toBeLessThanOrEqual(3600);
      expect(retry.numMaxDelayRetries * retry.maxDelayTarget).toBeGreaterThanOrEqual(15 * 60);
    });

    it('grants Chatbot and the endpoints no use of the topic key, and SNS only for this topic’s dead letters', () => {
      const [key] = Object.values(template.findResources('AWS::KMS::Key'));
      const statements = key.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
      const principals = statements.map((statement) => JSON.stringify(statement.Principal));
      expect(principals.join(' ')).not.toMatch(/chatbot/);
      expect(principals.join(' ')).toMatch(/cloudwatch\.amazonaws\.com/);
      // SNS decrypts the topic's messages for its own deliveries; it needs the key only to write the queue.
      expect(statements.filter((statement) => JSON.stringify(statement.Principal).includes('sns.amazonaws'))).toEqual([
        expect.objectContaining({
          Sid: 'AlarmTopicWebhookDeadLetters',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
        }),
      ]);
    });

    it('synthesizes with cdk-nag reporting no unacknowledged finding', () => {
      expect(() => app.synth()).not.toThrow();
    });
  });
});
