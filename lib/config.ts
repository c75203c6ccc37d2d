/**
 * Deployment config: cdk.json context `nightshift:stages.<stage>` merged with `-c key=value`
 * overrides, validated with zod. An invalid config fails synth naming every bad field.
 */
import { z } from 'zod';

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] as const;

const createdDatabase = z.object({
  mode: z.literal('create'),
  databaseName: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _')
    .default('nightshift'),
  /** Instance class without the `db.` prefix, e.g. t4g.micro. */
  instanceClass: z
    .string()
    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'like t4g.micro')
    .default('t4g.micro'),
  multiAz: z.boolean().default(false),
  allocatedStorageGb: z.number().int().min(20).max(1000).default(20),
});

const importedDatabase = z.object({
  mode: z.literal('import'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(5432),
  databaseName: z.string().min(1),
  /** Secret with `username` and `password` (the RDS secret shape). Complete ARN: a partial one grants the wrong resource. */
  secretArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
      'the complete Secrets Manager ARN, ending in "-" and the 6 random characters (aws secretsmanager describe-secret --secret-id <name> --query ARN)',
    ),
  /** The customer-managed KMS key of the secret, if it has one: the jobs get kms:Decrypt on it. @default the AWS managed key */
  secretKmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/,
      'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
    )
    .optional(),
  /** Security group of the database, so the stacks can allow the jobs in. @default none (allow it yourself) */
  securityGroupId: z
    .string()
    .regex(/^sg-[0-9a-f]+$/)
    .optional(),
});

const createdNetwork = z.object({
  mode: z.literal('create'),
  /** Pinned fck-nat AMI for natMode "instance" (e.g. ami-0123...). @default looked up once, then pinned by CDK in cdk.context.json */
  natInstanceAmiId: z
    .string()
    .regex(/^ami-[0-9a-f]{8,17}$/, 'an AMI id like ami-0123456789abcdef0')
    .optional(),
  /**
   * The two AZs of the created VPC, e.g. ["ap-northeast-1a","ap-northeast-1c"].
   * @default the region's first two (Fn::GetAZs at deploy): no lookup, no credentials at synth
   */
  availabilityZones: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'an AZ like ap-northeast-1a'))
    .length(2, 'two AZs: the created VPC spans two')
    .optional(),
  /** @default t4g.nano */
  natInstanceType: z
    .string()
    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'like t4g.nano')
    .default('t4g.nano'),
});

/** A VPC nightshift does not own: nothing is created in it but the jobs' security group. */
const importedNetwork = z
  .object({
    mode: z.literal('import'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0123abcd'),
    /** Subnets the jobs (and a created database) run in; they need egress for jobs that call the internet. */
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id like subnet-0123abcd')).min(1),
    /** One per subnet, in the same order. @default unnamed (only labels; nothing in the templates needs them) */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'an AZ like ap-northeast-1a'))
      .optional(),
    /** @default unknown to the stacks (only needed by constructs that open the VPC CIDR) */
    vpcCidrBlock: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'a CIDR like 10.0.0.0/16')
      .optional(),
  })
  .refine(
    (network) => !network.availabilityZones || network.availabilityZones.length === network.privateSubnetIds.length,
    {
      message: 'availabilityZones needs one entry per privateSubnetIds entry, in the same order',
      path: ['availabilityZones'],
    },
  );

