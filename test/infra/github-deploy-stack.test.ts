import { Match, Template } from 'aws-cdk-lib/assertions';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

describe('GitHub Actions deploy role', () => {
  it('is not created unless config names the deploying repository', () => {
    expect(buildTestApp().stacks.githubDeploy).toBeUndefined();
  });

  const { app, stacks } = buildTestApp({ context: { stage: 'prod', github: '{"repository":"acme/nightshift"}' } });
  const template = Template.fromStack(stacks.githubDeploy!);

  it('trusts only OIDC tokens of deploy-stage.yml on main, in that repository and the GitHub environment named after the stage', () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'nightshift-prod-github-deploy',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: { Federated: { Ref: Match.stringLikeRegexp('^GitHubOidc') } },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                // An exact match: a run of another branch, or another workflow, has another subject.
                'token.actions.githubusercontent.com:sub':
                  'repo:acme/nightshift:environment:prod:job_workflow_ref:acme/nightshift/.github/workflows/deploy-stage.yml@refs/heads/main',
              },
            },
          },
        ],
      },
    });
  });

  it('may assume the CDK bootstrap roles and read only what the smoke test needs, and synthesizes cdk-nag clean', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    expect(statements.map((statement) => statement.Action)).toEqual([
      'sts:AssumeRole',
      'cloudformation:DescribeStacks',
      'secretsmanager:GetSecretValue',
      'cloudwatch:DescribeAlarms',
    ]);
    const resources = JSON.stringify(statements.map((statement) => statement.Resource));
    expect(resources).toContain(':role/cdk-hnb659fds-*-');
    expect(resources).toContain(':stack/Nightshift-prod-*/*');
    expect(resources).toContain(':secret:*');
    expect(statements[2].Condition).toEqual({
      StringEquals: {
        'aws:ResourceTag/secret': 'job-read-token',
        'aws:ResourceTag/project': 'nightshift',
        'aws:ResourceTag/stage': 'prod',
      },
    });
    // Composite alarms (the pager alarm) are returned only to a DescribeAlarms permission on "*".
    expect(statements[3].Resource).toBe('*');
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps its session long enough for a first prod deploy with a Multi-AZ database', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'nightshift-prod-github-deploy',
      MaxSessionDuration: 3 * 3600,
    });
  });

  it('may invoke the registry watchdog (the smoke test) and no other function', () => {
    const withRegistry = buildTestApp({
      jobs: JOBS,
      context: { stage: 'prod', github: '{"repository":"acme/nightshift"}' },
    });
    const statements = Object.values(
      Template.fromStack(withRegistry.stacks.githubDeploy!).findResources('AWS::IAM::Policy'),
    ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const invoke = statements.filter((statement) => statement.Action === 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0].Resource)).toContain(':function:nightshift-prod-job-watchdog"');
  });

  it('reuses an existing OIDC provider when given one', () => {
    const providerArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const reuse = buildTestApp({
      context: { github: JSON.stringify({ repository: 'acme/nightshift', existingProviderArn: providerArn }) },
    });
    const reused = Template.fromStack(reuse.stacks.githubDeploy!);
    reused.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(reused.findResources('AWS::IAM::Role'))).toContain(providerArn);
  });
});
