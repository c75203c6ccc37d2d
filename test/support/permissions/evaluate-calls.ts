/**
 * Evaluates calls as IAM does, with @cloud-copilot/iam-simulate (AGPL-3.0: a devDependency used by
 * this test only, never bundled or shipped; docs/deploy.md): the caller's identity policies and
 * the resource policy that applies (bucket, topic, queue, KMS key policy), with the request
 * context AWS adds (TLS, principal, region, resource tags, kms:ViaService).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { CloudFormationValues } from './cloudformation-values';
import type { Target } from './code-calls';
import type { DeployedRole, PolicyDocument } from './deployed-principals';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Evaluated {
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
}

/** A customer-managed key that encrypts a secret nightshift only imports (config), with the key's policy if known. */
export interface ImportedSecretKey {
  readonly secretArn: string;
  readonly keyArn: string;
}

/** The resolved properties of the resources that carry policies, keys or tags. */
interface ResourcePolicyProperties {
  Bucket?: string;
  Topics?: string[];
  Queues?: string[];
  PolicyDocument?: PolicyDocument;
  KeyPolicy?: PolicyDocument;
  KmsKeyId?: string;
  Tags?: Array<{ Key: string; Value: string }>;
}

export class PolicyEvaluator {
  private readonly resourcePolicies = new Map<string, PolicyDocument>();
  private readonly secretKeys = new Map<string, string>();
  private readonly tags = new Map<string, Record<string, string>>();

  constructor(
    private readonly values: CloudFormationValues,
    importedSecretKeys: readonly ImportedSecretKey[] = [],
  ) {
    for (const stack of values.all) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        const props = () => values.resolve(stack, resource.Properties ?? {}) as ResourcePolicyProperties;
        const arnOf = () => values.resolveString(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] });
        if (resource.Type === 'AWS::S3::BucketPolicy') {
          this.resourcePolicies.set(`arn:aws:s3:::${props().Bucket}`, props().PolicyDocument as PolicyDocument);
        } else if (resource.Type === 'AWS::SNS::TopicPolicy') {
          for (const topic of props().Topics ?? [])
            this.resourcePolicies.set(topic, props().PolicyDocument as PolicyDocument);
        } else if (resource.Type === 'AWS::SQS::QueuePolicy') {
          for (const url of props().Queues ?? []) {
            const [, region, account, name] = /^https:\/\/sqs\.([^.]+)\.amazonaws\.com\/(\d+)\/(.+)$/.exec(url) ?? [];
            this.resourcePolicies.set(
              `arn:aws:sqs:${region}:${account}:${name}`,
              props().PolicyDocument as PolicyDocument,
            );
          }
        } else if (resource.Type === 'AWS::KMS::Key') {
          this.resourcePolicies.set(arnOf(), props().KeyPolicy as PolicyDocument);
        } else if (resource.Type === 'AWS::SecretsManager::Secret') {
          const arn = arnOf();
          if (props().KmsKeyId) this.secretKeys.set(arn, this.keyArn(String(props().KmsKeyId), stack.region));
          const tags = props().Tags ?? [];
          this.tags.set(arn, Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])));
        }
      }
    }
    for (const imported of importedSecretKeys) {
      this.secretKeys.set(imported.secretArn, imported.keyArn);
      // A key nightshift does not own: assume the default key policy, which lets IAM policies of the account grant it.
      this.resourcePolicies.set(imported.keyArn, {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${values.account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      });
    }
  }

  /** The calls AWS makes on the caller's behalf for this one: kms:Decrypt behind a secret under a customer key. */
  impliedBy(target: Target & { action: string }, region: string): Array<Target & { action: string }> {
    const key = this.secretKeys.get(target.resource);
    if (!key || !target.action.startsWith('secretsmanager:')) return [];
    const viaSecretsManager = {
      'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
      'kms:CallerAccount': this.values.account,
      'kms:EncryptionContext:SecretARN': target.resource,
    };
    const reads = ['secretsmanager:GetSecretValue'];
    const writes = ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'];
    if (reads.includes(target.action)) return [{ action: 'kms:Decrypt', resource: key, context: viaSecretsManager }];
    if (writes.includes(target.action)) {
      return [{ action: 'kms:GenerateDataKey', resource: key, context: viaSecretsManager }];
    }
    return [];
  }

  async evaluate(role: DeployedRole, sessionName: string, target: Target & { action: string }): Promise<Evaluated> {
    const { account } = this.values;
    const region = role.stack.region;
    const resourceTags = Object.fromEntries(
      Object.entries(this.tags.get(target.resource) ?? {}).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
    );
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${account}:assumed-role/${role.name}/${sessionName}`,
          action: target.action,
          resource: { resource: target.resource, accountId: account },
          contextVariables: {
            'aws:SecureTransport': 'true',
            'aws:PrincipalArn': role.arn,
            'aws:PrincipalAccount': account,
            'aws:RequestedRegion': region,
            ...resourceTags,
            ...target.context,
          },
        },
        identityPolicies: role.policies.map(({ name, policy }) => ({ name, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: this.resourcePolicyOf(target.resource),
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(`${target.action} on ${target.resource}: ${JSON.stringify(result.errors)}`);
    }
    // A call AWS authorizes on "*" only (no resource type, or DescribeAlarms returning composite alarms)
    // is allowed only by a statement whose Resource is "*", not by a narrower pattern.
    const decision =
      result.resultType === 'wildcard'
        ? (result.results.find((pattern) => pattern.resourcePattern === '*')?.analysis.result ?? 'ImplicitlyDenied')
        : result.overallResult;
    return { action: target.action, resource: target.resource, decision: decision as Decision };
  }

  private resourcePolicyOf(resource: string): PolicyDocument | undefined {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
    return this.resourcePolicies.get(bucket ? `arn:aws:s3:::${bucket}` : resource);
  }

  private keyArn(keyId: string, region: string): string {
    return keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${region}:${this.values.account}:key/${keyId}`;
  }
}

/** Whether a granted action pattern (`s3:Get*`, `kms:*`) covers an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`, 'i');
  return regex.test(action);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
