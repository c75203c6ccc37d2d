/**
 * `npm run migrate`: applies the pending migrations to DATABASE_URL (or the database of a running
 * `npm start`) and prints what it applied.
 */
import pg from 'pg';
import { applyMigrations } from '../lambdas/db-migrate/migrate';
import { readRunningLocalEnv } from './local-env';

/** Connects, applies and always closes: what local mode, `invoke` and this script share. */
export async function migrateDatabase(databaseUrl: string, log?: (line: string) => void): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'nightshift-migrate' });
  await client.connect();
  try {
    return await applyMigrations(client, { log });
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || readRunningLocalEnv()?.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL (or run `npm start`, whose database is used then)');
  const applied = await migrateDatabase(databaseUrl);
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the database is up to date');
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`migrate failed: ${error.message}`);
    process.exit(1);
  });
}
