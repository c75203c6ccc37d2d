import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { NightshiftStacks } from './app';
import type { NightshiftConfig } from './config';

/** Acknowledges one cdk-nag AwsSolutions rule on a construct (and its children), with the reason. */
export function acknowledge(construct: IConstruct, rule: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * Acknowledges the IAM5 wildcard finding for one resource ARN only. cdk-nag names the finding by
 * the flattened CloudFormation reference (`<Logical.Arn>:*`, `<AWS::AccountId>`), rebuilt here
 * the same way, so no other wildcard on the role is hidden.
 */
export function acknowledgeWildcardResource(construct: IConstruct, resourceArn: string, reason: string): void {
  acknowledge(construct, `IAM5[Resource::${flattenReference(Stack.of(construct).resolve(resourceArn))}]`, reason);
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const intrinsic = node as Record<string, unknown>;
  if (intrinsic['Fn::Join']) {
    const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (intrinsic['Fn::Sub']) return flattenReference(intrinsic['Fn::Sub']);
  if (intrinsic['Fn::GetAtt']) {
    const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (intrinsic['Fn::ImportValue']) return flattenReference(intrinsic['Fn::ImportValue']);
  if (intrinsic.Ref) return `<${flattenReference(intrinsic.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Every accepted cdk-nag finding of the app, each on the one resource it concerns and with the
 * reason it is accepted. Job functions acknowledge their own in ScheduledJob.
 */
export function acknowledgeNagFindings(stacks: NightshiftStacks, config: NightshiftConfig): void {
  const nat = stacks.network.natInstance;
  if (nat) {
    const why = 'natMode "instance" (fck-nat) is the low-cost egress for non-production stages';
    acknowledge(
      nat.role,
      'IAM5[Resource::*]',
      `${why}: it attaches its own ENI and moves its EIP, actions fck-nat scopes to no resource`,
    );
    acknowledge(
      nat.securityGroup,
      'EC23',
      'Admits the VPC CIDR only (the private subnets it forwards for); cdk-nag cannot evaluate the CIDR reference',
    );
    for (const group of nat.autoScalingGroups) {
      acknowledge(
        group,
        'AS3',
        `${why}: a one-instance group whose replacement keeps the ENI and the EIP; no scaling to report`,
      );
    }
  }

  const database = stacks.data.node.tryFindChild('Database');
  if (database) {
    acknowledge(
      database,
      'RDS11',
      'The port is not a security boundary: only the jobs security group can reach the database, in private subnets',
    );
    acknowledge(
      database,
      'RDS6',
      'The jobs authenticate with the Secrets Manager password (rotatable, TLS enforced); IAM database authentication is unused',
    );
    if (config.database.mode === 'create' && !config.database.multiAz) {
      acknowledge(
        database,
        'RDS3',
        `Single-AZ by config for stage ${config.stage}; set database.multiAz for production`,
      );
    }
    if (!config.protectData) {
      acknowledge(
        database,
        'RDS10',
        `Stage ${config.stage} is disposable (protectData false); prod enables protection`,
      );
    }
    acknowledge(
      database.node.findChild('Secret'),
      'SMG4',
      'Rotating the admin secret under running jobs would fail their connections mid-run; rotate in a maintenance window (README)',
    );
  }
}
