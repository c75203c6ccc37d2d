import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { manualTriggerCommand } from '../../lib/job-spec';
import { buildTestApp } from '../support/build-test-app';
import { matchesEventPattern } from '../support/event-pattern';
import { TEST_JOBS } from '../support/test-registry';

const { app, stacks } = buildTestApp({ context: { stage: 'prod' } });
const template = Template.fromStack(stacks.jobs);
const devTemplate = Template.fromStack(buildTestApp({ context: { stage: 'dev' } }).stacks.jobs);

/** The synthesized rule pattern of each stage (dev and prod share an account in the worst case). */
const rulePatterns = Object.fromEntries(
  [
    ['prod', template],
    ['dev', devTemplate],
  ].map(([stage, stageTemplate]) => {
    const [rule] = Object.values((stageTemplate as Template).findResources('AWS::Events::Rule'));
    return [stage as string, rule.Properties.EventPattern as Record<string, unknown>];
  }),
);
/** The stages whose rule an event starts the job in. */
const stagesStartedBy = (event: Record<string, unknown>) =>
  Object.keys(rulePatterns).filter((stage) => matchesEventPattern(rulePatterns[stage], event));
const event = (detail: Record<string, unknown>) => ({ source: 'nightshift', 'detail-type': 'manual-trigger', detail });

/** What `aws events put-events --entries <entry>` sends for a shorthand entry with a single-quoted Detail. */
function eventOfEntry(entry: string) {
  const match = /^Source=([^,]+),DetailType=([^,]+),Detail='((?:\\\\|\\'|[^'\\])*)'$/.exec(entry);
  if (!match) throw new Error(`not the entry shape the docs use: ${entry}`);
  // The CLI's shorthand syntax: inside single quotes \' is a quote and \\ a backslash.
  const detail = match[3].replace(/\\'/g, "'").replace(/\\\\/g, '\\');
  return { source: match[1], 'detail-type': match[2], detail: JSON.parse(detail) };
}

describe('the manual-trigger rule', () => {
  it('matches Source=nightshift, DetailType=manual-trigger and its stage on the default bus, one rule per stage', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'nightshift-prod-manual-trigger',
      EventPattern: {
        source: ['nightshift'],
        'detail-type': ['manual-trigger'],
        // prod answers the original command too (cdk.json originalManualTrigger).
        detail: { $or: [{ stage: ['prod'] }, { stage: [{ exists: false }] }] },
      },
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

  it('starts a job in the stage the event names and nowhere else; the original command (no stage) only in prod', () => {
    expect(devTemplate.findResources('AWS::Events::Rule')).toEqual({
      [Object.keys(devTemplate.findResources('AWS::Events::Rule'))[0]]: expect.objectContaining({
        Properties: expect.objectContaining({
          EventPattern: { source: ['nightshift'], 'detail-type': ['manual-trigger'], detail: { stage: ['dev'] } },
        }),
      }),
    });
    expect(stagesStartedBy(event({ stage: 'dev', job: 'ftp-export' }))).toEqual(['dev']);
    expect(stagesStartedBy(event({ stage: 'prod', job: 'ftp-export' }))).toEqual(['prod']);
    expect(stagesStartedBy(event({ job: 'ftp-export' }))).toEqual(['prod']);
    expect(stagesStartedBy(event({ stage: 'staging', job: 'ftp-export' }))).toEqual([]);
    expect(stagesStartedBy({ ...event({ stage: 'dev' }), source: 'batch-scheduler' })).toEqual([]);
  });

  it('docs/ops.md shows the command for a stage as the runbook writes it', () => {
    expect(readFileSync('docs/ops.md', 'utf8')).toContain(
      manualTriggerCommand('$STAGE', 'ftp-export', { slot: '2025-08-11T09:15' }),
    );
  });

  it('the documented command, with STAGE set as the runbook says, starts the job in that stage only', () => {
    const command = manualTriggerCommand('$STAGE', 'ftp-export', {
      slot: '2025-08-11T09:15',
      note: `it's "odd" $HOME`,
    });
    for (const stage of ['dev', 'prod']) {
      // The shell's reading of the command: the one argument after --entries.
      const [entry] = execFileSync(
        'bash',
        [
          '--noprofile',
          '--norc',
          '-c',
          `set -- ${command.replace(/^aws events put-events --entries /, '')}; printf '%s\\0' "$@"`,
        ],
        { env: { PATH: process.env.PATH, STAGE: stage }, encoding: 'utf8' },
      ).split('\0');
      const sent = eventOfEntry(entry);

      expect(sent.detail).toEqual({
        stage,
        job: 'ftp-export',
        payload: { slot: '2025-08-11T09:15', note: `it's "odd" $HOME` },
      });
      expect(stagesStartedBy(sent)).toEqual([stage]);
    }
  });

  it('tells the function its stage and whether it answers the original command', () => {
    const env = (stageTemplate: Template, stage: string) =>
      Object.values(
        stageTemplate.findResources('AWS::Lambda::Function', {
          Properties: { FunctionName: `nightshift-${stage}-manual-trigger` },
        }),
      )[0].Properties.Environment.Variables;
    expect(env(template, 'prod')).toMatchObject({ NIGHTSHIFT_STAGE: 'prod', ORIGINAL_MANUAL_TRIGGER: 'true' });
    expect(env(devTemplate, 'dev')).toMatchObject({ NIGHTSHIFT_STAGE: 'dev', ORIGINAL_MANUAL_TRIGGER: 'false' });
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
