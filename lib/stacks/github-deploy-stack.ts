import { Arn, ArnFormat, Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import { acknowledge, acknowledgeWildcardResource } from '../nag-acknowledgements';
import { READ_TOKEN_TAG, unhealthyAlarmName } from '../resource-names';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

/** The only branch that deploys. */
export const DEPLOY_BRANCH = 'main';
/** The reusable workflow whose job assumes the deploy role (deploy.yml calls it once per stage). */
export const DEPLOY_WORKFLOW = '.github/workflows/deploy-stage.yml';
/**
 * Claims the repository's OIDC subject template must include (set once, docs/deploy.md). AWS can
 * check only the `sub` claim of a GitHub token, and its default for a job with an environment,
 * `repo:<owner>/<repo>:environment:<name>`, names no branch: any branch's run in that environment
 * would do. With `job_workflow_ref` the subject also names the workflow file and its ref.
 */
export const OIDC_SUBJECT_CLAIMS = ['repo', 'context', 'job_workflow_ref'] as const;

/** The `sub` of a token GitHub issues to deploy-stage.yml of main in the given environment, with OIDC_SUBJECT_CLAIMS. */
export function deploySubject(repository: string, environment: string): string {
  return `repo:${repository}:environment:${environment}:job_workflow_ref:${repository}/${DEPLOY_WORKFLOW}@refs/heads/${DEPLOY_BRANCH}`;
}

export interface GitHubDeployStackProps extends StackProps {
  readonly config: NightshiftConfig;
  readonly github: NonNullable<NightshiftConfig['github']>;
  /** The function the post-deploy smoke test invokes (the registry's watchdog). @default no invoke permission */
  readonly smokeTestFunctionName?: string;
}

/**
 * A first prod deploy creates a Multi-AZ database (often 30-60 minutes) before the other stacks;
 * the CDK CLI re-assumes the bootstrap roles with these credentials until the last stack is done.
 */
export const DEPLOY_SESSION = Duration.hours(3);

/**
 * The role GitHub Actions assumes through OIDC to run `cdk deploy` (.github/workflows/deploy.yml):
 * no stored keys, only deploy-stage.yml of main in one repository and one GitHub environment, and no
 * permission of its own beyond assuming the CDK bootstrap roles of this account and region and
 * what the smoke test after a deploy reads (stack outputs, the read token, alarm states, the watchdog).
 */
export class GitHubDeployStack extends Stack {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubDeployStackProps) {
    super(scope, id, props);
    const { repository, environment, existingProviderArn } = props.github;
    // An account holds one provider per issuer: reuse it when another stack or tool made it.
    const providerArn =
      existingProviderArn ??
      new iam.OidcProviderNative(this, 'GitHubOidc', {
        url: `https://${GITHUB_ISSUER}`,
        clientIds: ['sts.amazonaws.com'],
      }).oidcProviderArn;

    this.role = new iam.Role(this, 'DeployRole', {
      roleName: `nightshift-${props.config.stage}-github-deploy`,
      description: `cdk deploy of nightshift ${props.config.stage} from ${repository} ${DEPLOY_BRANCH} (environment ${environment})`,
      maxSessionDuration: DEPLOY_SESSION,
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_ISSUER}:sub`]: deploySubject(repository, environment),
        },
      }),
    });
    const bootstrapRoles = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-hnb659fds-*-${Aws.ACCOUNT_ID}-${this.region}`;
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [bootstrapRoles] }));
    acknowledgeWildcardResource(
      this.role,
      bootstrapRoles,
      'The CDK bootstrap roles (deploy, file publishing, lookup) of this account and region; CDK picks one per step',
    );
    this.allowSmokeTest(props);
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.role.roleArn,
      description: 'Set as the AWS_DEPLOY_ROLE_ARN variable of the GitHub repository',
    });
  }

  /** Read-only access for `npm run ops -- smoke`, plus invoking the one function it runs. */
  private allowSmokeTest(props: GitHubDeployStackProps): void {
    const { stage } = props.config;
    const arn = (service: string, resource: string, resourceName: string, arnFormat = ArnFormat.COLON_RESOURCE_NAME) =>
      Arn.format({ service, resource, resourceName, arnFormat }, this);
    const stacks = arn('cloudformation', 'stack', `Nightshift-${stage}-*/*`, ArnFormat.SLASH_RESOURCE_NAME);
    // The read token's name is generated unless data is retained: found by its tags instead.
    const secrets = arn('secretsmanager', 'secret', '*');
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stacks] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secrets],
        conditions: {
          StringEquals: {
            [`aws:ResourceTag/${READ_TOKEN_TAG.key}`]: READ_TOKEN_TAG.value,
            'aws:ResourceTag/project': 'nightshift',
            'aws:ResourceTag/stage': stage,
          },
        },
      }),
    );
    // DescribeAlarms returns composite alarms (the pager alarm the smoke test reads) only to a permission on "*".
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }));
    if (props.smokeTestFunctionName) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [arn('lambda', 'function', props.smokeTestFunctionName)],
        }),
      );
    }
    acknowledgeWildcardResource(
      this.role,
      stacks,
      "Describing this stage's stacks (outputs for the smoke test and the kept alarm e-mail); stack ids end in a random suffix",
    );
    acknowledgeWildcardResource(
      this.role,
      secrets,
      "Only secrets tagged as this stage's job read token (condition on the project, stage and secret tags)",
    );
    acknowledge(
      this.role,
      'IAM5[Resource::*]',
      `cloudwatch:DescribeAlarms only (alarm states, read-only): it returns the composite alarm ${unhealthyAlarmName(stage)} the smoke test reads only when the permission is not resource-scoped (CloudWatch API reference, DescribeAlarms)`,
    );
  }
}
