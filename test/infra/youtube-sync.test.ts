import { Match, Template } from 'aws-cdk-lib/assertions';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

/** youtube-sync as deployed from the real registry, and the migrate step every database job waits for. */
const { app, stacks } = buildTestApp({ jobs: JOBS });
const jobs = Template.fromStack(stacks.jobs);

const functionNamed = (name: string) => {
  const found = Object.entries(jobs.findResources('AWS::Lambda::Function', { Properties: { FunctionName: name } }));
  expect(found).toHaveLength(1);
  return { logicalId: found[0][0], properties: found[0][1].Properties };
};
const statementsOf = (logicalPrefix: string) =>
  Object.entries(jobs.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(logicalPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
const alarmNamed = (name: string) => {
  const found = Object.values(jobs.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};

describe('youtube-sync as deployed', () => {
  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it.each([
    ['midnight', 'cron(0 0 * * ? *)'],
    ['noon', 'cron(0 12 * * ? *)'],
    ['evening', 'cron(0 18 * * ? *)'],
  ])('runs at %s Asia/Tokyo (%s)', (name, expression) => {
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `youtube-sync-${name}`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Target: Match.objectLike({ Input: '{}' }),
    });
  });

  it('runs in the private subnets in the database clients group, with a 15-minute timeout', () => {
    const { properties } = functionNamed('nightshift-dev-youtube-sync');
    const networkTemplate = Template.fromStack(stacks.network);
    const privateSubnets = Object.keys(
      networkTemplate.findResources('AWS::EC2::Subnet', {
        Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: 'private' }]) },
      }),
    );

    expect(properties.Timeout).toBe(900);
    expect(JSON.stringify(properties.VpcConfig.SubnetIds)).toEqual(
      expect.stringContaining(privateSubnets[0].replace(/[^A-Za-z0-9]/g, '')),
    );
    // The database clients group, read from the data stack's SSM parameter (database-link.ts).
    expect(JSON.stringify(properties.VpcConfig.SecurityGroupIds)).toContain('databaseclientsecuritygroupid');
    expect(properties.Environment.Variables).toMatchObject({
      YOUTUBE_SECRET_NAME: 'nightshift/dev/youtube',
      DB_HOST: expect.anything(),
      ANALYTICS_BUCKET: expect.anything(),
    });
  });

  it('may only read the youtube secret, and no other function may read it at all', () => {
    const youtubeStatements = statementsOf('Jobyoutubesync').filter((statement) =>
      JSON.stringify(statement.Resource).includes('nightshift/dev/youtube'),
    );
    expect(youtubeStatements).toEqual([
      expect.objectContaining({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Effect: 'Allow',
      }),
    ]);
    const others = Object.entries(jobs.findResources('AWS::IAM::Policy')).filter(
      ([logicalId]) => !logicalId.startsWith('Jobyoutubesync'),
    );
    expect(JSON.stringify(others)).not.toContain('secret:nightshift/dev/youtube');
  });

  it('alarms when a run takes over 10 minutes, whatever its timeout', () => {
    const alarm = alarmNamed('nightshift-dev-youtube-sync-duration');
    expect(alarm).toMatchObject({ MetricName: 'Duration', Statistic: 'Maximum', Threshold: 600_000 });
    expect(alarm.AlarmDescription).toContain('took over 600 s');
  });

  it('alarms on the first failed run', () => {
    const alarm = alarmNamed('nightshift-dev-youtube-sync-errors');
    expect(alarm).toMatchObject({ MetricName: 'Errors', Statistic: 'Sum', Threshold: 1 });
    expect(alarm.AlarmActions).toHaveLength(1);
    expect(alarm.AlarmDescription).toContain('aws lambda invoke --function-name nightshift-dev-youtube-sync');
  });

  it('applies the migrations at deploy from a function in the VPC, before the database jobs are created', () => {
    const migrate = functionNamed('nightshift-dev-db-migrate');
    expect(migrate.properties.VpcConfig.SubnetIds).toBeDefined();
    jobs.hasResourceProperties('Custom::Trigger', { HandlerArn: Match.anyValue() });
    const [triggerId] = Object.keys(jobs.findResources('Custom::Trigger'));
    for (const job of ['youtube-sync', 'ftp-export']) {
      const { logicalId } = functionNamed(`nightshift-dev-${job}`);
      expect(jobs.toJSON().Resources[logicalId].DependsOn).toContain(triggerId);
    }
  });
});
