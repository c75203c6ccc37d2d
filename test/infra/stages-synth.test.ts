import { existsSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../lib/constructs/nightshift-function';
import { buildStageApp, STAGE_NAMES, TEST_ACCOUNT } from '../support/stage-apps';

describe.each(STAGE_NAMES)('the %s configuration, with a concrete account and the GitHub deploy stack', (name) => {
  const { app, stacks, config } = buildStageApp(name);

  it('synthesizes every stack with cdk-nag reporting no unacknowledged finding, without credentials or lookups', () => {
    const assembly = app.synth(); // throws on any unacknowledged cdk-nag finding

    // A lookup (AZs, AMIs, VPCs) would be listed here and need credentials and a cdk.context.json.
    expect(assembly.manifest.missing).toBeUndefined();
    expect(stacks.githubDeploy).toBeDefined();
    expect(assembly.stacks.map((stack) => stack.environment.account)).toEqual(assembly.stacks.map(() => TEST_ACCOUNT));
  });

  it("gives every function a log group with the stage's retention, CDK's own custom-resource functions included", () => {
    const { logRetentionDays } = config;
    const problems = app.synth().stacks.flatMap((stack) => {
      const resources = Object.entries(
        stack.template.Resources as Record<
          string,
          { Type: string; Properties: { RetentionInDays?: number; LoggingConfig?: { LogGroup?: { Ref?: string } } } }
        >,
      );
      const logGroups = new Map(resources.filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup'));
      const withoutRetention = [...logGroups]
        .filter(([, group]) => group.Properties.RetentionInDays !== logRetentionDays)
        .map(
          ([id]) => `${stack.stackName}/${id}: log group retention ${logGroups.get(id)?.Properties.RetentionInDays}`,
        );
      const withoutLogGroup = resources
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .filter(([, fn]) => !logGroups.has(fn.Properties.LoggingConfig?.LogGroup?.Ref ?? ''))
        .map(([id]) => `${stack.stackName}/${id}: function without a log group of its own`);
      return [...withoutRetention, ...withoutLogGroup];
    });
    expect(problems).toEqual([]);
  });

  if (name === 'import mode') {
    it("creates nothing of nightshift's own that costs by the hour: no NAT, endpoint, VPC or database instance", () => {
      const all = [stacks.network, stacks.data, stacks.jobs, stacks.api, stacks.monitoring].map((stack) =>
        Template.fromStack(stack),
      );
      for (const type of [
        'AWS::EC2::NatGateway',
        'AWS::AutoScaling::AutoScalingGroup',
        'AWS::EC2::VPCEndpoint',
        'AWS::RDS::DBInstance',
        'AWS::EC2::VPC',
      ]) {
        expect(all.map((template) => Object.keys(template.findResources(type)).length)).toEqual([0, 0, 0, 0, 0]);
      }
    });
  }
});

it('needs no cdk.context.json: there is none to commit', () => {
  expect(existsSync(path.join(REPO_ROOT, 'cdk.context.json'))).toBe(false);
});
