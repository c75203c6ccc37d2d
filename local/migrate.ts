/**
 * `npm run migrate`: applies the pending migrations and the jobs' roles to DATABASE_URL (or the database of
 * a running `npm start`) and prints what it applied.
 */
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { type AppliedJobRole, applyJobRoles } from '../lambdas/db-migrate/job-roles';
import { applyMigrations } from '../lambdas/db-migrate/migrate';
import { pgSignInCheck, roleConnectionUrl } from '../lambdas/db-migrate/role-passwords';
import { databaseRolePrefix, jobDatabaseRoles } from '../lib/database-roles';
import type { JobSpec } from '../lib/job-spec';
import { JOBS } from '../lib/jobs';
import { readRunningLocalEnv } from './local-env';

/** Local roles are named as the stacks name them for stage "local": `nightshift_local_<job>`. */
export const LOCAL_ROLE_PREFIX = databaseRolePrefix('local');

/**
 * A job role's local password, derived from the admin password in the URL: `npm start`, `npm run invoke`,
 * `npm run migrate` and the tests all arrive at the same one, with nothing stored and nothing to keep in sync.
 */
export function localRolePassword(adminUrl: string, role: string): string {
  const adminPassword = decodeURIComponent(new URL(adminUrl).password);
  if (!adminPassword) {
    throw new Error('DATABASE_URL must carry the admin password: the job roles get passwords derived from it');
  }
  return createHmac('sha256', adminPassword).update(`nightshift job role ${role}`).digest('base64url');
}

/**
 * Local mode's stand-in for a job's own database secret: `DATABASE_URL_FTP_EXPORT` for ftp-export, a URL that
 * signs in as the job's role. The job reads it by that name (its `databaseConfigFromEnv` call).
 */
export function jobDatabaseUrlVariable(jobId: string): string {
  return `DATABASE_URL_${jobId.toUpperCase().replaceAll('-', '_')}`;
}

export interface MigrateOptions {
  log?: (line: string) => void;
  /** JOB_SETTINGS as local mode passes it to every job (ftp-export's source tables come from it). @default none */
  jobSettings?: string;
  /** @default the registry */
  jobs?: readonly JobSpec[];
  /**
   * Roles are the cluster's, not the database's: a test that changes a role (its password) takes roles of
   * its own, so tests migrating other databases of the same cluster at the same time never meet it.
   * @default LOCAL_ROLE_PREFIX
   */
  rolePrefix?: string;
}

export interface MigrateResult {
  applied: string[];
  roles: AppliedJobRole[];
  /** `DATABASE_URL_<JOB>` of each database job: the URL that signs in as its own role. */
  jobEnv: Record<string, string>;
}

/** Local mode reads one JOB_SETTINGS for every job; a broken one grants nothing extra (the job refuses it itself). */
function parseLocalSettings(text: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Connects as the admin, applies the migrations and the job roles as a deploy does, and always closes. */
export async function migrateDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const settings = parseLocalSettings(options.jobSettings);
  const roles = jobDatabaseRoles(options.jobs ?? JOBS, {
    rolePrefix: options.rolePrefix ?? LOCAL_ROLE_PREFIX,
    settingsOf: () => settings,
  });
  const password = (role: string) => localRolePassword(databaseUrl, role);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'nightshift-migrate' });
  await client.connect();
  try {
    const applied = await applyMigrations(client, { log });
    const appliedRoles = await applyJobRoles(client, roles, {
      passwordOf: async (role) => password(role.role),
      signsIn: pgSignInCheck({ connectionString: databaseUrl }),
      log,
    });
    const jobEnv = Object.fromEntries(
      roles.map((role) => [
        jobDatabaseUrlVariable(role.job),
        roleConnectionUrl(databaseUrl, role.role, password(role.role)),
      ]),
    );
    return { applied, roles: appliedRoles, jobEnv };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || readRunningLocalEnv()?.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL (or run `npm start`, whose database is used then)');
  const { applied, roles } = await migrateDatabase(databaseUrl, { jobSettings: process.env.JOB_SETTINGS });
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  console.log(`job roles: ${roles.map((role) => role.role).join(', ')}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`migrate failed: ${error.message}`);
    process.exit(1);
  });
}
