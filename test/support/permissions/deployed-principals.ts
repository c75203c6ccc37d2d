/**
 * The principals of a synthesized stage as AWS will see them: each Lambda function with its role,
 * resolved environment and the calls the Lambda service makes with that role (logs, traces, ENIs,
 * failure destinations), and any role's identity policies.
 */
import { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { NightshiftFunction } from '../../../lib/constructs/nightshift-function';
import type { CloudFormationValues, StackTemplate } from './cloudformation-values';
import type { Target } from './code-calls';

export interface DeployedRole {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Identity policies, resolved: the role's inline policies and every AWS::IAM::Policy attached to it. */
  readonly policies: ReadonlyArray<{ name: string; policy: PolicyDocument }>;
  /** AWS managed policies (their content is not in the template). */
  readonly managedPolicyArns: readonly string[];
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
  Sid?: string;
}

/** The resolved properties of an AWS::Lambda::Function this file reads. */
interface FunctionProperties {
  FunctionName?: string;
  Environment?: { Variables?: Record<string, string> };
  LoggingConfig?: { LogGroup?: string };
  TracingConfig?: { Mode?: string };
  VpcConfig?: unknown;
  DeadLetterConfig?: { TargetArn?: string };
}

export interface DeployedFunction {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly name: string;
  /** Handler file of a NightshiftFunction; undefined for functions aws-cdk-lib brings (custom resource providers). */
  readonly entry?: string;
  readonly constructPath?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly role: DeployedRole;
  /** What the Lambda service does with the function's role, as Target with `action` set. */
  readonly platformCalls: readonly Target[];
}

/** Every Lambda function of the stage, with its handler entry when it is one of ours. */
export function deployedFunctions(values: CloudFormationValues, app: IConstruct): DeployedFunction[] {
  const entries = new Map<string, string>();
  for (const construct of app.node.findAll()) {
    if (construct instanceof NightshiftFunction) {
      const stack = Stack.of(construct);
      const cfn = construct.fn.node.defaultChild as CfnFunction;
      entries.set(`${stack.stackName}/${stack.getLogicalId(cfn)}`, construct.entry);
    }
  }
  return values.all.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId, resource]) => {
        const props = values.resolve(stack, resource.Properties ?? {}) as FunctionProperties;
        const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
        const roleLogicalId = role?.['Fn::GetAtt']?.[0];
        if (!roleLogicalId) throw new Error(`${stack.stackName}/${logicalId}: its role is not one of the stage's`);
        const fn: DeployedFunction = {
          stack,
          logicalId,
          name: String(props.FunctionName ?? logicalId),
          entry: entries.get(`${stack.stackName}/${logicalId}`),
          constructPath: (resource as { Metadata?: Record<string, string> }).Metadata?.['aws:cdk:path'],
          env: (props.Environment?.Variables ?? {}) as Record<string, string>,
          role: deployedRole(values, stack, roleLogicalId),
          platformCalls: platformCalls(values, stack, logicalId, props),
        };
        return fn;
      }),
  );
}

export function deployedRole(values: CloudFormationValues, stack: StackTemplate, logicalId: string): DeployedRole {
  const resources = stack.template.Resources ?? {};
  const role = values.resolve(stack, resources[logicalId]?.Properties ?? {}) as {
    Policies?: Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>;
    ManagedPolicyArns?: string[];
  };
  const attached = Object.entries(resources)
    .filter(([, resource]) => ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.Type))
    .filter(([, resource]) =>
      ((resource.Properties?.Roles as unknown[]) ?? []).some((ref) => (ref as { Ref?: string }).Ref === logicalId),
    )
    .map(([id, resource]) => ({
      name: id,
      policy: values.resolve(stack, resource.Properties?.PolicyDocument) as PolicyDocument,
    }));
  return {
    stack,
    logicalId,
    name: values.resolveString(stack, { Ref: logicalId }),
    arn: values.resolveString(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] }),
    policies: [
      ...(role.Policies ?? []).map((inline) => ({
        name: inline.PolicyName,
        policy: inline.PolicyDocument,
      })),
      ...attached,
    ],
    managedPolicyArns: role.ManagedPolicyArns ?? [],
  };
}

/** Calls the Lambda service makes with the function's role, from the function's configuration. */
function platformCalls(
  values: CloudFormationValues,
  stack: StackTemplate,
  logicalId: string,
  props: FunctionProperties,
): Target[] {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${stack.region}:${values.account}:${resource}`;
  const calls: Target[] = [];
  const logGroup = props.LoggingConfig?.LogGroup ?? `/aws/lambda/${props.FunctionName}`;
  for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
    calls.push({ action, resource: arn('logs', `log-group:${logGroup}:log-stream:2025/08/11/[$LATEST]0123abcd`) });
  }
  if (props.TracingConfig?.Mode === 'Active') {
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) calls.push({ action, resource: '*' });
  }
  if (props.VpcConfig) {
    // The actions of the AWSLambdaVPCAccessExecutionRole managed policy: Lambda manages the function's ENIs.
    for (const action of [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ]) {
      calls.push({ action, resource: '*' });
    }
  }
  const destinations = Object.values(stack.template.Resources ?? {})
    .filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
    .filter((resource) => (resource.Properties?.FunctionName as { Ref?: string })?.Ref === logicalId)
    .flatMap((resource) => {
      const config = values.resolve(stack, resource.Properties?.DestinationConfig ?? {}) as {
        OnFailure?: { Destination?: string };
        OnSuccess?: { Destination?: string };
      };
      return [config.OnFailure?.Destination, config.OnSuccess?.Destination].filter(Boolean) as string[];
    });
  const deadLetter = props.DeadLetterConfig?.TargetArn;
  for (const destination of deadLetter ? [...destinations, deadLetter] : destinations) {
    if (!destination.startsWith('arn:aws:sqs:')) throw new Error(`destination ${destination} is not modelled`);
    calls.push({ action: 'sqs:SendMessage', resource: destination });
  }
  return calls;
}
