import type { Logger } from '@aws-lambda-powertools/logger';
import type pg from 'pg';
import { errorMessage } from '#shared/error-message';
import { jstDateString } from '#shared/jst-time';
import { mapWithConcurrency } from '#shared/map-with-concurrency';
import { type CsvColumn, channelCsv, type DropReason } from './channel-csv';
import { expectedCalls, fetchChannelVideos } from './fetch-channel';
import { type LoadCounts, loadChannelCsv } from './load-channel';
import { isKeyInvalid, isQuotaExhausted, QuotaBudgetReached, type QuotaMeter } from './quota';
import { type RawCsvStore, rawCsvKey } from './raw-store';
import type { ChannelItem, YoutubeApi } from './youtube-api';

/**
 * One sync of the listed channels: `concurrency` channels fetched at once; each complete channel
 * becomes one CSV, stored raw, then loaded (loads queue on the run's one connection while fetching
 * goes on). A channel interrupted by the budget, the API quota or an error is not written at all.
 */

export type StopReason = 'budget' | 'quota' | 'key';

export interface ChannelResult {
  channelId: string;
  status: 'synced' | 'failed' | 'not-synced';
  videos: number;
  snapshots: number;
  /** Listed in the uploads playlist, not loaded: private, deleted, or answered without a usable id. */
  skippedVideos: number;
  /** API items left out: without a usable id, answered twice, or not asked for. */
  droppedItems: number;
  /** Values cleaned (NUL removed) or set to NULL (not a count, negative, out of range, not a date). */
  cleanedValues: number;
  dropped?: Record<DropReason, number>;
  cleaned?: Partial<Record<CsvColumn, number>>;
  rawKey?: string;
  error?: string;
}

export interface SyncRun {
  runId: string;
  startedAt: Date;
  now: () => Date;
  concurrency: number;
  api: YoutubeApi;
  meter: QuotaMeter;
  db: pg.ClientBase;
  rawStore: RawCsvStore;
  logger: Logger;
}

export interface SyncResult {
  channels: ChannelResult[];
  stop?: { reason: StopReason; error: string };
  /** The API's key error, to be raised once the run has settled. */
  keyError?: unknown;
}

/** Runs loads one after another on the single connection, in the order they were queued. */
function loadQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(load: () => Promise<T>): Promise<T> => {
    const next = tail.then(load);
    tail = next.catch(() => undefined);
    return next;
  };
}

export async function syncChannels(channels: readonly ChannelItem[], run: SyncRun): Promise<SyncResult> {
  const result: SyncResult = { channels: [] };
  const enqueueLoad = loadQueue();
  const loads: Array<Promise<void>> = [];
  const stop = (reason: StopReason, error: unknown) => {
    result.stop ??= { reason, error: errorMessage(error) };
    if (reason === 'key') result.keyError ??= error;
  };

  result.channels = await mapWithConcurrency(channels, run.concurrency, async (channel) => {
    const channelId = channel.id ?? '';
    const base = { channelId, videos: 0, snapshots: 0, skippedVideos: 0, droppedItems: 0, cleanedValues: 0 };
    if (result.stop) return { ...base, status: 'not-synced', error: `not started: ${result.stop.reason} stop` };
    const estimate = expectedCalls(channel);
    if (!run.meter.reserve(estimate)) {
      stop(
        'budget',
        new QuotaBudgetReached(`${channelId} needs about ${estimate} more units than the budget has left`),
      );
      return { ...base, status: 'not-synced', error: 'quota budget reached before this channel' };
    }
    try {
      const fetchedAt = run.now();
      const fetched = await fetchChannelVideos(run.api, channel);
      const built = channelCsv(fetched, fetchedAt);
      const rawKey = rawCsvKey(jstDateString(run.startedAt), run.runId, channelId);
      await run.rawStore.put(rawKey, built.csv);
      const droppedItems = Object.values(built.dropped).reduce((total, count) => total + count, 0);
      const cleanedValues = Object.values(built.cleaned).reduce((total, count) => total + count, 0);
      const channelResult: ChannelResult = {
        ...base,
        status: 'synced',
        rawKey,
        skippedVideos: built.skippedVideos,
        droppedItems,
        cleanedValues,
        ...(droppedItems > 0 ? { dropped: built.dropped } : {}),
        ...(cleanedValues > 0 ? { cleaned: built.cleaned } : {}),
      };
      if (droppedItems + cleanedValues > 0) {
        run.logger.warn('youtube-sync values cleaned or items dropped', {
          channelId,
          dropped: built.dropped,
          cleaned: built.cleaned,
          examples: built.issues,
        });
      }
      loads.push(
        enqueueLoad(() => loadChannelCsv(run.db, built.csv, run.runId)).then(
          (counts: LoadCounts) => {
            Object.assign(channelResult, { videos: counts.videos, snapshots: counts.snapshots });
            run.logger.info('youtube-sync channel loaded', {
              channelId,
              ...counts,
              skippedVideos: channelResult.skippedVideos,
            });
          },
          (error: unknown) => {
            Object.assign(channelResult, { status: 'failed', error: `load failed: ${errorMessage(error)}` });
            run.logger.error('youtube-sync channel load failed', { channelId, error: errorMessage(error) });
          },
        ),
      );
      return channelResult;
    } catch (error) {
      if (error instanceof QuotaBudgetReached) stop('budget', error);
      else if (isQuotaExhausted(error)) stop('quota', error);
      else if (isKeyInvalid(error)) stop('key', error);
      else run.logger.error('youtube-sync channel failed', { channelId, error: errorMessage(error) });
      const status = error instanceof QuotaBudgetReached ? 'not-synced' : 'failed';
      return { ...base, status, error: errorMessage(error) };
    } finally {
      run.meter.release(estimate);
    }
  });
  await Promise.all(loads);
  return result;
}