/** daily-parquet's source table and its optional Step Functions scale-out (docs/daily-parquet.md). */
const dailyParquet = z
  .strictObject({
    messagesTable: z
      .discriminatedUnion('mode', [
        /** The data stack creates `nightshift-<stage>-messages` (tenant_id + sk). */
        z.strictObject({ mode: z.literal('create') }),
        z.strictObject({
          mode: z.literal('import'),
          tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name'),
          partitionKey: z.string().min(1).default('tenant_id'),
          sortKey: z.string().min(1).default('sk'),
        }),
      ])
      .prefault({ mode: 'create' }),
    scaleOut: z
      .strictObject({
        /** The schedule starts a state machine (Distributed Map over tenants × time slices) instead of one invocation. */
        enabled: z.boolean().default(false),
        maxConcurrency: z.number().int().min(1).max(1000).default(10),
        slicesPerDay: z.number().int().min(1).max(96).default(8),
      })
      .prefault({}),
    /** The data stack's deploy writes yesterday's and the day before's demo messages (JST) into the table it creates. */
    demoMessages: z.boolean().default(false),
  })
  .refine((parquet) => !(parquet.demoMessages && parquet.messagesTable.mode === 'import'), {
    path: ['demoMessages'],
    message:
      'demo messages are written only into a table the stack creates (messagesTable.mode "create"), never an imported one',
  });

/** A Slack channel, Teams channel or HTTPS endpoint the alarm topic notifies besides e-mail (docs/notifications.md). */
const notifications = z
  .strictObject({
    /** AWS Chatbot (Amazon Q Developer in chat applications) posts every alarm to this Slack channel. */
    slack: z
      .strictObject({
        workspaceId: z
          .string()
          .regex(
            /^[0-9A-Z]{1,255}$/,
            'the Slack workspace id the Chatbot console shows once the workspace is authorized, like T0123ABCD',
          ),
        channelId: z
          .string()
          .regex(/^[A-Za-z0-9]{1,255}$/, 'the Slack channel id (channel details, at the bottom), like C0123ABCDEF'),
      })
      .optional(),
    /** The same, for a Microsoft Teams channel. */
    teams: z
      .strictObject({
        teamId: z.guid('the team id the Chatbot console shows once the team is authorized (a UUID)'),
        tenantId: z.guid('the Microsoft Entra tenant id the Chatbot console shows (a UUID)'),
        channelId: z
          .string()
          .regex(
            /^[A-Za-z0-9\-_=+/.,]*%3[aA][A-Za-z0-9\-_=+/.,]*%40[A-Za-z0-9\-_=+/.,]*$/,
            'the URL-encoded channel id from the channel link, like 19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
          ),
        channelName: z.string().min(1).max(1000).optional(),
      })
      .optional(),
    /** HTTPS endpoints subscribed to the alarm topic: PagerDuty, Opsgenie, a chat workflow. */
    webhooks: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'kebab-case, up to 40 characters, e.g. pagerduty'),
          url: z.string().refine(isHttpsUrl, {
            message:
              'an https:// URL without spaces (SNS notifies only HTTPS endpoints here: alarms must not travel in clear)',
          }),
        }),
      )
      .max(10)
      .refine((hooks) => new Set(hooks.map((hook) => hook.name)).size === hooks.length, {
        message: 'each webhook needs its own name',
      })
      .default([]),
  })
  .prefault({});

function isHttpsUrl(text: string): boolean {
  if (/\s/.test(text) || text.length > 2048) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname.length > 0;
  } catch {
    return false;
  }
}

