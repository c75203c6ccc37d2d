import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaLogGroupName } from '../job-spec';
import { acknowledge } from '../nag-acknowledgements';

/** Repository root: function entries in the registry are relative to it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface NightshiftFunctionProps {
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly functionName: string;
  readonly description?: string;
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default {} */
  readonly environment?: Record<string, string>;
  /** Runs in the VPC's private subnets when given. @default not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default none (required with vpc) */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Keep the log group when the stack is deleted. @default false */
  readonly retainLogs?: boolean;
  /**
   * Paths (repository-relative files or directories) copied into a folder next to the bundle's index.js,
   * for what the code reads at run time; a directory's contents are copied. Keyed by the bundle folder.
   * @default none
   */
  readonly copyIntoBundle?: Readonly<Record<string, readonly string[]>>;
}

/**
 * esbuild options of every bundle. The AWS SDK is bundled, at the version package-lock.json pins
 * (docs/deploy.md, "The AWS SDK in the bundles"): the code runs on AWS with the SDK the tests ran
 * against, not with whichever version the Lambda runtime ships that month. ES module builds come
 * first so esbuild keeps only the SDK commands the code imports; the permission test reads that
 * list (test/infra/permissions.test.ts).
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: nodejs.OutputFormat.CJS,
  bundleAwsSDK: true,
  mainFields: ['module', 'main'],
} as const satisfies nodejs.BundlingOptions;

/**
 * Every nightshift Lambda, with its defaults set once: Node 22 on ARM64, local esbuild bundling
 * (minified, source maps), an explicit log group with retention, X-Ray tracing.
 */
export class NightshiftFunction extends Construct {
  public readonly fn: nodejs.NodejsFunction;
  /** The handler file, relative to the repository root. */
  public readonly entry: string;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: NightshiftFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: lambdaLogGroupName(props.functionName),
      retention: (props.logRetentionDays ?? 7) as logs.RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.role = this.createRole(props);
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      role: this.role,
      functionName: props.functionName,
      description: props.description,
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      securityGroups: props.securityGroups,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        // The runtime's CA bundle includes the RDS CAs, so TLS to the database is verified.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        POWERTOOLS_SERVICE_NAME: props.functionName,
        ...props.environment,
      },
      bundling: {
        ...BUNDLING,
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
        ...(props.copyIntoBundle ? { commandHooks: copyHooks(props.copyIntoBundle) } : {}),
      },
    });
    this.node.addValidation({ validate: () => environmentSizeProblems(this.fn, props.functionName) });
    acknowledge(
      this.fn,
      'L1',
      'Node.js 22 is the runtime the product targets (docs/architecture.md); upgrades are a deliberate change',
    );
  }

  /** Its own role instead of the AWS managed ones: logs only to its log group, ENIs only when in a VPC. */
  private createRole(props: NightshiftFunctionProps): iam.Role {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `nightshift function ${props.functionName}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    acknowledge(
      role,
      'IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and the VPC ENI actions support no resource-level permissions',
    );
    return role;
  }
}

/** Bundling hooks that copy files and directory contents into bundle folders (local esbuild, no Docker). */
function copyHooks(copies: Readonly<Record<string, readonly string[]>>): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      Object.entries(copies).flatMap(([folder, sources]) => [
        `mkdir -p "${path.join(outputDir, folder)}"`,
        ...sources.map((source) => {
          const [from, to] = [path.join(inputDir, source), path.join(outputDir, folder)];
          // A directory's contents, not the directory itself; decided by the shell that runs the hook.
          return `if [ -d "${from}" ]; then cp -R "${from}/." "${to}/"; else cp "${from}" "${to}/"; fi`;
        }),
      ]),
  };
}

/** Lambda refuses a function whose environment variables (names and values together) exceed 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What a deploy-time value (an ARN, a host name) counts for: generous, so the check errs early. */
const TOKEN_BYTES = 200;

function environmentSizeProblems(fn: lambda.Function, functionName: string): string[] {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const sizes = Object.entries(resolved?.variables ?? {}).map(([name, value]) => ({
    name,
    bytes:
      Buffer.byteLength(name) +
      (typeof value === 'string' ? Buffer.byteLength(value) : Math.max(TOKEN_BYTES, JSON.stringify(value).length)),
    value,
  }));
  const total = sizes.reduce((sum, entry) => sum + entry.bytes, 0);
  if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
  const largest = [...sizes].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  const jobId = sizes.find((entry) => entry.name === 'JOB_ID')?.value;
  const settingsHint =
    typeof jobId === 'string' && largest[0].name === 'JOB_SETTINGS'
      ? ` Shorten jobSettings.${jobId} in cdk.json (job ${jobId}), or move its large lists to a file in S3 or an SSM parameter the job reads.`
      : '';
  return [
    `${functionName}: its environment variables take about ${total} bytes, over the ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes Lambda allows; largest: ${largest.map((entry) => `${entry.name} ${entry.bytes} bytes`).join(', ')}.${settingsHint}`,
  ];
}
