import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { ClientBase } from 'pg';

/**
 * The project's PostgreSQL schema, as versioned SQL migrations (node-pg-migrate) in ./migrations.
 * Applied at deploy (the migrate function, inside the VPC), by `npm run migrate`, by local mode at
 * start and by `npm run invoke`; jobs never create tables at run time.
 */

/** Next to this file in the repository, and next to the bundle's index.js in the Lambda (copied at bundling). */
export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
export const MIGRATIONS_TABLE = 'nightshift_migrations';

export interface MigrateOptions {
  /** @default MIGRATIONS_DIR */
  dir?: string;
  /** Progress lines (which migration runs). @default silent */
  log?: (line: string) => void;
}

/** Applies every pending migration in one transaction and returns their names (empty when up to date). */
export async function applyMigrations(client: ClientBase, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const applied = await runner({
    dbClient: client,
    dir: options.dir ?? MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    checkOrder: true,
    singleTransaction: true,
    // Two deploys or invokes at once: the second waits and then finds nothing to do.
    advisoryLockMode: 'wait',
    logger: { debug: () => undefined, info: log, warn: log, error: log },
  });
  return applied.map((migration) => migration.name);
}