export const configSchema = z.object({
  stage: z.string().regex(/^[a-z][a-z0-9]{1,11}$/, 'lowercase letters and digits, 2-12 characters'),
  account: z
    .string()
    .regex(/^\d{12}$/, '12 digits')
    .optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like ap-northeast-1'),
  alarmEmail: z.email().optional(),
  logRetentionDays: z
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(7),
  natMode: z.enum(['gateway', 'instance', 'none']).default('gateway'),
  /** Create the VPC (natMode applies) or import an existing one by ids, without a lookup. */
  network: z
    .discriminatedUnion('mode', [createdNetwork, importedNetwork])
    .default({ mode: 'create', natInstanceType: 't4g.nano' }),
  database: z.discriminatedUnion('mode', [createdDatabase, importedDatabase]),
  /** Secrets Manager name of the default FTP recipient (host, port, user, password, secure, remote_dir). */
  ftpSecretName: z.string().min(1).default('nightshift/ftp'),
  /** Secrets Manager name of the YouTube Data API key (`{"api_key": "..."}`), read by youtube-sync only. */
  youtubeSecretName: z.string().min(1).default('nightshift/youtube'),
  tenants: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -')).default([]),
  /** Per-job settings, keyed by job id; a job receives its own as the JOB_SETTINGS env var and validates it. */
  jobSettings: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  /** GitHub Actions deploys with OIDC: the repository and GitHub environment allowed to assume the deploy role. */
  github: z
    .object({
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name'),
      environment: z.string().min(1).optional(),
      existingProviderArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
          'the ARN of the GitHub OIDC provider',
        )
        .optional(),
    })
    .optional(),
  /** Stateful resources are retained and termination-protected. @default true for prod */
  protectData: z.boolean().optional(),
  /**
   * This stage's manual trigger also answers the original command, whose detail names no stage
   * (docs/ops.md). At most one stage of cdk.json may set it. @default false
   */
  originalManualTrigger: z.boolean().default(false),
  dailyParquet: dailyParquet.prefault({}),
  /** Where alarms go besides alarmEmail: Slack and Teams through AWS Chatbot, HTTPS endpoints. @default none */
  notifications,
});

type ParsedConfig = z.infer<typeof configSchema>;
export type NightshiftConfig = Omit<ParsedConfig, 'github'> & {
  readonly protectData: boolean;
  /** The GitHub environment defaults to the stage name. */
  readonly github?: NonNullable<ParsedConfig['github']> & { readonly environment: string };
};
export type DatabaseConfig = NightshiftConfig['database'];
export type NotificationsConfig = NightshiftConfig['notifications'];
export type NetworkConfig = NightshiftConfig['network'];

/** Top-level keys a `-c key=value` may override. */
const OVERRIDABLE_KEYS = [
  'account',
  'region',
  'alarmEmail',
  'logRetentionDays',
  'natMode',
  'network',
  'database',
  'ftpSecretName',
  'youtubeSecretName',
  'tenants',
  'jobSettings',
  'github',
  'protectData',
  'dailyParquet',
  'notifications',
] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Overrides that stay strings even when they look like numbers (an account id is 12 digits). */
const STRING_KEYS = new Set<string>(['account', 'region', 'alarmEmail', 'ftpSecretName', 'youtubeSecretName']);

/** `-c` values arrive as strings; JSON-looking ones (numbers, booleans, objects, arrays) are parsed. */
function parseContextValue(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || STRING_KEYS.has(key)) return value;
  if (/^(true|false|-?\d+(\.\d+)?|\{.*\}|\[.*\])$/s.test(value.trim())) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Reads context through a getter so it works with `app.node.tryGetContext` and plain objects in tests. */
export function loadConfig(getContext: (key: string) => unknown): NightshiftConfig {
  const stage = String(getContext('stage') ?? 'dev');
  const stages = (getContext('nightshift:stages') ?? {}) as Record<string, Record<string, unknown>>;
  if (!stages[stage]) {
    const known = Object.keys(stages).join(', ') || 'none';
    throw new ConfigError(`Invalid config: stage "${stage}" is not defined in cdk.json nightshift:stages (${known})`);
  }
  const answeringOriginal = Object.keys(stages).filter((name) => stages[name].originalManualTrigger === true);
  if (answeringOriginal.length > 1) {
    throw new ConfigError(
      `Invalid config: originalManualTrigger is set for stages ${answeringOriginal.join(', ')}; one stage at most, or the original command starts the job in each of them`,
    );
  }
  const merged: Record<string, unknown> = { ...stages[stage], stage };
  for (const key of OVERRIDABLE_KEYS) {
    const override = getContext(key);
    if (override !== undefined) merged[key] = parseContextValue(key, override);
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`Invalid config for stage "${stage}":\n${lines.join('\n')}`);
  }
  const { github, ...rest } = result.data;
  return {
    ...rest,
    protectData: rest.protectData ?? stage === 'prod',
    ...(github ? { github: { ...github, environment: github.environment ?? stage } } : {}),
  };
}
