import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseConfigFromEnv } from '#shared/database';
import { errorMessage } from '#shared/error-message';
import type { JobContext, JobDefinition, JobResult } from '#shared/job-runner';
import { jstDateString } from '#shared/jst-time';
import { sleep } from '#shared/retry-with-backoff';
import { readJsonSecret } from '#shared/secrets';
import { listChannels, resolveChannelIds } from './fetch-channel';
import { loadChannelCsv } from './load-channel';
import { isKeyInvalid, isQuotaExhausted, meteredApi, publishQuotaUnits, QuotaMeter } from './quota';
import { fileRawCsvStore, findRunKeys, RAW_PREFIX, type RawCsvStore, s3RawCsvStore } from './raw-store';
import { runSummary } from './run-summary';
import { parseSettings, type YoutubeSyncPayload, type YoutubeSyncSettings, youtubeSyncPayload } from './settings';
import { type SyncResult, syncChannels } from './sync-run';
import { createYoutubeApi, type YoutubeApi } from './youtube-api';

/**
 * youtube-sync: channels and their videos from the YouTube Data API v3 → one CSV per channel → COPY into
 * PostgreSQL, three times a day (JST). `{"channels": [...]}` syncs other channels, `{"replay_run": "<run id>"}`
 * reloads a run's stored CSVs without calling the API.
 */

export const TITLE = 'YouTube channels and videos: Data API → CSV → PostgreSQL';

export interface YoutubeSyncPorts {
  env: NodeJS.ProcessEnv;
  /** The key and where it came from; errors name the source, never the value. */
  readApiKey(): Promise<{ apiKey: string; source: string }>;
  createApi(apiKey: string, settings: YoutubeSyncSettings): YoutubeApi;
  connectDatabase(): Promise<pg.Client>;
  rawStore(): RawCsvStore;
  sleep(ms: number): Promise<void>;
  random(): number;
  publishQuotaUnits(units: number): void;
}

