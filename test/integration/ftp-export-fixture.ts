import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Client as BasicFtpClient } from 'basic-ftp';
import pg from 'pg';
import { applyMigrations } from '../../lambdas/db-migrate/migrate';
import type { FtpExportPorts } from '../../lambdas/ftp-export/export-recipient';
import { type FtpExportPayload, runFtpExport } from '../../lambdas/ftp-export/ftp-export-job';
import type { JobContext, JobResult } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { migrateDatabase } from '../../local/migrate';
import { createTestDatabase, ftpTestDir, testServices, uniqueName } from '../support/services';

/**
 * One ftp-export test's world: its own database with a visitor_counts table, its own directory on the
 * shared FTPS server, secrets in a map, and sleeps recorded instead of waited. The job signs in as its own
 * role, granted (as a deploy does when the settings change) for the settings of each run.
 */

export const FTP_SECRET_NAME = 'nightshift/ftp';

/** The original export's table, as local mode creates it, plus a free-text note. */
const VISITOR_COUNTS = `CREATE TABLE visitor_counts (
  id bigserial PRIMARY KEY,
  store_id text NOT NULL,
  store_name text NOT NULL,
  counted_at timestamptz NOT NULL,
  visitors integer NOT NULL,
  note text,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;

export interface Visit {
  store_id: string;
  store_name: string;
  counted_at: string;
  visitors: number;
  note?: string | null;
  updated_at?: string;
}

/** The secret of a recipient on the shared FTPS server, trusting its self-signed certificate. */
export function ftpSecret(remoteDir: string, overrides: Record<string, unknown> = {}) {
  const { ftp } = testServices();
  return {
    host: ftp.host,
    port: ftp.port,
    user: ftp.user,
    password: ftp.password,
    secure: true,
    remote_dir: remoteDir,
    ca: ftp.certificatePem,
    ...overrides,
  };
}

export interface RunOptions {
  jobSettings?: object;
  /** The run's clock. @default 2025-08-11T10:00 JST */
  now?: Date;
  remainingMs?: number;
  env?: Record<string, string>;
  ports?: Partial<FtpExportPorts>;
}

export interface ExportFixture {
  /** The admin's URL (the job's is its role's). */
  databaseUrl: string;
  /** The admin's connection, for arranging rows and reading the watermark table. */
  db: pg.Client;
  /** The FTP user's path of this test's directory, and where it is on disk. */
  ftpDir: { relativePath: string; absolutePath: string };
  secrets: Map<string, unknown>;
  sleeps: number[];
  dryRunDir: string;
  /** A logger that prints nothing, for runs through the shared runner. */
  logger: Logger;
  insertVisits(visits: Visit[]): Promise<void>;
  ports(options?: RunOptions): FtpExportPorts;
  run(payload: FtpExportPayload, options?: RunOptions): Promise<JobResult>;
  /** A file uploaded into this test's FTP directory (or a subdirectory). */
  uploaded(name: string): Promise<Buffer>;
  uploadedNames(subdir?: string): Promise<string[]>;
  close(): Promise<void>;
}

export const DEFAULT_NOW = new Date('2025-08-11T01:00:00Z');

/**
 * A basic-ftp client that works inside jest's VM sandbox. basic-ftp tells socket errors from replies with
 * `instanceof Error`; errors raised by Node's own sockets come from outside the sandbox and fail that test,
 * so a transfer cut by the server would wait forever. Re-raising them as sandbox errors restores plain Node.
 */
function sandboxSafeFtpClient(timeoutMs: number): BasicFtpClient {
  const client = new BasicFtpClient(timeoutMs);
  const closeWithError = client.ftp.closeWithError.bind(client.ftp);
  client.ftp.closeWithError = (error: Error) => {
    const foreign = error as { message?: unknown };
    closeWithError(error instanceof Error ? error : Object.assign(new Error(String(foreign.message)), foreign));
  };
  return client;
}

export async function exportFixture(prefix: string): Promise<ExportFixture> {
  const databaseUrl = await createTestDatabase(prefix);
  const ftpDir = await ftpTestDir(prefix);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await applyMigrations(db);
  await db.query(VISITOR_COUNTS);
  const secrets = new Map<string, unknown>([[FTP_SECRET_NAME, ftpSecret(ftpDir.relativePath)]]);
  const sleeps: number[] = [];
  const dryRunDir = path.join(os.tmpdir(), uniqueName(`${prefix}-dry-run`));
  const logger = createLogger('test-ftp-export');
  logger.setLogLevel('SILENT');

  const ports = (options: RunOptions = {}): FtpExportPorts => {
    const jobSettings = JSON.stringify(options.jobSettings ?? {});
    let roleUrl: Promise<string> | undefined;
    return {
      env: { FTP_SECRET_NAME, JOB_SETTINGS: jobSettings, ...options.env },
      async connectDatabase() {
        roleUrl ??= migrateDatabase(databaseUrl, { jobSettings }).then(({ jobEnv }) => jobEnv.DATABASE_URL_FTP_EXPORT);
        const client = new pg.Client({ connectionString: await roleUrl });
        await client.connect();
        return client;
      },
      createFtpClient: sandboxSafeFtpClient,
      async readSecret(name) {
        if (!secrets.has(name)) throw new Error(`secret "${name}" does not exist`);
        return secrets.get(name);
      },
      async sleep(ms) {
        sleeps.push(ms);
      },
      random: () => 1,
      dryRunDir,
      ...options.ports,
    };
  };

  return {
    databaseUrl,
    db,
    ftpDir,
    secrets,
    sleeps,
    dryRunDir,
    logger,
    async insertVisits(visits) {
      for (const visit of visits) {
        await db.query(
          `INSERT INTO visitor_counts (store_id, store_name, counted_at, visitors, note, updated_at)
           VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()))`,
          [
            visit.store_id,
            visit.store_name,
            visit.counted_at,
            visit.visitors,
            visit.note ?? null,
            visit.updated_at ?? null,
          ],
        );
      }
    },
    ports,
    run(payload, options = {}) {
      const now = options.now ?? DEFAULT_NOW;
      const context: JobContext = {
        jobId: 'ftp-export',
        runId: uniqueName('run'),
        logger,
        now: () => now,
        remainingMs: () => options.remainingMs ?? Number.POSITIVE_INFINITY,
      };
      return runFtpExport(payload, context, ports(options));
    },
    uploaded: (name) => readFile(path.join(ftpDir.absolutePath, name)),
    uploadedNames: async (subdir = '') => (await readdir(path.join(ftpDir.absolutePath, subdir))).sort(),
    async close() {
      await db.end();
      await rm(dryRunDir, { recursive: true, force: true });
    },
  };
}

/** The recipients' results of a run, as the outcome's details carry them. */
export function recipientsOf(result: JobResult): Array<Record<string, unknown>> {
  return (result.details?.recipients ?? []) as Array<Record<string, unknown>>;
}
