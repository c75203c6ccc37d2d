import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';
import { acknowledge } from '../nag-acknowledgements';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

export interface GitHubDeployStackProps extends StackProps {
  readonly config: NightshiftConfig;
  readonly github: NonNullable<NightshiftConfig['github']>;
}

/**
 * The role GitHub Actions assumes through OIDC to run `cdk deploy` (.github/workflows/deploy.yml):
 * no stored keys, only workflow runs of one repository in one GitHub environment, and no
 * permission of its own beyond assuming the CDK bootstrap roles of this account and region.
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
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_ISSUER}:sub`]: `repo:${repository}:environment:${environment}`,
        },
      }),
    });
    const bootstrapRoles = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-hnb659fds-*-${Aws.ACCOUNT_ID}-${this.region}`;
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [bootstrapRoles] }));
    acknowledge(
      this.role,
      `IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-*-<AWS::AccountId>-${this.region}]`,
      'The CDK bootstrap roles (deploy, file publishing, lookup) of this account and region; CDK picks one per step',
    );
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.role.roleArn,
      description: 'Set as the AWS_DEPLOY_ROLE_ARN variable of the GitHub repository',
    });
  }
}
