import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { JOBS } from '../../lib/jobs';
import { buildTestApp, type TestApp } from './build-test-app';

/** A concrete account, as a real deploy has: synth must still need no credentials and no lookup. */
export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'ap-northeast-1';
/** The customer-managed key of the imported database secret (import mode). */
export const IMPORTED_SECRET_KEY_ARN = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const IMPORTED_SECRET_ARN = `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:rds/visitors-AbCdEf`;

/** A company's existing VPC and RDS, whose secret is encrypted with its own KMS key: nightshift owns neither. */
export const IMPORTED_NETWORK = {
  mode: 'import',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  privateSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
  availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'],
  vpcCidrBlock: '10.20.0.0/16',
} as const;
export const IMPORTED_DATABASE = {
  mode: 'import',
  host: 'visitors.cluster-abc.ap-northeast-1.rds.amazonaws.com',
  databaseName: 'visitors',
  secretArn: IMPORTED_SECRET_ARN,
  secretKmsKeyArn: IMPORTED_SECRET_KEY_ARN,
  securityGroupId: 'sg-0123456789abcdef0',
} as const;

const deployedFromGitHub = {
  account: TEST_ACCOUNT,
  github: JSON.stringify({ repository: 'acme/nightshift' }),
};

/**
 * The configurations a real deploy meets, each as CI deploys it (a concrete account, the GitHub
 * deploy stack): the committed stages, import mode, and daily-parquet's scale-out. Infra tests
 * that need "every stage" build them from here.
 */
export const STAGE_MATRIX = {
  dev: { stage: 'dev', ...deployedFromGitHub },
  prod: { stage: 'prod', ...deployedFromGitHub },
  'import mode': {
    stage: 'prod',
    ...deployedFromGitHub,
    network: JSON.stringify(IMPORTED_NETWORK),
    database: JSON.stringify(IMPORTED_DATABASE),
  },
  'scale-out': {
    stage: 'dev',
    ...deployedFromGitHub,
    dailyParquet: JSON.stringify({ scaleOut: { enabled: true }, demoMessages: true }),
  },
} as const satisfies Record<string, Record<string, unknown>>;

export type StageName = keyof typeof STAGE_MATRIX;
export const STAGE_NAMES = Object.keys(STAGE_MATRIX) as StageName[];

/**
 * One configuration of the matrix, with the real registry (lib/jobs.ts) and cdk-nag on, as bin/nightshift.ts
 * builds it; `nag: false` leaves cdk-nag out, for tests that read the templates only (faster).
 */
export function buildStageApp(name: StageName, options: { bundle?: boolean; nag?: boolean } = {}): TestApp {
  return buildTestApp({ jobs: JOBS, context: STAGE_MATRIX[name], bundle: options.bundle, nag: options.nag });
}

export interface SynthesizedStage extends TestApp {
  readonly assembly: CloudAssembly;
}

const synthesized = new Map<string, SynthesizedStage>();

/** buildStageApp, synthesized once per test file (jest gives each file its own module registry). */
export function synthStage(name: StageName, options: { nag?: boolean } = {}): SynthesizedStage {
  const key = `${name}|nag=${options.nag !== false}`;
  let built = synthesized.get(key);
  if (!built) {
    const app = buildStageApp(name, options);
    built = { ...app, assembly: app.app.synth() };
    synthesized.set(key, built);
  }
  return built;
}
