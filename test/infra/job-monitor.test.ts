import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { JobMonitor } from '../../lib/constructs/job-monitor';

/** The job monitor API construct in a bare stack; asset bundling is skipped (the bundling test covers it). */
function buildMonitor() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'MonitorTest', { env: { account: '123456789012', region: 'ap-northeast-1' } });
  const table = new dynamodb.TableV2(stack, 'JobStatus', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
  });
  const topic = new sns.Topic(stack, 'Alarms');
  const monitor = new JobMonitor(stack, 'JobMonitor', {
    stage: 'dev',
    jobStatusTable: table,
    alarmTopic: topic,
    lateAlarmJobs: ['ftp-export'],
    watchdogJobId: 'job-watchdog',
  });
  return {
    monitor,
    template: Template.fromStack(stack),
    topicId: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic),
  };
}

const { monitor, template, topicId } = buildMonitor();

/** The alarm on one metric, with its description flattened to text (the status page URL is a token). */
function alarmOn(metricName: string, job?: string) {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
    (alarm) =>
      alarm.Properties.MetricName === metricName &&
      (job === undefined || JSON.stringify(alarm.Properties.Dimensions).includes(`"Value":"${job}"`)),
  );
  expect(alarms).toHaveLength(1);
  return { ...alarms[0].Properties, description: JSON.stringify(alarms[0].Properties.AlarmDescription) };
}

describe('JobMonitor', () => {
  it('runs the API function on Node 22 ARM64 with secret names, never secret values, in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-job-monitor',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          JOB_STATUS_TABLE: Match.anyValue(),
          // Not retained (dev): generated names, so the secrets are passed by ARN.
          JOB_REPORT_SECRET_NAME: { Ref: Match.stringLikeRegexp('^JobMonitorWriteSecret') },
          JOB_READ_TOKEN_SECRET_NAME: { Ref: Match.stringLikeRegexp('^JobMonitorReadToken') },
          HISTORY_TTL_DAYS: '90',
          JOB_REPORT_SECRET: Match.absent(),
          JOB_READ_TOKEN: Match.absent(),
        }),
      },
    });
  });

  it('routes the monitor paths, /incidents and the job pages to the function with payload format 2.0', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/monitor/{proxy+}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /incidents' });
    // The job pages, /incidents/jobs/{job_key}.
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /incidents/{proxy+}' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles the stage and writes JSON access logs without any header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).not.toHaveProperty('header');
    expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/header|authorization/i);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/nightshift/dev/job-monitor/access',
      RetentionInDays: 7,
    });
  });

  it('generates both secrets as JSON with a current value, named by CloudFormation unless they are retained', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: Match.absent(),
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{}', GenerateStringKey: 'current' }),
    });
  });

  it('grants the function the store operations and nothing wider on the table', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: [
              'dynamodb:GetItem',
              // The job list reads the listed jobs' latest statuses in batches (getLatestMany).
              'dynamodb:BatchGetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
              // A deleted job's history goes in batches of deletes (DELETE /api/monitor/jobs/{job_key}).
              'dynamodb:BatchWriteItem',
              'dynamodb:Query',
            ],
            Resource: [Match.anyValue(), Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/index/byKind'])] })],
          }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('dynamodb:Scan');
    expect(policies).not.toContain('dynamodb:*');
  });

  it('alarms the topic when any job reports an error, linking the status page', () => {
    const alarm = alarmOn('JobReportedError');

    expect(alarm).toMatchObject({
      Namespace: 'Nightshift',
      Dimensions: [{ Name: 'service', Value: 'nightshift' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    expect(alarm.description).toContain('/incidents');
  });

  it("alarms when any job is late, and waits for the watchdog's first run instead of paging a first deploy", () => {
    const alarm = alarmOn('LateJobs');

    // No LateJobs data yet (the watchdog has not run): INSUFFICIENT_DATA, not ALARM.
    expect(alarm).toMatchObject({ Statistic: 'Maximum', Threshold: 1, TreatMissingData: 'missing' });
    expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarm.description).toContain('aws logs tail /aws/lambda/nightshift-dev-job-watchdog');
  });

  it('names a registry job in its own late alarm', () => {
    const alarm = alarmOn('JobLate', 'ftp-export');

    expect(alarm.description).toMatch(/^"?.*The job ftp-export missed its expected report/);
  });

  it('alarms on API 5xx and on function errors, pointing at the logs', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      AlarmDescription: Match.stringLikeRegexp('aws logs tail /nightshift/dev/job-monitor/access'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      AlarmDescription: Match.stringLikeRegexp('aws logs tail /aws/lambda/nightshift-dev-job-monitor'),
    });
    expect(monitor.alarms).toHaveLength(6);
  });

  it('alarms when a run hangs (JobHung from the watchdog), naming the status page', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Nightshift',
      MetricName: 'JobHung',
      Dimensions: [{ Name: 'service', Value: 'nightshift' }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(monitor.alarms.map((alarm) => alarm.node.id)).toContain('JobHung');
  });
});
