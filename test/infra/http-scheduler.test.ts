import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTestApp } from '../support/build-test-app';

const { app, stacks } = buildTestApp();
const api = Template.fromStack(stacks.api);
const data = Template.fromStack(stacks.data);

/** The policy statements of the role a function with this name runs as. */
function statementsOf(functionName: string): Record<string, unknown>[] {
  const [fn] = Object.values(
    api.findResources('AWS::Lambda::Function', { Properties: { FunctionName: functionName } }),
  );
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(api.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('HTTP job scheduler infrastructure', () => {
  it('synthesizes the whole app with cdk-nag reporting no unacknowledged finding', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('creates a dedicated schedule group for the stage', () => {
    api.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'nightshift-dev-http-jobs' });
  });

  it('keeps jobs and runs in an encrypted on-demand table with a kind index, TTL and point-in-time recovery', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'nightshift-dev-http-jobs',
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byKind' })],
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('lets EventBridge Scheduler assume a role that may only invoke the caller and dead-letter to its queue', () => {
    const roles = api.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
        },
      },
    });
    const [roleId] = Object.keys(roles);
    expect(roleId).toBeDefined();
    const statements = Object.values(api.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(
      ['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
    const invoke = statements.find((statement) => statement.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke.Resource)).toContain('HttpSchedulerCaller');
  });

  it('gives the schedules an encrypted dead-letter queue', () => {
    api.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'nightshift-dev-http-jobs-dlq',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it('routes /jobs, /openapi.json and /docs to the scheduler API on the same HTTP API as the job monitor', () => {
    const apis = api.findResources('AWS::ApiGatewayV2::Api');
    expect(Object.keys(apis)).toHaveLength(1);
    for (const routeKey of [
      'ANY /jobs',
      'ANY /jobs/{proxy+}',
      'GET /openapi.json',
      'GET /docs',
      'GET /docs/{proxy+}',
      'ANY /api/monitor/{proxy+}',
    ]) {
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey });
    }
  });

  it('lets the API manage only its own schedules and job secrets and pass only the scheduler role', () => {
    const statements = statementsOf('nightshift-dev-http-scheduler');
    const text = JSON.stringify(statements);
    expect(text).toContain('schedule/nightshift-dev-http-jobs/*');
    expect(text).toContain('secret:nightshift/dev/http-jobs/*');
    const passRole = statements.find((statement) => statement.Action === 'iam:PassRole');
    expect(JSON.stringify(passRole?.Resource)).toContain('HttpSchedulerSchedulerRole');
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain('*');
  });

  it('lets the caller read job secrets but never create or delete them', () => {
    const actions = statementsOf('nightshift-dev-http-job-caller').flatMap((statement) => [statement.Action].flat());
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions).not.toContain('secretsmanager:CreateSecret');
    expect(actions).not.toContain('secretsmanager:DeleteSecret');
  });

  it('gives the API the admin token secret (by ARN, as dev lets CloudFormation name it), never a token value', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-http-scheduler',
      Environment: {
        Variables: Match.objectLike({
          SCHEDULER_ADMIN_TOKEN_SECRET_NAME: { Ref: Match.stringLikeRegexp('^HttpSchedulerAdminToken') },
          SCHEDULE_GROUP: 'nightshift-dev-http-jobs',
          SCHEDULER_ADMIN_TOKEN: Match.absent(),
        }),
      },
    });
  });

  it('alarms on caller errors, dead letters and API errors, each notifying on alarm and on recovery with a runbook', () => {
    for (const name of ['http-job-caller-errors', 'http-job-dead-letters', 'http-scheduler-api-errors']) {
      api.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `nightshift-dev-${name}`,
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
        AlarmDescription: Match.stringLikeRegexp(
          `More: docs/http-scheduler.md#alarm-[\\s\\S]*Runbook: docs/runbook.md#${name}$`,
        ),
      });
    }
    // Messages arriving, so a second undelivered run alarms even before the queue is purged.
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-dev-http-job-dead-letters',
      MetricName: 'NumberOfMessagesSent',
      Namespace: 'AWS/SQS',
    });
  });
});
