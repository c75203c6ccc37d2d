import pg from 'pg';
import { databaseConfigFromEnv } from '#shared/database';
import { createLogger } from '#shared/logger';
import { applyMigrations } from './migrate';

const logger = createLogger('nightshift-db-migrate');

/** Run by the deploy (a CDK Trigger) inside the VPC: applies pending migrations; a failure fails the deploy. */
export async function handler(): Promise<{ applied: string[] }> {
  const client = new pg.Client({ ...(await databaseConfigFromEnv()), application_name: 'nightshift-db-migrate' });
  await client.connect();
  try {
    const applied = await applyMigrations(client, { log: (line) => logger.info(line) });
    logger.info('migrations applied', { applied });
    return { applied };
  } finally {
    await client.end();
  }
}
