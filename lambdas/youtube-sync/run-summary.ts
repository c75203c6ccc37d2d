import type { JobResult } from '#shared/job-runner';
import type { QuotaMeter } from './quota';
import type { ChannelResult, SyncResult } from './sync-run';

/**
 * A sync run's outcome: counts, one line for the status page, details for the run history. Every
 * configured channel the run did not sync (unknown to the API, past the budget, a playlist that would
 * not end, a failure) fails the run once the others are loaded, and the line names each one first.
 */

const NAMED_AT_MOST = 20;

type Summed = 'videos' | 'snapshots' | 'skippedVideos' | 'droppedItems' | 'cleanedValues';
const sum = (results: ChannelResult[], key: Summed) => results.reduce((total, result) => total + result[key], 0);
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

const DROP_LABELS: Record<string, string> = {
  withoutId: 'without a valid id',
  repeated: 'repeated',
  notListed: 'not asked for',
};

/** Adds up per-channel tallies (by column or by reason) into "a: 1, b: 2". */
function tally(results: ChannelResult[], pick: (result: ChannelResult) => Record<string, number> | undefined) {
  const totals = new Map<string, number>();
  for (const result of results) {
    for (const [key, count] of Object.entries(pick(result) ?? {})) totals.set(key, (totals.get(key) ?? 0) + count);
  }
  return [...totals]
    .filter(([, count]) => count > 0)
    .map(([key, count]) => `${DROP_LABELS[key] ?? key}: ${count}`)
    .join(', ');
}

function listed(names: string[]): string {
  const shown = names.slice(0, NAMED_AT_MOST).join('; ');
  return names.length > NAMED_AT_MOST ? `${shown}; and ${names.length - NAMED_AT_MOST} more` : shown;
}

export interface RunSummaryInput {
  result: SyncResult;
  meter: QuotaMeter;
  /** Configured channels (ids or @handles) the API does not know. */
  unknownChannels: string[];
  rawPrefix: string;
  runId: string;
}

export function runSummary({ result, meter, unknownChannels, rawPrefix, runId }: RunSummaryInput): JobResult {
  const synced = result.channels.filter((channel) => channel.status === 'synced');
  const notSynced = [
    ...unknownChannels.map((id) => `${id} (unknown channel)`),
    ...result.channels.filter((channel) => channel.status !== 'synced').map((c) => `${c.channelId} (${c.error})`),
  ];
  const configured = result.channels.length + unknownChannels.length;
  const parts: string[] = [];
  if (result.stop?.reason === 'quota') {
    parts.push(
      `YouTube API quota exhausted (${result.stop.error}); calls resume after the daily reset at midnight Pacific time`,
    );
  }
  if (notSynced.length > 0)
    parts.push(`${notSynced.length} of ${configured} channels not synced: ${listed(notSynced)}`);
  parts.push(
    `${synced.length} of ${configured} channels synced, ${sum(synced, 'videos')} videos, ${sum(synced, 'snapshots')} snapshots`,
    `${plural(sum(synced, 'skippedVideos'), 'video')} skipped (private, deleted or unusable)`,
  );
  const dropped = sum(synced, 'droppedItems');
  if (dropped > 0) parts.push(`${plural(dropped, 'API item')} dropped (${tally(synced, (c) => c.dropped)})`);
  const cleaned = sum(synced, 'cleanedValues');
  if (cleaned > 0) parts.push(`${plural(cleaned, 'value')} cleaned (${tally(synced, (c) => c.cleaned)})`);
  parts.push(`${meter.spent} quota units of a ${meter.budget} budget`);
  if (result.stop?.reason === 'budget') {
    const stopped = result.channels.filter((channel) => channel.status === 'not-synced');
    parts.push(`stopped at the quota budget; not synced: ${stopped.map((c) => c.channelId).join(', ')}`);
  }
  return {
    rows: sum(synced, 'videos'),
    counts: {
      channels: synced.length,
      videos: sum(synced, 'videos'),
      snapshots: sum(synced, 'snapshots'),
      skippedVideos: sum(synced, 'skippedVideos'),
      droppedItems: dropped,
      cleanedValues: cleaned,
      quotaUnits: meter.spent,
      channelsNotSynced: result.channels.length - synced.length,
      unknownChannels: unknownChannels.length,
    },
    message: parts.join('; '),
    details: {
      quota: { spent: meter.spent, budget: meter.budget, ...(result.stop ? { stop: result.stop } : {}) },
      rawPrefix,
      replayPayload: { replay_run: runId },
      channels: result.channels,
      ...(unknownChannels.length > 0 ? { unknownChannels } : {}),
    },
    failed: result.stop?.reason === 'quota' || notSynced.length > 0,
  };
}
