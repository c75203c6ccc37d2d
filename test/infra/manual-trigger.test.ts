import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTestApp } from '../support/build-test-app';
import { TEST_JOBS } from '../support/test-registry';

const { app, stacks } = buildTestApp({ context: { stage: 'prod' } });
const template = Template.fromStack(stacks.jobs);

describe('the manual-trigger rule', () => {
  it('matches Source=nightshift, DetailType=manual-trigger on the default bus, one rule per stage', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'nightshift-prod-manual-trigger',
      EventPattern: { source: ['nightshift'], 'detail-type': ['manual-trigger'] },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ManualTriggerHandler'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ManualTriggerFailedEvents'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
  });

  it('knows every registry job by its function name and may invoke exactly those functions', () => {
    const fn = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'nightshift-prod-manual-trigger' },
    });
    const env = Object.values(fn)[0].Properties.Environment.Variables;
    expect(JSON.parse(env.JOB_FUNCTIONS)).toEqual(
      Object.fromEntries(TEST_JOBS.map((job) => [job.id, `nightshift-prod-${job.id}`])),
    );
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('ManualTriggerHandler'),
    );
    const invoke = policy?.[1].Properties.PolicyDocument.Statement.find(
      (statement: { Action: string }) => statement.Action === 'lambda:InvokeFunction',
    );
    expect(invoke.Resource).toHaveLength(TEST_JOBS.length);
    expect(JSON.stringify(invoke.Resource)).not.toContain(':*');
  });

  it('refuses without retrying, keeps the refused event in a queue, and alarms on it', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ManualTriggerHandler') },
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ManualTriggerFailedEvents'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-prod-manual-trigger-errors',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ManualTriggerHandler') } }],
      AlarmActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'nightshift-prod-manual-trigger-failed-invocations',
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
    });
  });

  it('synthesizes cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
