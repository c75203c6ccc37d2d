/**
 * The PostgreSQL role of each database job, as plain data: lib/database-roles.ts builds the list from
 * the registry and the config, and the migrations (lambdas/db-migrate/job-roles.ts) create the roles
 * from it. It lives outside lib/ and lambdas/ because both sides read it; it holds no code.
 */

/** The table privileges a job's role may hold; anything else is revoked when the roles are applied. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
export type TablePrivilege = (typeof TABLE_PRIVILEGES)[number];

export interface TableGrant {
  /** `table` or `schema.table`, as the job names it. */
  readonly table: string;
  readonly privileges: readonly TablePrivilege[];
  /**
   * A table the deployment names (ftp-export's source tables) rather than one the migrations create:
   * when it does not exist yet, it is skipped with a warning instead of failing the deploy.
   */
  readonly ifExists: boolean;
}

export interface JobDatabaseRole {
  /** Registry id of the job that signs in as this role. */
  readonly job: string;
  /** PostgreSQL role name (LOGIN, no other attribute, member of nothing). */
  readonly role: string;
  /** Secret holding `{"username": <role>, "password"}`: its ARN on AWS. Locally the password is derived instead. */
  readonly secret?: string;
  readonly tables: readonly TableGrant[];
  /** TEMPORARY on the database (youtube-sync's staging table). */
  readonly temporaryTables: boolean;
}

/** Environment variable of the migrations function holding the roles as JSON (`JobDatabaseRole[]`). */
export const JOB_ROLES_VARIABLE = 'JOB_DATABASE_ROLES';