export function defaultPorts(env: NodeJS.ProcessEnv = process.env): YoutubeSyncPorts {
  return {
    env,
    async readApiKey() {
      if (env.YOUTUBE_API_KEY) return { apiKey: env.YOUTUBE_API_KEY, source: 'YOUTUBE_API_KEY' };
      const name = env.YOUTUBE_SECRET_NAME;
      if (!name) throw new Error('neither YOUTUBE_API_KEY nor YOUTUBE_SECRET_NAME is set');
      const secret = await readJsonSecret<{ api_key?: unknown }>(name);
      if (typeof secret.api_key !== 'string' || !secret.api_key) throw new Error(`secret ${name} has no api_key`);
      return { apiKey: secret.api_key, source: `secret ${name}` };
    },
    createApi(apiKey, settings) {
      const baseUrl = env.YOUTUBE_API_BASE_URL;
      if (baseUrl && !/^https?:\/\/[^\s/]+/.test(baseUrl)) {
        throw new Error(`YOUTUBE_API_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
      }
      return createYoutubeApi({ apiKey, baseUrl, timeoutMs: settings.requestTimeoutMs });
    },
    async connectDatabase() {
      const client = new pg.Client({
        ...(await databaseConfigFromEnv(env, 'DATABASE_URL_YOUTUBE_SYNC')),
        application_name: 'nightshift-youtube-sync',
      });
      await client.connect();
      return client;
    },
    // Deployed, the bucket is always set; a local invoke without S3 keeps the files on disk.
    rawStore: () =>
      env.ANALYTICS_BUCKET
        ? s3RawCsvStore(env.ANALYTICS_BUCKET, env)
        : fileRawCsvStore(env.YOUTUBE_RAW_DIR || path.join(os.tmpdir(), 'nightshift-youtube-raw')),
    sleep,
    random: Math.random,
    publishQuotaUnits: (units) => publishQuotaUnits('youtube-sync', units),
  };
}

/** One connection per run, always closed; a dropped connection fails the query in flight, not the process. */
async function withDatabase<T>(ports: YoutubeSyncPorts, use: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = await ports.connectDatabase();
  db.on('error', () => undefined);
  try {
    return await use(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

export async function runYoutubeSync(
  payload: YoutubeSyncPayload,
  context: JobContext,
  ports: YoutubeSyncPorts,
): Promise<JobResult> {
  const settings = parseSettings(ports.env);
  if (payload.replay_run) return replayRun(payload.replay_run, context, ports);
  const refs = payload.channels ?? settings.channels;
  if (refs.length === 0) {
    throw new Error(
      'no channels: set jobSettings["youtube-sync"].channels (YOUTUBE_CHANNELS locally) or pass {"channels": [...]}',
    );
  }
  const startedAt = context.now();
  const { apiKey, source } = await ports.readApiKey();
  const meter = new QuotaMeter(settings.quotaBudget);
  const api = meteredApi(ports.createApi(apiKey, settings), meter, {
    ...settings.retry,
    remainingMs: context.remainingMs,
    // Leave a minute for the loads still queued when time runs short.
    minAttemptMs: 60_000,
    sleep: (ms) => ports.sleep(ms),
    random: ports.random,
    onRetry: ({ method, attempt, delayMs, error }) =>
      context.logger.warn('YouTube API call retried', { method, attempt, delayMs, error: errorMessage(error) }),
  });
  const rawStore = ports.rawStore();
  try {
    return await withDatabase(ports, async (db) => {
      let result: SyncResult = { channels: [] };
      let missingChannels: string[] = [];
      try {
        const { ids, unknownHandles } = await resolveChannelIds(refs, db, api);
        const channels = await listChannels(api, ids);
        const found = new Set(channels.map((channel) => channel.id));
        missingChannels = [...unknownHandles, ...ids.filter((id) => !found.has(id))];
        result = await syncChannels(channels, {
          runId: context.runId,
          startedAt,
          now: context.now,
          concurrency: settings.concurrency,
          api,
          meter,
          db,
          rawStore,
          logger: context.logger,
        });
      } catch (error) {
        if (!isQuotaExhausted(error) && !isKeyInvalid(error)) throw error;
        result.stop = { reason: isKeyInvalid(error) ? 'key' : 'quota', error: errorMessage(error) };
        result.keyError = isKeyInvalid(error) ? error : undefined;
      }
      if (result.keyError) {
        throw new Error(
          `the YouTube API key in ${source} was refused (${errorMessage(result.keyError)}); fix the key, then re-run`,
        );
      }
      const rawPrefix = `${RAW_PREFIX}dt=${jstDateString(startedAt)}/run=${context.runId}/`;
      context.logger.info('youtube-sync quota', { quotaUnits: meter.spent, budget: meter.budget });
      return runSummary({ result, meter, unknownChannels: missingChannels, rawPrefix, runId: context.runId });
    });
  } finally {
    ports.publishQuotaUnits(meter.spent);
  }
}

/**
 * Reloads a run's stored CSVs, file by file: a file that cannot be read or loaded (an earlier version
 * stored values as they came) is named and the replay goes on with the next; it then ends as failed.
 */
async function replayRun(runId: string, context: JobContext, ports: YoutubeSyncPorts): Promise<JobResult> {
  const store = ports.rawStore();
  const keys = await findRunKeys(store, runId);
  if (keys.length === 0) throw new Error(`payload.replay_run: no stored CSV of run ${runId} under ${RAW_PREFIX}`);
  return withDatabase(ports, async (db) => {
    const totals = { channels: 0, videos: 0, snapshots: 0 };
    const failures: string[] = [];
    for (const key of keys) {
      try {
        const counts = await loadChannelCsv(db, await store.get(key), runId);
        totals.channels += 1;
        totals.videos += counts.videos;
        totals.snapshots += counts.snapshots;
        context.logger.info('youtube-sync replayed', { key, ...counts });
      } catch (error) {
        failures.push(`${key}: ${errorMessage(error)}`);
        context.logger.error('youtube-sync replay of a stored file failed', { key, error: errorMessage(error) });
      }
    }
    const loaded = `${totals.videos} videos and ${totals.snapshots} snapshots updated, no API calls`;
    const message =
      failures.length === 0
        ? `replayed run ${runId} from ${keys.length} stored CSV file(s): ${loaded}`
        : `replay of run ${runId}: ${failures.length} of ${keys.length} stored CSV files not loaded: ${failures.join('; ')}; ${loaded}`;
    return {
      rows: totals.videos,
      counts: { ...totals, failedFiles: failures.length, quotaUnits: 0 },
      message,
      details: { replayOf: runId, keys, ...(failures.length > 0 ? { failedFiles: failures } : {}) },
      failed: failures.length > 0,
    };
  });
}

/** The job as the runner sees it; ports default to the real ones and are built per run from `env`. */
export function createYoutubeSyncJob(
  ports: () => YoutubeSyncPorts = () => defaultPorts(),
): JobDefinition<YoutubeSyncPayload> {
  return {
    id: 'youtube-sync',
    title: TITLE,
    payloadSchema: youtubeSyncPayload,
    run: (payload, context) => runYoutubeSync(payload, context, ports()),
  };
}

export const youtubeSyncJob = createYoutubeSyncJob();
