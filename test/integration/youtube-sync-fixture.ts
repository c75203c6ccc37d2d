import type { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import type { JobContext, JobResult } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { s3RawCsvStore } from '../../lambdas/youtube-sync/raw-store';
import type { YoutubeSyncPayload } from '../../lambdas/youtube-sync/settings';
import { defaultPorts, runYoutubeSync, type YoutubeSyncPorts } from '../../lambdas/youtube-sync/youtube-sync-job';
import { migrateDatabase } from '../../local/migrate';
import { FakeYoutube } from '../support/fake-youtube';
import { createTestDatabase, s3Client, uniqueName } from '../support/services';

/**
 * One youtube-sync test's world: its own migrated database and bucket, a fake YouTube API on its own
 * port, the real ports (official client, pg, S3) with sleeps recorded instead of waited. The job signs in
 * as its own role.
 */

export const DEFAULT_NOW = new Date('2025-08-11T03:00:00Z'); // 12:00 JST

export interface SyncRunOptions {
  jobSettings?: object;
  now?: Date;
  runId?: string;
  remainingMs?: number;
  env?: Record<string, string>;
  ports?: Partial<YoutubeSyncPorts>;
}

export interface SyncFixture {
  youtube: FakeYoutube;
  db: pg.Client;
  databaseUrl: string;
  bucket: string;
  sleeps: number[];
  quotaMetrics: number[];
  logger: Logger;
  env(options?: SyncRunOptions): Record<string, string>;
  run(payload?: YoutubeSyncPayload, options?: SyncRunOptions): Promise<JobResult & { runId: string }>;
  rows<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function syncFixture(prefix: string): Promise<SyncFixture> {
  const databaseUrl = await createTestDatabase(prefix);
  const { jobEnv } = await migrateDatabase(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const bucket = uniqueName(prefix);
  const s3 = s3Client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const youtube = new FakeYoutube();
  await youtube.listen();
  const sleeps: number[] = [];
  const quotaMetrics: number[] = [];
  const logger = createLogger('test-youtube-sync');
  logger.setLogLevel('SILENT');

  const env = (options: SyncRunOptions = {}) => ({
    ...(process.env as Record<string, string>),
    DATABASE_URL_YOUTUBE_SYNC: jobEnv.DATABASE_URL_YOUTUBE_SYNC,
    ANALYTICS_BUCKET: bucket,
    YOUTUBE_API_KEY: youtube.apiKey,
    YOUTUBE_API_BASE_URL: youtube.url,
    JOB_SETTINGS: JSON.stringify(options.jobSettings ?? {}),
    ...options.env,
  });

  return {
    youtube,
    db,
    databaseUrl,
    bucket,
    sleeps,
    quotaMetrics,
    logger,
    env,
    async run(payload = {}, options = {}) {
      const now = options.now ?? DEFAULT_NOW;
      const runId = options.runId ?? uniqueName('run');
      const context: JobContext = {
        jobId: 'youtube-sync',
        runId,
        logger,
        now: () => now,
        remainingMs: () => options.remainingMs ?? Number.POSITIVE_INFINITY,
      };
      const ports: YoutubeSyncPorts = {
        ...defaultPorts(env(options)),
        async sleep(ms) {
          sleeps.push(ms);
        },
        random: () => 1,
        publishQuotaUnits: (units) => quotaMetrics.push(units),
        ...options.ports,
      };
      return { ...(await runYoutubeSync(payload, context, ports)), runId };
    },
    async rows<T extends object>(sql: string, params: unknown[] = []) {
      return (await db.query(sql, params)).rows as T[];
    },
    async close() {
      await youtube.close();
      await db.end();
    },
  };
}

/** The run's stored CSV files, as a replay would read them. */
export function rawStoreOf(fixture: SyncFixture) {
  return s3RawCsvStore(fixture.bucket, fixture.env());
}
