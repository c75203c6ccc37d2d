import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJobRoles } from '../../lambdas/db-migrate/job-roles';
import { parseJobSettings } from '../../lambdas/ftp-export/settings';
import { databaseRoleName, databaseRolePrefix, jobDatabaseRoles } from '../../lib/database-roles';
import { type JobSpec, validateRegistry } from '../../lib/job-spec';
import { ftpExportSourceTables, JOBS } from '../../lib/jobs';
import { jobDatabaseUrlVariable } from '../../local/migrate';
import { TEST_JOBS } from '../support/test-registry';

describe("ftp-export's source tables, as its role's grants read them from the settings", () => {
  it.each([
    ['no settings', {}],
    ['a default table', { defaults: { table: 'sales.visits' } }],
    [
      'recipients with and without their own table',
      { defaults: { table: 'shared_rows' }, recipients: [{ name: 'acme' }, { name: 'globex', table: 'globex_rows' }] },
    ],
    ['recipients without any table', { recipients: [{ name: 'acme' }, { name: 'globex' }] }],
    [
      'two recipients on one table',
      {
        recipients: [
          { name: 'a', table: 'rows' },
          { name: 'b', table: 'rows' },
        ],
      },
    ],
  ])('are the tables the job itself exports from, with %s', (_case, settings) => {
    const exported = parseJobSettings(JSON.stringify(settings)).recipients.map((recipient) => recipient.table);

    expect(ftpExportSourceTables(settings)).toEqual([...new Set(exported)]);
  });
});

describe('the database roles built from the registry', () => {
  const roles = jobDatabaseRoles(JOBS, {
    rolePrefix: databaseRolePrefix('prod'),
    settingsOf: (jobId) => (jobId === 'ftp-export' ? { defaults: { table: 'nightshift_export_watermarks' } } : {}),
    secretOf: (jobId) => `arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:${jobId}-AbCdEf`,
  });

  it('give each database job, and only those, a role named after the stage and the job', () => {
    expect(roles.map((role) => [role.job, role.role])).toEqual([
      ['ftp-export', 'nightshift_prod_ftp_export'],
      ['youtube-sync', 'nightshift_prod_youtube_sync'],
    ]);
  });

  it('never widen a table the registry grants by naming it in the settings too', () => {
    const ftp = roles.find((role) => role.job === 'ftp-export');

    expect(ftp?.tables).toEqual([
      { table: 'nightshift_export_watermarks', privileges: ['SELECT', 'INSERT', 'UPDATE'], ifExists: false },
    ]);
  });

  it('reach the migrations function intact through its environment', () => {
    expect(parseJobRoles(JSON.stringify(roles))).toEqual(roles);
  });

  it('refuse a role name PostgreSQL would cut short, naming the job', () => {
    expect(() =>
      databaseRoleName(databaseRolePrefix('stage1234567'), 'a-very-long-job-id-that-goes-on-and-on-x'),
    ).toThrow(
      /job a-very-long-job-id-that-goes-on-and-on-x: its database role "nightshift_stage1234567_a_very_long.*" is longer than 63 characters/,
    );
  });
});

describe('the roles the migrations function is handed', () => {
  it('are refused with the field named when malformed', () => {
    const roles = [
      { job: 'ftp-export', role: 'Bad Name', tables: [{ table: 'a;b', privileges: ['TRUNCATE'], ifExists: true }] },
    ];

    expect(() => parseJobRoles(JSON.stringify(roles))).toThrow(
      /JOB_DATABASE_ROLES\[0\]\.role: lowercase[\s\S]*JOB_DATABASE_ROLES\[0\]\.tables\[0\]\.table: table or schema\.table[\s\S]*JOB_DATABASE_ROLES\[0\]\.tables\[0\]\.privileges\[0\][\s\S]*JOB_DATABASE_ROLES\[0\]\.temporaryTables/,
    );
    expect(() => parseJobRoles('[{')).toThrow(/^JOB_DATABASE_ROLES: not valid JSON/);
    expect(parseJobRoles(undefined)).toEqual([]);
  });
});

describe('a database job in the registry', () => {
  const databaseJob = TEST_JOBS[0];

  it("must declare its role's grants, and grant something on each table", () => {
    const { database: _grants, ...withoutGrants } = databaseJob;
    const bad: JobSpec[] = [
      { ...withoutGrants, id: 'no-grants' },
      { ...databaseJob, id: 'no-secret', secrets: ['ftp'] },
      { ...databaseJob, id: 'empty-grant', database: { tables: { rows: [] } } },
    ];

    expect(() => validateRegistry(bad)).toThrow(
      /job no-grants: the 'database' secret and `database`[\s\S]*job no-secret: the 'database' secret and `database`[\s\S]*job empty-grant: database\.tables\.rows grants nothing/,
    );
  });
});

describe("a database job's local sign-in", () => {
  it.each(JOBS.filter((job) => job.database).map((job) => [job.id, jobDatabaseUrlVariable(job.id)]))(
    'is read by %s from the variable local mode sets, %s',
    (jobId, variable) => {
      const folder = path.join(__dirname, '../../lambdas', jobId);
      const code = readdirSync(folder)
        .filter((file) => file.endsWith('.ts'))
        .map((file) => readFileSync(path.join(folder, file), 'utf8'))
        .join('\n');

      expect(code).toContain(`databaseConfigFromEnv(env, '${variable}')`);
    },
  );
});
