import { Arn, ArnFormat, Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import { acknowledgeWildcardResource } from '../nag-acknowledgements';
import { READ_TOKEN_TAG } from '../resource-names';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

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
 * no stored keys, only workflow runs of one repository in one GitHub environment, and no
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
      description: `cdk deploy of nightshift ${props.config.stage} from ${repository} (environment ${environment})`,
      maxSessionDuration: DEPLOY_SESSION,
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_ISSUER}:sub`]: `repo:${repository}:environment:${environment}`,
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
    const alarms = arn('cloudwatch', 'alarm', `nightshift-${stage}-*`);
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
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [alarms] }));
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
    acknowledgeWildcardResource(
      this.role,
      alarms,
      "Reading the state of this stage's alarms, named nightshift-<stage>-*",
    );
  }
}
