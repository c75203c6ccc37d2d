import { CfnDeletionPolicy, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Resource types whose physical name, once fixed, must be free again before the stack can recreate it. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Logs::LogGroup': 'logGroupName',
  'AWS::Scheduler::ScheduleGroup': 'name',
  'AWS::SecretsManager::Secret': 'name',
  'AWS::DynamoDB::GlobalTable': 'tableName',
  'AWS::DynamoDB::Table': 'tableName',
  'AWS::S3::Bucket': 'bucketName',
  'AWS::RDS::DBInstance': 'dbInstanceIdentifier',
};

/**
 * `cdk destroy` then `cdk deploy` must work in a stage whose data is disposable: a resource kept
 * on delete (Retain) under a fixed name, or a fixed-name secret (deleted secrets wait out a 7-30
 * day recovery window under their name), would make the next deploy fail with "already exists".
 * Protected stages keep such resources on purpose; docs/deploy.md says how to import them.
 */
export class RedeployCheck implements IAspect {
  constructor(private readonly protectData: boolean) {}

  visit(node: IConstruct): void {
    if (this.protectData || !CfnResource.isCfnResource(node)) return;
    const property = NAME_PROPERTY[node.cfnResourceType];
    // Unnamed resources still carry a lazy name that resolves to nothing.
    if (!property || node.stack.resolve((node as unknown as Record<string, unknown>)[property]) === undefined) return;
    const policy = node.cfnOptions.deletionPolicy;
    const kept = policy === CfnDeletionPolicy.RETAIN || policy === CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
    const recoveryWindow = node.cfnResourceType === 'AWS::SecretsManager::Secret';
    if (kept || recoveryWindow) {
      throw new Error(
        `${node.node.path}: a fixed-name ${node.cfnResourceType} that ${kept ? 'is kept on delete' : 'stays reserved for days after deletion'} would collide when this stage is destroyed and deployed again; let it be deleted with the stack, or let CloudFormation name it`,
      );
    }
  }
}
