import { stringify } from 'csv-stringify/sync';
import { type Cleaned, cleanCount, cleanId, cleanText, cleanTimestamp, usableId } from './clean-values';
import type { FetchedChannel } from './fetch-channel';

/**
 * One CSV per channel, the unit that is stored raw (for replay) and loaded: a `channel` row, then one
 * `video` row per video. Strings are always quoted and NULL is an unquoted empty field, so an empty
 * title stays '' and a hidden like count stays NULL through COPY. Every value goes through
 * clean-values.ts first, so whatever the API answers, the CSV loads: a bad value becomes NULL (counted),
 * an item without a usable id, answered twice or not asked for is dropped (counted).
 */

export const CSV_COLUMNS = [
  'record_type',
  'id',
  'channel_id',
  'title',
  'description',
  'custom_url',
  'published_at',
  'duration',
  'view_count',
  'like_count',
  'comment_count',
  'subscriber_count',
  'video_count',
  'uploads_playlist_id',
  'fetched_at',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];
export type CsvRow = Record<CsvColumn, string | null>;

/** A value that was cleaned or set to NULL: which item, which column, the value as received (shortened). */
export interface ValueIssue {
  id: string;
  column: CsvColumn;
  received: string;
}

export type DropReason = 'withoutId' | 'repeated' | 'notListed';

export type RowResult = { row: CsvRow; issues: ValueIssue[] } | { dropped: 'withoutId' };

/** A nested field of an API item, or undefined when any step is not a JSON object. */
function field(item: unknown, ...path: string[]): unknown {
  let node = item;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Takes cleaned values for one row, noting each one that had to change. */
function rowValues(id: string) {
  const issues: ValueIssue[] = [];
  const take = (column: CsvColumn, raw: unknown, clean: (value: unknown) => Cleaned<string | null>) => {
    const result = clean(raw);
    if (result.cleaned) issues.push({ id, column, received: preview(raw) });
    return result.value;
  };
  return { issues, take };
}

export function channelRow(channel: unknown, fetchedAt: Date): RowResult {
  const id = usableId(field(channel, 'id'));
  if (!id) return { dropped: 'withoutId' };
  const { issues, take } = rowValues(id);
  const stat = (name: string) => field(channel, 'statistics', name);
  const row: CsvRow = {
    record_type: 'channel',
    id,
    channel_id: id,
    title: take('title', field(channel, 'snippet', 'title'), cleanText) ?? '',
    description: take('description', field(channel, 'snippet', 'description'), cleanText),
    custom_url: take('custom_url', field(channel, 'snippet', 'customUrl'), cleanText),
    published_at: take('published_at', field(channel, 'snippet', 'publishedAt'), cleanTimestamp),
    duration: null,
    view_count: take('view_count', stat('viewCount'), cleanCount),
    like_count: null,
    comment_count: null,
    // Hidden subscriber counts are reported as 0 by the API: keep them unknown instead.
    subscriber_count: stat('hiddenSubscriberCount')
      ? null
      : take('subscriber_count', stat('subscriberCount'), cleanCount),
    video_count: take('video_count', stat('videoCount'), cleanCount),
    uploads_playlist_id: take(
      'uploads_playlist_id',
      field(channel, 'contentDetails', 'relatedPlaylists', 'uploads'),
      cleanId,
    ),
    fetched_at: fetchedAt.toISOString(),
  };
  return { row, issues };
}

/** Any videos.list item → a row to load, or a drop the caller counts; never an exception. */
export function videoRow(video: unknown, channelId: string, fetchedAt: Date): RowResult {
  const id = usableId(field(video, 'id'));
  if (!id) return { dropped: 'withoutId' };
  const { issues, take } = rowValues(id);
  const stat = (name: string) => field(video, 'statistics', name);
  const row: CsvRow = {
    record_type: 'video',
    id,
    channel_id: channelId,
    title: take('title', field(video, 'snippet', 'title'), cleanText) ?? '',
    description: take('description', field(video, 'snippet', 'description'), cleanText),
    custom_url: null,
    published_at: take('published_at', field(video, 'snippet', 'publishedAt'), cleanTimestamp),
    duration: take('duration', field(video, 'contentDetails', 'duration'), cleanText),
    view_count: take('view_count', stat('viewCount'), cleanCount),
    like_count: take('like_count', stat('likeCount'), cleanCount),
    comment_count: take('comment_count', stat('commentCount'), cleanCount),
    subscriber_count: null,
    video_count: null,
    uploads_playlist_id: null,
    fetched_at: fetchedAt.toISOString(),
  };
  return { row, issues };
}

export interface ChannelCsv {
  /** UTF-8 with a header line: what is gzipped into the raw store and streamed into COPY. */
  csv: Buffer;
  videoRows: number;
  /** Listed in the uploads playlist but with no row: private, deleted, or answered unusable. */
  skippedVideos: number;
  /** API items (playlist entries, videos.list items) left out, by reason. */
  dropped: Record<DropReason, number>;
  /** Values cleaned or set to NULL, by column. */
  cleaned: Partial<Record<CsvColumn, number>>;
  /** The first few cleaned values, for the log. */
  issues: ValueIssue[];
}

const ISSUES_KEPT = 10;

/** The channel's CSV; throws only for a channel without a usable id, which listChannels never returns. */
export function channelCsv(fetched: FetchedChannel, fetchedAt: Date): ChannelCsv {
  const channel = channelRow(fetched.channel, fetchedAt);
  if ('dropped' in channel) throw new Error('a channel without a usable id cannot be written');
  const channelId = channel.row.id as string;
  const listed = new Set(fetched.listedIds);
  const dropped: Record<DropReason, number> = { withoutId: fetched.unusableEntries, repeated: 0, notListed: 0 };
  const rows = new Map<string, CsvRow>();
  const issues = [...channel.issues];
  for (const video of fetched.videos) {
    const result = videoRow(video, channelId, fetchedAt);
    if ('dropped' in result) dropped.withoutId += 1;
    else if (rows.has(result.row.id as string)) dropped.repeated += 1;
    else if (!listed.has(result.row.id as string)) dropped.notListed += 1;
    else {
      rows.set(result.row.id as string, result.row);
      issues.push(...result.issues);
    }
  }
  const cleaned: Partial<Record<CsvColumn, number>> = {};
  for (const issue of issues) cleaned[issue.column] = (cleaned[issue.column] ?? 0) + 1;
  const csv = stringify([channel.row, ...rows.values()], {
    header: true,
    columns: [...CSV_COLUMNS],
    quoted_string: true,
    record_delimiter: '\n',
  });
  return {
    csv: Buffer.from(csv, 'utf8'),
    videoRows: rows.size,
    skippedVideos: [...listed].filter((id) => !rows.has(id)).length,
    dropped,
    cleaned,
    issues: issues.slice(0, ISSUES_KEPT),
  };
}
