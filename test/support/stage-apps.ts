import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import cdkJson from '../../cdk.json';
import { JOBS } from '../../lib/jobs';
import { buildTestApp, type TestApp } from './build-test-app';

/** The account every stage of the matrix is synthesized for: a concrete number, as on a real deploy. */
export const TEST_ACCOUNT = '123456789012';

const GITHUB = JSON.stringify({ repository: 'acme/nightshift' });

/** A company's existing VPC and RDS, whose secret is encrypted under the company's own KMS key. */
export const IMPORT_MODE_CONTEXT = {
  stage: 'prod',
  network: JSON.stringify({
    mode: 'import',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    privateSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
    availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'],
  }),
  database: JSON.stringify({
    mode: 'import',
    host: 'visitors.cluster-abc.ap-northeast-1.rds.amazonaws.com',
    databaseName: 'visitors',
    secretArn: `arn:aws:secretsmanager:ap-northeast-1:${TEST_ACCOUNT}:secret:rds/visitors-AbCdEf`,
    secretKmsKeyArn: `arn:aws:kms:ap-northeast-1:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    securityGroupId: 'sg-0123456789abcdef0',
  }),
} as const;

export interface StageCase {
  /** Names the case in test titles. */
  readonly name: string;
  /** cdk.json context overrides (`-c key=value`), as the CLI passes them. */
  readonly context: Readonly<Record<string, unknown>>;
}

const devStage = cdkJson.context['nightshift:stages'].dev;

/**
 * Every stage shape a first deploy meets: dev and prod as cdk.json defines them, import mode (an
 * existing VPC and database, the secret under a customer-managed key) and daily-parquet's
 * Step Functions scale-out. Each with a concrete account and the GitHub deploy role.
 */
export const STAGE_MATRIX: readonly StageCase[] = [
  { name: 'dev', context: { stage: 'dev', account: TEST_ACCOUNT, github: GITHUB } },
  { name: 'prod', context: { stage: 'prod', account: TEST_ACCOUNT, github: GITHUB } },
  {
    name: 'import mode (existing VPC and database, secret under a customer key)',
    context: { ...IMPORT_MODE_CONTEXT, account: TEST_ACCOUNT, github: GITHUB },
  },
  {
    name: 'daily-parquet scale-out',
    context: {
      stage: 'dev',
      account: TEST_ACCOUNT,
      github: GITHUB,
      dailyParquet: JSON.stringify({ ...devStage.dailyParquet, scaleOut: { enabled: true } }),
    },
  },
];

export interface SynthesizedStage extends TestApp {
  readonly assembly: CloudAssembly;
}

const synthesized = new Map<string, SynthesizedStage>();

/**
 * One stage of the matrix with the real registry, synthesized once per test file (jest gives each
 * file its own module registry). Asset bundling is skipped; `nag: false` also leaves cdk-nag out.
 */
export function synthStage(stage: StageCase, options: { nag?: boolean } = {}): SynthesizedStage {
  const key = `${stage.name}|nag=${options.nag !== false}`;
  let built = synthesized.get(key);
  if (!built) {
    const app = buildTestApp({ jobs: JOBS, context: { ...stage.context }, nag: options.nag });
    built = { ...app, assembly: app.app.synth() };
    synthesized.set(key, built);
  }
  return built;
}
