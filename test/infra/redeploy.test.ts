import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { buildTestApp } from '../support/build-test-app';

describe('destroy, then deploy the same stage again', () => {
  it('cannot collide in dev: every fixed-name resource goes with its stack, and no secret has a fixed name', () => {
    const { app, stacks } = buildTestApp();
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stacks.jobs).hasResource('AWS::Scheduler::ScheduleGroup', {
      DeletionPolicy: 'Delete',
      Properties: { Name: 'nightshift-dev' },
    });
  });

  it('stops synthesis naming a fixed-name resource kept on delete in a disposable stage', () => {
    const { app, stacks } = buildTestApp();
    new logs.LogGroup(stacks.jobs, 'KeptLogs', {
      logGroupName: '/nightshift/dev/kept',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    expect(() => app.synth()).toThrow(
      /Nightshift-dev-Jobs\/KeptLogs\/Resource: a fixed-name AWS::Logs::LogGroup that is kept on delete/,
    );
  });

  it('keeps prod logs on purpose (imported on the next deploy, docs/deploy.md)', () => {
    const { app, stacks } = buildTestApp({ context: { stage: 'prod' } });
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stacks.jobs).hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    Template.fromStack(stacks.api).hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Name: 'nightshift/prod/job-report-secret' }),
    });
  });

  it('deletes everything with its stacks where data is not protected, but the on-call e-mail subscription', () => {
    const { app } = buildTestApp({ context: { alarmEmail: 'oncall@example.com' } });
    const kept = app.synth().stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources as Record<string, { Type: string; DeletionPolicy?: string }>)
        .filter(([, resource]) => resource.DeletionPolicy !== undefined && resource.DeletionPolicy !== 'Delete')
        .map(([id, resource]) => `${stack.stackName}/${id} ${resource.Type}`),
    );
    // Kept on purpose: a deploy without alarmEmail must not unsubscribe on-call (nothing billed, no name to collide).
    expect(kept).toEqual([expect.stringMatching(/^Nightshift-dev-Monitoring\/AlarmTopic\w+ AWS::SNS::Subscription$/)]);
  });

  it("keeps the alarm topic's key and the HTTP jobs' schedule group where data is protected", () => {
    const { stacks } = buildTestApp({ context: { stage: 'prod' } });
    Template.fromStack(stacks.monitoring).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    // The API creates each HTTP job's schedule in it at run time; deleting the group would delete them all.
    Template.fromStack(stacks.api).hasResource('AWS::Scheduler::ScheduleGroup', {
      DeletionPolicy: 'Retain',
      Properties: { Name: 'nightshift-prod-http-jobs' },
    });
  });
});
