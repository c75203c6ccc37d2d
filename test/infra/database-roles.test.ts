import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseJobRoles } from '../../lambdas/db-migrate/job-roles';
import { RAW_PREFIX } from '../../lambdas/youtube-sync/raw-store';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

/**
 * Least privilege inside the database, as deployed from the real registry: each database job signs in
 * with its own role's secret, only the migrations function reads the admin secret, and the migrations
 * function is handed the roles with exactly the registry's grants.
 */

const DATABASE_JOBS = ['ftp-export', 'youtube-sync'];
const MIGRATE = 'nightshift-dev-db-migrate';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** A function's environment and the statements of its role's policies, found by function name. */
function functionOf(template: Template, name: string) {
  const [entry] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: name } }),
  ) as Array<{
    Properties: { Role: { 'Fn::GetAtt': [string, string] }; Environment: { Variables: Record<string, unknown> } };
  }>;
  expect(entry).toBeDefined();
  const roleId = entry.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  const reading = (action: string) =>
    statements.filter((statement) => [statement.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
  return { env: entry.Properties.Environment.Variables, statements, reading };
}

/** The role secrets the migrations create, by job id (their logical ids name the job). */
function roleSecretRefs(template: Template): Record<string, { Ref: string }> {
  const ids = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
  return Object.fromEntries(
    DATABASE_JOBS.map((job) => {
      const id = ids.find((candidate) =>
        candidate.startsWith(`DatabaseMigrationsRoleSecret${job.replaceAll('-', '')}`),
      );
      expect(id).toBeDefined();
      return [job, { Ref: id as string }];
    }),
  );
}

/** A Fn::Join of literals and Refs as the text the function will see, each Ref written as `ref:<logical id>`. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : `ref:${(part as { Ref: string }).Ref}`)).join('');
}

describe('database roles with a created database', () => {
  const { app, stacks } = buildTestApp({ jobs: JOBS });
  const jobs = Template.fromStack(stacks.jobs);
  const secrets = roleSecretRefs(jobs);

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it("generates one secret per database job, naming the job's role as its user", () => {
    for (const job of DATABASE_JOBS) {
      jobs.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({
          SecretStringTemplate: JSON.stringify({ username: `nightshift_dev_${job.replaceAll('-', '_')}` }),
          GenerateStringKey: 'password',
          ExcludePunctuation: true,
        }),
      });
    }
  });

  it.each(DATABASE_JOBS)('lets %s sign in with its own secret and read no other database secret', (job) => {
    const fn = functionOf(jobs, `nightshift-dev-${job}`);
    const master = functionOf(jobs, MIGRATE).env.DB_SECRET_ARN;
    const readable = JSON.stringify(fn.reading('secretsmanager:GetSecretValue'));

    expect(fn.env.DB_SECRET_ARN).toEqual(secrets[job]);
    expect(readable).toContain(JSON.stringify(secrets[job]));
    for (const other of DATABASE_JOBS.filter((candidate) => candidate !== job)) {
      expect(readable).not.toContain(JSON.stringify(secrets[other]));
    }
    expect(readable).not.toContain(JSON.stringify(master));
  });

  it('lets only the migrations function read the admin secret', () => {
    const master = JSON.stringify(functionOf(jobs, MIGRATE).env.DB_SECRET_ARN);
    const readers = [jobs, Template.fromStack(stacks.api)].flatMap((template) =>
      Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes(master))
        .map(([logicalId]) => logicalId),
    );

    expect(readers).toEqual([expect.stringMatching(/^DatabaseMigrationsHandlerRole/)]);
    expect(JSON.stringify(functionOf(jobs, MIGRATE).reading('secretsmanager:GetSecretValue'))).toContain(master);
  });

  it("hands the migrations function every job's role, its secret and exactly the registry's grants", () => {
    const migrate = functionOf(jobs, MIGRATE);
    const roles = parseJobRoles(joined(migrate.env.JOB_DATABASE_ROLES));
    const readable = JSON.stringify(migrate.reading('secretsmanager:GetSecretValue'));

    expect(roles).toEqual([
      {
        job: 'ftp-export',
        role: 'nightshift_dev_ftp_export',
        secret: `ref:${secrets['ftp-export'].Ref}`,
        tables: [
          { table: 'nightshift_export_watermarks', privileges: ['SELECT', 'INSERT', 'UPDATE'], ifExists: false },
          { table: 'visitor_counts', privileges: ['SELECT'], ifExists: true },
        ],
        temporaryTables: false,
      },
      {
        job: 'youtube-sync',
        role: 'nightshift_dev_youtube_sync',
        secret: `ref:${secrets['youtube-sync'].Ref}`,
        tables: ['youtube_channels', 'youtube_channel_handles', 'youtube_videos', 'youtube_video_daily_stats'].map(
          (table) => ({ table, privileges: ['SELECT', 'INSERT', 'UPDATE'], ifExists: false }),
        ),
        temporaryTables: true,
      },
    ]);
    for (const job of DATABASE_JOBS) expect(readable).toContain(JSON.stringify(secrets[job]));
  });

  it(`lets youtube-sync write only under ${RAW_PREFIX} of the analytics bucket, and list only there`, () => {
    const fn = functionOf(jobs, 'nightshift-dev-youtube-sync');
    const objectActions = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
    const objectResources = objectActions.flatMap((action) => fn.reading(action).map((resource) => joined(resource)));
    const listing = fn.statements.filter((statement) => [statement.Action].flat().includes('s3:ListBucket'));

    expect([...new Set(objectResources)]).toEqual([expect.stringMatching(new RegExp(`:::[^/]+/${RAW_PREFIX}\\*$`))]);
    expect(listing).toEqual([
      expect.objectContaining({ Condition: { StringLike: { 's3:prefix': [`${RAW_PREFIX}*`] } } }),
    ]);
  });
});

describe('database roles with an imported database whose secret has a customer key', () => {
  const secretArn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared/db-AbCdEf';
  const secretKmsKeyArn = 'arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const { stacks } = buildTestApp({
    jobs: JOBS,
    context: {
      database: JSON.stringify({
        mode: 'import',
        host: 'db.internal',
        databaseName: 'visitors',
        secretArn,
        secretKmsKeyArn,
      }),
      jobSettings: JSON.stringify({
        'ftp-export': {
          defaults: { table: 'sales.visits' },
          recipients: [{ name: 'acme' }, { name: 'b', table: 'b_rows' }],
        },
      }),
    },
  });
  const jobs = Template.fromStack(stacks.jobs);
  const policies = (template: Template) => Object.entries(template.findResources('AWS::IAM::Policy'));

  it('lets only the migrations function read the admin secret and decrypt its key', () => {
    const migrationsRole = /^DatabaseMigrationsHandlerRole/;
    const readers = [jobs, Template.fromStack(stacks.api)].flatMap((template) =>
      policies(template)
        .filter(([, policy]) => /shared\/db-AbCdEf|key\/1234abcd/.test(JSON.stringify(policy)))
        .map(([logicalId]) => logicalId),
    );

    expect(readers).toEqual([expect.stringMatching(migrationsRole)]);
    expect(functionOf(jobs, MIGRATE).statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Resource: secretKmsKeyArn,
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.ap-northeast-1.amazonaws.com' } },
        }),
      ]),
    );
  });

  it('passes the imported host to the jobs, and their own secrets rather than the imported one', () => {
    const secrets = roleSecretRefs(jobs);
    for (const job of DATABASE_JOBS) {
      expect(functionOf(jobs, `nightshift-dev-${job}`).env).toMatchObject({
        DB_HOST: 'db.internal',
        DB_NAME: 'visitors',
        DB_SECRET_ARN: secrets[job],
      });
    }
    expect(functionOf(jobs, MIGRATE).env.DB_SECRET_ARN).toBe(secretArn);
  });

  it("grants ftp-export's role SELECT on the tables its settings name, so a settings change re-runs the migrations", () => {
    const roles = parseJobRoles(joined(functionOf(jobs, MIGRATE).env.JOB_DATABASE_ROLES));

    expect(roles.find((role) => role.job === 'ftp-export')?.tables).toEqual([
      { table: 'nightshift_export_watermarks', privileges: ['SELECT', 'INSERT', 'UPDATE'], ifExists: false },
      { table: 'sales.visits', privileges: ['SELECT'], ifExists: true },
      { table: 'b_rows', privileges: ['SELECT'], ifExists: true },
    ]);
  });
});
