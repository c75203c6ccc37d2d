/**
 * One PostgreSQL role per database job, from the registry's `database` entries and the job settings:
 * what the migrations create (lambdas/db-migrate/job-roles.ts) on AWS and in local mode alike.
 * Plain data, no aws-cdk-lib import: local mode builds the same list.
 */
import type { JobDatabaseRole } from '../contracts/database-roles';
import type { JobSpec } from './job-spec';

/** PostgreSQL's limit on identifiers (NAMEDATALEN - 1). */
const MAX_ROLE_NAME = 63;

/** Role names are cluster-wide: the prefix keeps stages sharing one server apart. */
export function databaseRolePrefix(stage: string): string {
  return `nightshift_${stage}`;
}

/** `nightshift_dev_ftp_export`: the prefix and the job id, in PostgreSQL's unquoted spelling. */
export function databaseRoleName(prefix: string, jobId: string): string {
  const name = `${prefix}_${jobId.replaceAll('-', '_')}`;
  if (name.length > MAX_ROLE_NAME) {
    throw new Error(`job ${jobId}: its database role "${name}" is longer than ${MAX_ROLE_NAME} characters`);
  }
  return name;
}

export interface DatabaseRolesOptions {
  readonly rolePrefix: string;
  /** The job's settings (`jobSettings.<job>` on AWS, JOB_SETTINGS locally). */
  readonly settingsOf: (jobId: string) => Readonly<Record<string, unknown>>;
  /** The secret holding the role's password. @default none (local mode derives the password) */
  readonly secretOf?: (jobId: string) => string;
}

/** The role of every registry job that uses the database, with exactly the grants its entry declares. */
export function jobDatabaseRoles(jobs: readonly JobSpec[], options: DatabaseRolesOptions): JobDatabaseRole[] {
  return jobs.flatMap((job) => {
    if (!job.database) return [];
    const { tables, settingsTables, temporaryTables = false } = job.database;
    const owned = Object.entries(tables).map(([table, privileges]) => ({ table, privileges, ifExists: false }));
    const read = (settingsTables?.(options.settingsOf(job.id)) ?? [])
      .filter((table) => !(table in tables))
      .map((table) => ({ table, privileges: ['SELECT' as const], ifExists: true }));
    return [
      {
        job: job.id,
        role: databaseRoleName(options.rolePrefix, job.id),
        ...(options.secretOf ? { secret: options.secretOf(job.id) } : {}),
        tables: [...owned, ...read],
        temporaryTables,
      },
    ];
  });
}
