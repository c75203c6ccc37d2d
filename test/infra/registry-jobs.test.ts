import { Match, Template } from 'aws-cdk-lib/assertions';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

/** The real registry (lib/jobs.ts), as deployed. */
const { app, stacks } = buildTestApp({ jobs: JOBS });
const jobs = Template.fromStack(stacks.jobs);

const functionNamed = (name: string) => {
  const found = Object.values(jobs.findResources('AWS::Lambda::Function', { Properties: { FunctionName: name } }));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};
const policiesOf = (logicalPrefix: string) =>
  JSON.stringify(
    Object.entries(jobs.findResources('AWS::IAM::Policy'))
      .filter(([logicalId]) => logicalId.startsWith(logicalPrefix))
      .map(([, policy]) => policy.Properties.PolicyDocument),
  );

describe('the registry jobs as deployed', () => {
  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs ftp-export every 15 minutes in Asia/Tokyo, in the VPC, with its database and FTP secrets only', () => {
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'ftp-export-every-15-minutes',
      ScheduleExpression: 'cron(*/15 * * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      // A late or retried delivery exports its own slot, not the wall clock's.
      Target: Match.objectLike({ Input: JSON.stringify({ scheduled_time: '<aws.scheduler.scheduled-time>' }) }),
    });
    const fn = functionNamed('nightshift-dev-ftp-export');
    expect(fn.VpcConfig.SubnetIds).toBeDefined();
    expect(fn.Environment.Variables).toMatchObject({
      FTP_SECRET_NAME: 'nightshift/dev/ftp',
      DB_HOST: expect.anything(),
    });
    const policies = policiesOf('Jobftpexport');
    expect(policies).toContain('secret:nightshift/dev/ftp/*');
    // Its own database role's secret, never the admin user's (lib/database-roles.ts).
    expect(policies).toContain('DatabaseMigrationsRoleSecretftpexport');
    expect(policies).not.toContain('databasesecretarn');
    expect(policies).not.toContain('s3:');
  });

  it('runs the watchdog every 5 minutes outside the VPC with every job expectation and no secret', () => {
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'job-watchdog-every-5-minutes',
      ScheduleExpression: 'cron(*/5 * * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
    });
    const fn = functionNamed('nightshift-dev-job-watchdog');
    expect(fn.VpcConfig).toBeUndefined();
    const expectations = JSON.parse(fn.Environment.Variables.BUILT_IN_EXPECTATIONS);
    expect(expectations.map((e: { job_key: string }) => e.job_key).sort()).toEqual(
      JOBS.flatMap((job) => job.schedules.map(() => job.id)).sort(),
    );
    expect(policiesOf('Jobjobwatchdog')).not.toContain('secretsmanager');
    expect(functionNamed('nightshift-dev-ftp-export').Environment.Variables.BUILT_IN_EXPECTATIONS).toBeUndefined();
  });

  it('tells the monitor’s job page every registry job, whose runbook anchors name alarms the app has', () => {
    const api = Template.fromStack(stacks.api);
    const [monitor] = Object.values(
      api.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'nightshift-dev-job-monitor' } }),
    );
    const variables = monitor.Properties.Environment.Variables;
    const builtIn = JSON.parse(variables.BUILT_IN_JOBS) as Array<{ id: string; runbook_anchors: string[] }>;
    const alarmNames = new Set(
      [stacks.jobs, stacks.api].flatMap((stack) =>
        Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
          (alarm) => alarm.Properties.AlarmName,
        ),
      ),
    );

    expect(variables.NIGHTSHIFT_STAGE).toBe('dev');
    expect(builtIn.map((job) => job.id)).toEqual(JOBS.map((job) => job.id));
    for (const anchor of builtIn.flatMap((job) => job.runbook_anchors))
      expect(alarmNames).toContain(`nightshift-dev-${anchor}`);
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /incidents/{proxy+}' });
  });

  it('titles the registry jobs’ expectations with their Japanese display titles', () => {
    const expectations = JSON.parse(
      functionNamed('nightshift-dev-job-watchdog').Environment.Variables.BUILT_IN_EXPECTATIONS,
    );

    expect(expectations.find((e: { job_key: string }) => e.job_key === 'ftp-export').title).toBe(
      JOBS.find((job) => job.id === 'ftp-export')?.displayTitle,
    );
  });

  it('points the late-job alarm at the watchdog of the registry', () => {
    const lateAlarms = Template.fromStack(stacks.api).findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmName: 'nightshift-dev-job-late' },
    });
    // The description joins in the status page URL (a token), so it is a Fn::Join, not a plain string.
    expect(JSON.stringify(lateAlarms)).toContain('aws logs tail /aws/lambda/nightshift-dev-job-watchdog');
  });
});
