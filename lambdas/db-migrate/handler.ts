import pg from 'pg';
import { databaseConfigFromEnv } from '#shared/database';
import { createLogger } from '#shared/logger';
import { JOB_ROLES_VARIABLE } from '../../contracts/database-roles';
import { applyJobRoles, parseJobRoles } from './job-roles';
import { applyMigrations } from './migrate';
import { passwordFromSecret, pgSignInCheck } from './role-passwords';

const logger = createLogger('nightshift-db-migrate');

/**
 * Run by the deploy (a CDK Trigger) inside the VPC, as the database's admin user (the only reader of its
 * secret): applies pending migrations, then each job's role with the password from the job's own secret.
 * A failure fails the deploy.
 */
export async function handler(): Promise<{ applied: string[]; roles: string[] }> {
  const roles = parseJobRoles(process.env[JOB_ROLES_VARIABLE]);
  const config = await databaseConfigFromEnv();
  const client = new pg.Client({ ...config, application_name: 'nightshift-db-migrate' });
  await client.connect();
  try {
    const log = (line: string) => logger.info(line);
    const applied = await applyMigrations(client, { log });
    const ready = await applyJobRoles(client, roles, {
      passwordOf: passwordFromSecret,
      signsIn: pgSignInCheck(config),
      log,
    });
    logger.info('migrations and job roles applied', { applied, roles: ready });
    return { applied, roles: ready.map((role) => role.role) };
  } finally {
    await client.end();
  }
}
