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
});
