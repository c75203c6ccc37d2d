import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALARM_DESCRIPTION_LIMIT, measure, OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { ScheduledJob } from '../../lib/constructs/scheduled-job';
import { buildTestApp } from '../support/build-test-app';

const { app, stacks } = buildTestApp();
const jobs = Template.fromStack(stacks.jobs);
const data = Template.fromStack(stacks.data);

const alarmNamed = (template: Template, name: string) => {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};

describe('on-call alarms of a stage', () => {
  it('are all built by the one factory, each with a stated missing-data rule and a link to its runbook section', () => {
    const all = OnCallAlarm.all(app);
    expect(all.map((alarm) => alarm.fullName)).toEqual(stacks.alarms.created.map((alarm) => alarm.fullName));
    for (const alarm of all) {
      expect(alarm.fullName).toMatch(/^nightshift-dev-[a-z0-9-]+$/);
      expect(alarm.spec.missingData.reason.length).toBeGreaterThan(20);
      expect(alarm.descriptionText.endsWith(`\nRunbook: docs/runbook.md#${alarm.spec.name}`)).toBe(true);
      if (alarm.spec.text.runbook) expect(alarm.spec.text.runbook).toMatch(/^(README|docs\/[a-z-]+)\.md#[a-z-]+$/);
    }
    // Every CloudWatch alarm in the app goes through the factory.
    const templates = [stacks.jobs, stacks.api, stacks.data, stacks.monitoring].map((stack) =>
      Template.fromStack(stack),
    );
    const count = templates.reduce((sum, t) => sum + Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length, 0);
    expect(count).toBe(all.length);
  });

  it('include the webhook dead-letter alarm of the monitoring stack when webhooks are configured, in the pager alarm too', () => {
    const webhooks = JSON.stringify({ webhooks: [{ name: 'pager', url: 'https://pager.example.com/sns' }] });
    const withWebhooks = buildTestApp({ context: { notifications: webhooks }, nag: false });
    const all = OnCallAlarm.all(withWebhooks.app);
    expect(all.map((alarm) => alarm.fullName)).toEqual(
      withWebhooks.stacks.alarms.created.map((alarm) => alarm.fullName),
    );
    expect(all.map((alarm) => alarm.fullName)).toContain('nightshift-dev-alarm-webhook-dead-letters');
    const [pager] = Object.values(
      Template.fromStack(withWebhooks.stacks.jobs).findResources('AWS::CloudWatch::CompositeAlarm'),
    );
    expect(JSON.stringify(pager.Properties.AlarmRule)).toContain(
      'ALARM(\\"nightshift-dev-alarm-webhook-dead-letters\\")',
    );
  });

  it('page no one on a first deploy, before any metric exists: no alarm treats missing data as breaching', () => {
    const breaching = OnCallAlarm.all(app)
      .filter((alarm) => alarm.spec.missingData.treat === cloudwatch.TreatMissingData.BREACHING)
      .map((alarm) => alarm.fullName);
    expect(breaching).toEqual([]);
    const templates = [stacks.jobs, stacks.api, stacks.data].map((stack) => Template.fromStack(stack));
    for (const template of templates) {
      expect(
        template.findResources('AWS::CloudWatch::Alarm', { Properties: { TreatMissingData: 'breaching' } }),
      ).toEqual({});
    }
  });

  it('keep a failing job in ALARM between its runs: no data (no run) leaves the Errors state as it is', () => {
    expect(alarmNamed(jobs, 'nightshift-dev-sample-outside-errors')).toMatchObject({
      TreatMissingData: 'ignore',
      OKActions: [expect.anything()],
    });
    expect(alarmNamed(jobs, 'nightshift-dev-sample-outside-duration').TreatMissingData).toBe('ignore');
  });

  it("say in a failed job's notification which job, since when it fails, where the runs in a row are, and the re-run", () => {
    const errorAlarms = OnCallAlarm.all(app).filter(
      (alarm) => alarm.node.scope instanceof ScheduledJob && alarm.spec.name.endsWith('-errors'),
    );
    expect(errorAlarms.length).toBeGreaterThan(0);
    for (const alarm of errorAlarms) {
      const job = alarm.spec.name.replace(/-errors$/, '');
      const text = alarm.descriptionText;
      expect(text).toContain(`the job ${job} failed`);
      expect(text).toMatch(/Failing since: this notification's StateChangeTime, the first failed run/);
      expect(text).toContain(`/incidents/jobs/${job}`);
      expect(text).toContain(`Re-run: aws lambda invoke --function-name nightshift-dev-${job} `);
      expect(text).not.toContain('…'); // nothing had to be cut
      expect(measure(alarm, text)).toBeLessThanOrEqual(ALARM_DESCRIPTION_LIMIT);
    }
  });

  it('alarm on events arriving in the schedule dead-letter queue, apart from the failed-runs destination', () => {
    const undelivered = alarmNamed(jobs, 'nightshift-dev-sample-job-undelivered');
    expect(undelivered).toMatchObject({ MetricName: 'NumberOfMessagesSent', Statistic: 'Sum', Threshold: 1 });
    const schedule = Object.values(jobs.findResources('AWS::Scheduler::Schedule'))[0].Properties;
    const destination = Object.values(jobs.findResources('AWS::Lambda::EventInvokeConfig'))[0].Properties;
    const dlq = JSON.stringify(schedule.Target.DeadLetterConfig.Arn);
    const onFailure = JSON.stringify(destination.DestinationConfig.OnFailure.Destination);
    expect(dlq).not.toEqual(onFailure);
    expect(JSON.stringify(undelivered.Dimensions)).toContain(JSON.parse(dlq)['Fn::GetAtt'][0]);
  });

  it('watch the created database: free storage, CPU and connections', () => {
    expect(alarmNamed(data, 'nightshift-dev-database-free-storage')).toMatchObject({
      MetricName: 'FreeStorageSpace',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 20 * 1024 ** 3 * 0.2,
    });
    expect(alarmNamed(data, 'nightshift-dev-database-cpu')).toMatchObject({
      MetricName: 'CPUUtilization',
      Threshold: 80,
    });
    expect(alarmNamed(data, 'nightshift-dev-database-connections')).toMatchObject({
      MetricName: 'DatabaseConnections',
      Threshold: 89, // 80% of 112, the default max_connections of a 1 GiB t4g.micro
    });
  });

  it('appear on the dashboard, the monitor, API and database ones included', () => {
    const body = JSON.stringify(
      Object.values(jobs.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody,
    );
    for (const name of ['job-reported-error', 'api-server-errors', 'database-cpu']) {
      expect(body).toContain(`alarm:nightshift-dev-${name}`);
    }
    // The jobs' own alarms are shown once, by reference, not again by name.
    expect(body).not.toContain('alarm:nightshift-dev-sample-job-errors');
    const byName = body.match(/alarm:nightshift-dev-/g) ?? [];
    const inJobsStack = Object.keys(jobs.findResources('AWS::CloudWatch::Alarm')).length;
    expect(byName).toHaveLength(OnCallAlarm.all(app).length - inJobsStack);
  });
});
