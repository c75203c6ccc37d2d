/**
 * Resolves the intrinsic functions of synthesized templates (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split, Fn::ImportValue, Fn::If, pseudo parameters) to the concrete values
 * CloudFormation would produce in one account and region, so policies and environment variables
 * can be evaluated as the ARNs they become. Names CloudFormation generates get a stable stand-in
 * derived from the logical id; an attribute this file does not know fails loudly, naming it.
 */

export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: CloudFormationTemplate;
}

export interface CloudFormationTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

const PARTITION = 'aws';
/** The value of a parameter that has no default (the NAT AMI): any well-formed value serves. */
const PARAMETER_STAND_IN = 'ami-0123456789abcdef0';
/** Secrets Manager appends 6 random characters to a secret's name in its ARN. */
export const SECRET_SUFFIX = 'AbCdEf';

export class CloudFormationValues {
  private readonly exports = new Map<string, unknown>();

  constructor(
    private readonly stacks: readonly StackTemplate[],
    readonly account: string,
  ) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export) {
          const name = this.resolve(stack, output.Export.Name);
          this.exports.set(String(name), { stack, value: output.Value });
        }
      }
    }
  }

  stack(stackName: string): StackTemplate {
    const found = this.stacks.find((stack) => stack.stackName === stackName);
    if (!found) throw new Error(`no stack ${stackName} in the assembly`);
    return found;
  }

  get all(): readonly StackTemplate[] {
    return this.stacks;
  }

  /** The value `node` (any template fragment) has once deployed in `stack`. */
  resolve(stack: StackTemplate, node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.resolve(stack, item)).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1) {
      const [[key, argument]] = entries;
      const intrinsic = this.intrinsic(stack, key, argument);
      if (intrinsic !== NOT_INTRINSIC) return intrinsic;
    }
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of entries) {
      const item = this.resolve(stack, value);
      if (item !== NO_VALUE) resolved[key] = item;
    }
    return resolved;
  }

  /** Resolves and requires a string. */
  resolveString(stack: StackTemplate, node: unknown): string {
    const value = this.resolve(stack, node);
    if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
    return value;
  }

  private intrinsic(stack: StackTemplate, key: string, argument: unknown): unknown {
    switch (key) {
      case 'Ref':
        return this.ref(stack, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.+)/);
        return this.getAtt(stack, String(logicalId), String(this.resolve(stack, attribute)));
      }
      case 'Fn::Join': {
        const [delimiter, items] = argument as [string, unknown[]];
        return (this.resolve(stack, items) as unknown[]).map(String).join(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [delimiter, source] = argument as [string, unknown];
        return String(this.resolve(stack, source)).split(delimiter);
      }
      case 'Fn::GetAZs':
        return [`${stack.region}a`, `${stack.region}c`, `${stack.region}d`];
      case 'Fn::ImportValue': {
        const name = String(this.resolve(stack, argument));
        const exported = this.exports.get(name) as { stack: StackTemplate; value: unknown } | undefined;
        if (!exported) throw new Error(`${stack.stackName} imports ${name}, which no stack exports`);
        return this.resolve(exported.stack, exported.value);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.resolve(stack, this.condition(stack, condition) ? whenTrue : whenFalse);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.resolve(stack, argument) as [string, string, string];
        return stack.template.Mappings?.[map]?.[top]?.[second];
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.resolve(stack, argument))).toString('base64');
      default:
        return NOT_INTRINSIC;
    }
  }

  private condition(stack: StackTemplate, name: string): boolean {
    const evaluate = (node: unknown): boolean => {
      const [[fn, args]] = Object.entries(node as Record<string, unknown>);
      if (fn === 'Condition') return this.condition(stack, String(args));
      const list = args as unknown[];
      if (fn === 'Fn::Equals') return this.resolve(stack, list[0]) === this.resolve(stack, list[1]);
      if (fn === 'Fn::Not') return !evaluate(list[0]);
      if (fn === 'Fn::And') return list.every(evaluate);
      if (fn === 'Fn::Or') return list.some(evaluate);
      throw new Error(`unknown condition function ${fn} in ${stack.stackName}`);
    };
    const definition = stack.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`${stack.stackName} has no condition ${name}`);
    return evaluate(definition);
  }

  private sub(stack: StackTemplate, argument: unknown): string {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    return String(text).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in (variables as Record<string, unknown>)) {
        return String(this.resolve(stack, (variables as Record<string, unknown>)[name]));
      }
      const [logicalId, attribute] = name.split(/\.(.+)/);
      return String(attribute ? this.getAtt(stack, logicalId, attribute) : this.ref(stack, logicalId));
    });
  }

  private ref(stack: StackTemplate, name: string): unknown {
    const pseudo: Record<string, unknown> = {
      'AWS::AccountId': this.account,
      'AWS::Region': stack.region,
      'AWS::Partition': PARTITION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack.stackName,
      'AWS::StackId': `arn:${PARTITION}:cloudformation:${stack.region}:${this.account}:stack/${stack.stackName}/00000000-0000-0000-0000-000000000000`,
      'AWS::NoValue': NO_VALUE,
    };
    if (name in pseudo) return pseudo[name];
    const parameter = stack.template.Parameters?.[name];
    if (parameter?.Type?.startsWith('AWS::SSM::Parameter::Value'))
      return this.ssmParameter(stack, name, parameter.Default);
    if (parameter) return parameter.Default ?? PARAMETER_STAND_IN;
    const resource = this.resource(stack, name);
    const props = resource.Properties ?? {};
    const named = (property: string) => this.physicalName(stack, name, props[property]);
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
      case 'AWS::SecretsManager::Secret':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::IAM::OIDCProvider':
        return this.getAtt(stack, name, 'Arn');
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return this.resolve(stack, props.SecretId);
      case 'AWS::SQS::Queue':
        return `https://sqs.${stack.region}.amazonaws.com/${this.account}/${named('QueueName')}`;
      case 'AWS::KMS::Key':
        return `00000000-0000-0000-0000-${hex(name, 12)}`;
      case 'AWS::Lambda::Version':
        return `${this.resolve(stack, { 'Fn::GetAtt': [refOf(props.FunctionName), 'Arn'] })}:1`;
      default:
        return named(NAME_PROPERTY[resource.Type] ?? '');
    }
  }

  /** A parameter CloudFormation reads from SSM at deploy: the value another stack of the stage writes there. */
  private ssmParameter(stack: StackTemplate, name: string, parameterName: unknown): unknown {
    for (const writer of this.stacks) {
      for (const resource of Object.values(writer.template.Resources ?? {})) {
        if (resource.Type !== 'AWS::SSM::Parameter') continue;
        if (this.resolve(writer, resource.Properties?.Name) === parameterName) {
          return this.resolve(writer, resource.Properties?.Value);
        }
      }
    }
    if (String(parameterName).startsWith('/cdk-bootstrap/')) return '20';
    throw new Error(
      `${stack.stackName}: parameter ${name} reads SSM ${parameterName}, which no stack of the stage writes`,
    );
  }

  private getAtt(stack: StackTemplate, logicalId: string, attribute: string): unknown {
    const resource = this.resource(stack, logicalId);
    const props = resource.Properties ?? {};
    const { region } = stack;
    const account = this.account;
    const name = () => this.physicalName(stack, logicalId, props[NAME_PROPERTY[resource.Type] ?? '']);
    const arn = (service: string, resourcePart: string, withRegion = true, withAccount = true) =>
      `arn:${PARTITION}:${service}:${withRegion ? region : ''}:${withAccount ? account : ''}:${resourcePart}`;
    const attributes: Record<string, Record<string, () => unknown>> = {
      'AWS::IAM::Role': { Arn: () => arn('iam', `role${props.Path ?? '/'}${name()}`, false), RoleId: () => name() },
      'AWS::Lambda::Function': { Arn: () => arn('lambda', `function:${name()}`) },
      'AWS::DynamoDB::Table': { Arn: () => arn('dynamodb', `table/${name()}`) },
      'AWS::DynamoDB::GlobalTable': { Arn: () => arn('dynamodb', `table/${name()}`) },
      'AWS::S3::Bucket': {
        Arn: () => arn('s3', name(), false, false),
        DomainName: () => `${name()}.s3.amazonaws.com`,
        RegionalDomainName: () => `${name()}.s3.${region}.amazonaws.com`,
      },
      'AWS::SQS::Queue': {
        Arn: () => arn('sqs', name()),
        QueueName: () => name(),
        QueueUrl: () => this.ref(stack, logicalId),
      },
      'AWS::SNS::Topic': { Arn: () => arn('sns', name()), TopicArn: () => arn('sns', name()), TopicName: () => name() },
      'AWS::KMS::Key': {
        Arn: () => arn('kms', `key/${this.ref(stack, logicalId)}`),
        KeyId: () => this.ref(stack, logicalId),
      },
      'AWS::SecretsManager::Secret': {
        Arn: () => arn('secretsmanager', `secret:${name()}-${SECRET_SUFFIX}`),
        Id: () => arn('secretsmanager', `secret:${name()}-${SECRET_SUFFIX}`),
      },
      'AWS::Logs::LogGroup': { Arn: () => arn('logs', `log-group:${name()}:*`) },
      'AWS::StepFunctions::StateMachine': { Arn: () => arn('states', `stateMachine:${name()}`), Name: () => name() },
      'AWS::Scheduler::ScheduleGroup': { Arn: () => arn('scheduler', `schedule-group/${name()}`) },
      'AWS::CloudWatch::Alarm': { Arn: () => arn('cloudwatch', `alarm:${name()}`) },
      'AWS::CloudWatch::CompositeAlarm': { Arn: () => arn('cloudwatch', `alarm:${name()}`) },
      'AWS::Events::Rule': { Arn: () => arn('events', `rule/${name()}`) },
      'AWS::ApiGatewayV2::Api': {
        ApiEndpoint: () => `https://${name()}.execute-api.${region}.amazonaws.com`,
        ApiId: () => name(),
      },
      'AWS::IAM::OIDCProvider': {
        Arn: () =>
          arn('iam', `oidc-provider/${String(this.resolve(stack, props.Url)).replace(/^https:\/\//, '')}`, false),
      },
      'AWS::EC2::SecurityGroup': { GroupId: () => name() },
      'AWS::EC2::VPC': {
        DefaultSecurityGroup: () => `sg-default-${hex(logicalId, 8)}`,
        CidrBlock: () => props.CidrBlock,
      },
      'AWS::EC2::EIP': { AllocationId: () => `eipalloc-${hex(logicalId, 8)}`, PublicIp: () => '203.0.113.10' },
      'AWS::RDS::DBInstance': {
        'Endpoint.Address': () => `${name()}.abcdefghijkl.${region}.rds.amazonaws.com`,
        'Endpoint.Port': () => '5432',
      },
    };
    const getter = attributes[resource.Type]?.[attribute];
    if (!getter) throw new Error(`${stack.stackName}: Fn::GetAtt ${resource.Type}.${attribute} is not modelled`);
    return getter();
  }

  private resource(stack: StackTemplate, logicalId: string) {
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) throw new Error(`${stack.stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** The resource's name as set in the template, or a stand-in for the one CloudFormation generates. */
  private physicalName(stack: StackTemplate, logicalId: string, given: unknown): string {
    if (given !== undefined) return String(this.resolve(stack, given));
    const type = stack.template.Resources?.[logicalId]?.Type ?? '';
    const generated = `${stack.stackName}-${logicalId}`.slice(0, 40);
    if (type === 'AWS::S3::Bucket') return `${generated.toLowerCase()}-${hex(logicalId, 8)}`;
    if (type.startsWith('AWS::EC2::')) return `${type.split('::')[2].toLowerCase()}-${hex(logicalId, 12)}`;
    return `${generated}-${hex(logicalId, 8).toUpperCase()}`;
  }
}

/** The property that names a resource of each type (absent: CloudFormation generates the name). */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::CompositeAlarm': 'AlarmName',
  'AWS::Events::Rule': 'Name',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::Athena::WorkGroup': 'Name',
};

const NO_VALUE = Symbol('AWS::NoValue');
const NOT_INTRINSIC = Symbol('not an intrinsic function');

function refOf(node: unknown): string {
  const ref = (node as { Ref?: string })?.Ref;
  if (!ref) throw new Error(`expected a Ref, got ${JSON.stringify(node)}`);
  return ref;
}

/** A stable hex string derived from a logical id, for generated ids. */
function hex(seed: string, length: number): string {
  let hash = 2166136261;
  let out = '';
  while (out.length < length) {
    for (const char of seed + out.length) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    out += hash.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}
