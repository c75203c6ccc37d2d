import { CfnResource, type IAspect, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/**
 * Functions CDK builds itself from raw resources (the providers behind Triggers, bucket auto-delete
 * and the default security group restriction) have no log group: Lambda would create
 * `/aws/lambda/<name>` on their first run, kept forever and billed forever. Each gets its own
 * log group with the stage's retention, deleted with its stack (they hold only CDK's bookkeeping).
 */
export class ProviderLogGroups implements IAspect {
  constructor(private readonly retentionDays: number) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    // L2 functions are built on CfnFunction; every nightshift function sets its log group there.
    if (node instanceof lambda.CfnFunction || !node.node.scope) return;
    if (node.node.scope.node.tryFindChild(`${node.node.id}Logs`)) return;
    const logGroup = new logs.LogGroup(node.node.scope, `${node.node.id}Logs`, {
      retention: this.retentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    node.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }
}
