import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  ALARM_DESCRIPTION_LIMIT,
  AlarmFactory,
  OnCallAlarm,
  type OnCallAlarmSpec,
} from '../../lib/constructs/alarm-factory';

function setUp() {
  const app = new App();
  const stack = new Stack(app, 'Alarms', { env: { region: 'ap-northeast-1' } });
  const topic = new sns.Topic(stack, 'Topic');
  const alarms = new AlarmFactory({ stage: 'dev', topic });
  return { app, stack, topic, alarms };
}

const spec = (overrides: Partial<OnCallAlarmSpec> = {}): OnCallAlarmSpec => ({
  name: 'sample-errors',
  metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Errors', statistic: 'Sum' }),
  threshold: 1,
  missingData: { treat: cloudwatch.TreatMissingData.IGNORE, reason: 'no run, no verdict' },
  text: {
    meaning: 'the sample job failed',
    whereToLook: ['Logs: aws logs tail /aws/lambda/nightshift-dev-sample --since 2h'],
    rerun: "aws lambda invoke --function-name nightshift-dev-sample --payload '{}' out.json",
    runbook: 'README.md#alarm-errors',
  },
  ...overrides,
});

describe('the on-call alarm factory', () => {
  it('names the alarm nightshift-<stage>-<name>, states meaning, logs, re-run and runbook, and notifies on alarm and recovery', () => {
    const { stack, alarms } = setUp();
    alarms.create(stack, 'Errors', spec());
    const description = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    const [alarm] = Object.values(description).map((resource) => resource.Properties);
    expect(alarm).toMatchObject({
      AlarmName: 'nightshift-dev-sample-errors',
      TreatMissingData: 'ignore',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: expect.stringMatching(/^Topic/) }],
      OKActions: [{ Ref: expect.stringMatching(/^Topic/) }],
    });
    expect(alarm.AlarmDescription).toBe(
      [
        'the sample job failed',
        'Logs: aws logs tail /aws/lambda/nightshift-dev-sample --since 2h',
        'More: README.md#alarm-errors',
        "Re-run: aws lambda invoke --function-name nightshift-dev-sample --payload '{}' out.json",
        'Runbook: docs/runbook.md#sample-errors',
      ].join('\n'),
    );
  });

  it('cuts a long meaning to 1,024 characters but keeps the re-run command and the runbook whole', () => {
    const { stack, alarms } = setUp();
    const created = alarms.create(stack, 'Long', spec({ text: { ...spec().text, meaning: 'x'.repeat(3000) } }));
    const text = created.descriptionText;
    expect(text.length).toBeLessThanOrEqual(ALARM_DESCRIPTION_LIMIT);
    expect(text).toContain('…\nRe-run: aws lambda invoke --function-name nightshift-dev-sample');
    expect(text.endsWith('Runbook: docs/runbook.md#sample-errors')).toBe(true);
  });

  it('never splits a token (an API URL) when it cuts: one that fits stays whole, one at the cut goes whole', () => {
    const { stack, alarms, topic } = setUp();
    const kept = alarms.create(
      stack,
      'Kept',
      spec({ text: { ...spec().text, meaning: `${'y'.repeat(600)} ${topic.topicArn} ${'z'.repeat(600)}` } }),
    );
    expect(JSON.stringify(stack.resolve(kept.descriptionText))).toContain('"Ref":"Topic');
    const dropped = alarms.create(
      stack,
      'Dropped',
      spec({ text: { ...spec().text, meaning: `${'y'.repeat(850)} ${topic.topicArn} tail` } }),
    );
    const text = stack.resolve(dropped.descriptionText);
    // Nothing of the reference is left, so the description is plain text that ends in the cut mark before the command.
    expect(typeof text).toBe('string');
    expect(text).toMatch(/^y{850} …\nRe-run: /);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  it('refuses a name that is not kebab-case', () => {
    const { stack, alarms } = setUp();
    expect(() => alarms.create(stack, 'Bad', spec({ name: 'Sample_Errors' }))).toThrow(/kebab-case/);
  });

  it('can leave out the OK action for alarms that should only page', () => {
    const { stack, alarms } = setUp();
    alarms.create(stack, 'Quiet', spec({ notifyOnRecovery: false }));
    const [alarm] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(alarm.Properties.OKActions).toBeUndefined();
  });

  it('lists what it created, and every on-call alarm of the app across stacks', () => {
    const { app, stack, alarms, topic } = setUp();
    const other = new Stack(app, 'Other', { env: { region: 'ap-northeast-1' } });
    alarms.create(stack, 'A', spec({ name: 'a-errors' }));
    new AlarmFactory({ stage: 'dev', topic }).create(other, 'B', spec({ name: 'b-errors' }));
    new cloudwatch.Alarm(other, 'NotOnCall', { metric: spec().metric, threshold: 1, evaluationPeriods: 1 });
    expect(alarms.created.map((alarm) => alarm.fullName)).toEqual(['nightshift-dev-a-errors']);
    expect(OnCallAlarm.all(stack).map((alarm) => alarm.fullName)).toEqual([
      'nightshift-dev-a-errors',
      'nightshift-dev-b-errors',
    ]);
    expect(OnCallAlarm.all(app)[1].spec.missingData.reason).toBe('no run, no verdict');
  });
});
