import { stringify } from 'csv-stringify/sync';
import type { ChannelItem, VideoItem } from './youtube-api';

/**
 * One CSV per channel, the unit that is stored raw (for replay) and loaded: a `channel` row, then one
 * `video` row per video. Strings are always quoted and NULL is an unquoted empty field, so an empty
 * title stays '' and a hidden like count stays NULL through COPY.
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

type Row = Record<(typeof CSV_COLUMNS)[number], string | null>;

const count = (value: string | null | undefined) => (value === undefined || value === null ? null : String(value));

export function channelRow(channel: ChannelItem, fetchedAt: Date): Row {
  return {
    record_type: 'channel',
    id: channel.id ?? null,
    channel_id: channel.id ?? null,
    title: channel.snippet?.title ?? '',
    description: channel.snippet?.description ?? null,
    custom_url: channel.snippet?.customUrl ?? null,
    published_at: channel.snippet?.publishedAt ?? null,
    duration: null,
    view_count: count(channel.statistics?.viewCount),
    like_count: null,
    comment_count: null,
    // Hidden subscriber counts are reported as 0 by the API: keep them unknown instead.
    subscriber_count: channel.statistics?.hiddenSubscriberCount ? null : count(channel.statistics?.subscriberCount),
    video_count: count(channel.statistics?.videoCount),
    uploads_playlist_id: channel.contentDetails?.relatedPlaylists?.uploads ?? null,
    fetched_at: fetchedAt.toISOString(),
  };
}

export function videoRow(video: VideoItem, channelId: string, fetchedAt: Date): Row {
  return {
    record_type: 'video',
    id: video.id ?? null,
    channel_id: channelId,
    title: video.snippet?.title ?? '',
    description: video.snippet?.description ?? null,
    custom_url: null,
    published_at: video.snippet?.publishedAt ?? null,
    duration: video.contentDetails?.duration ?? null,
    view_count: count(video.statistics?.viewCount),
    like_count: count(video.statistics?.likeCount),
    comment_count: count(video.statistics?.commentCount),
    subscriber_count: null,
    video_count: null,
    uploads_playlist_id: null,
    fetched_at: fetchedAt.toISOString(),
  };
}

/** The channel's CSV (UTF-8, header line): what is gzipped into the raw store and streamed into COPY. */
export function channelCsv(channel: ChannelItem, videos: readonly VideoItem[], fetchedAt: Date): Buffer {
  const channelId = channel.id ?? '';
  const rows = [channelRow(channel, fetchedAt), ...videos.map((video) => videoRow(video, channelId, fetchedAt))];
  return Buffer.from(
    stringify(rows, { header: true, columns: [...CSV_COLUMNS], quoted_string: true, record_delimiter: '\n' }),
    'utf8',
  );
}
