import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTestApp } from '../support/build-test-app';

const { app, stacks } = buildTestApp();
const jobs = Template.fromStack(stacks.jobs);

describe('jobs stack built from the registry', () => {
  it('synthesizes the whole app with cdk-nag AwsSolutions reporting no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('creates one schedule per registry schedule, in Asia/Tokyo, in the stage schedule group', () => {
    jobs.resourceCountIs('AWS::Scheduler::Schedule', 3);
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'sample-job-morning',
      GroupName: Match.anyValue(),
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Target: Match.objectLike({
        Input: JSON.stringify({ rows: 3 }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'sample-job-weekly',
      ScheduleExpression: 'cron(30 2 ? * MON *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Target: Match.objectLike({ Input: JSON.stringify({ rows: 10 }) }),
    });
    jobs.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'nightshift-dev' });
  });

  it('runs job functions on Node 22 ARM64 with the registry sizing and the stage name', () => {
    jobs.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-sample-job',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 120,
      TracingConfig: { Mode: 'Active' },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: Match.objectLike({
          JOB_ID: 'sample-job',
          JOB_SETTINGS: '{}',
          FTP_SECRET_NAME: 'nightshift/dev/ftp',
        }),
      },
    });
    const outside = jobs.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-dev-sample-outside' },
    });
    expect(Object.values(outside)[0].Properties.VpcConfig).toBeUndefined();
  });

  it('gives every job function an explicit log group with the configured retention', () => {
    jobs.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/nightshift-dev-sample-job',
      RetentionInDays: 7,
    });
  });

  it('sends failed asynchronous runs to an encrypted dead-letter queue', () => {
    jobs.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    jobs.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('creates four alarms per job, each notifying the alarm topic on alarm and on recovery', () => {
    const alarms = Object.values(jobs.findResources('AWS::CloudWatch::Alarm'));
    // The stack's other alarms belong to the manual-trigger rule.
    expect(alarms.filter((alarm) => alarm.Properties.AlarmName.startsWith('nightshift-dev-sample-'))).toHaveLength(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toHaveLength(1);
    }
  });

  it('alarms on errors, on duration above the share of the timeout, on throttles and on dead letters', () => {
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-sample-job-errors',
      MetricName: 'Errors',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-sample-job-duration',
      MetricName: 'Duration',
      Threshold: 96_000,
    });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-sample-outside-duration',
      Threshold: 15_000,
    });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-sample-outside-errors',
      Threshold: 2,
    });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles' });
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NumberOfMessagesSent' });
  });

  it('tells on-call in each alarm where the logs are and the exact command that re-runs the job', () => {
    jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-sample-job-errors',
      AlarmDescription: Match.stringLikeRegexp(
        'aws logs tail /aws/lambda/nightshift-dev-sample-job[\\s\\S]*aws lambda invoke --function-name nightshift-dev-sample-job .*--payload \'\\{"rows":3\\}\' out.json',
      ),
    });
  });

  const statementsOfJob = (jobLogicalPrefix: string) =>
    Object.entries(jobs.findResources('AWS::IAM::Policy'))
      .filter(([logicalId]) => logicalId.startsWith(jobLogicalPrefix))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);

  it('grants no wildcard action and scopes data access to the job-status table and the bucket', () => {
    const statements = statementsOfJob('Job');
    const actions = statements.flatMap((statement) => [statement.Action].flat() as string[]);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    const record = statementsOfJob('Jobsampleoutside').find((statement) =>
      [statement.Action].flat().includes('dynamodb:PutItem'),
    );
    expect(record?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(record?.Resource)).toMatch(/:table\/nightshift-dev-job-status"\]\]\}$/);
  });

  it("lets a VPC job read its own database role's secret, the FTP secret and the per-recipient FTP secrets only", () => {
    const secrets = statementsOfJob('Jobsamplejob').find((statement) =>
      [statement.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    const resources = JSON.stringify(secrets?.Resource);
    // Its own role secret, never the admin secret the data stack published (database-link.ts).
    expect(resources).toContain('DatabaseMigrationsRoleSecretsamplejob');
    expect(resources).not.toContain('SsmParameterValuenightshiftdevdatabasesecretarn');
    expect(resources).toContain(':secret:nightshift/dev/ftp-??????');
    expect(resources).toContain(':secret:nightshift/dev/ftp/*');
    expect(JSON.stringify(statementsOfJob('Jobsampleoutside'))).not.toContain('secretsmanager');
  });

  it('draws a dashboard with the job alarms and each job runs, duration and rows', () => {
    const dashboards = jobs.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values(dashboards)).toHaveLength(1);
    const body = JSON.stringify(Object.values(dashboards)[0].Properties.DashboardBody);
    for (const metric of ['JobSucceeded', 'JobFailed', 'RowsProcessed', 'Duration']) expect(body).toContain(metric);
    expect(body).toContain('nightshift-dev-sample-job: runs');
    expect(body).toContain('"title\\":\\"Alarms');
  });
});
