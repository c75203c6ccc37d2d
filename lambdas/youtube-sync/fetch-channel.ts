import type pg from 'pg';
import { type ChannelItem, MAX_IDS_PER_CALL, type VideoItem, type YoutubeApi } from './youtube-api';

/**
 * The API side of a run: channel ids from the settings (@handles resolved once and cached in
 * youtube_channel_handles), channels.list in batches of 50, then per channel its uploads playlist page
 * by page, each page's 50 ids sent to videos.list at once. Never search.list (100 units a call).
 */

export interface FetchedChannel {
  channel: ChannelItem;
  videos: VideoItem[];
  /** Listed in the uploads playlist but absent from videos.list: private or deleted. */
  missingVideoIds: string[];
}

/** Calls a channel is expected to need, from its public video count: pages + video batches. */
export function expectedCalls(channel: ChannelItem): number {
  const batches = Math.ceil(Number(channel.statistics?.videoCount ?? 0) / MAX_IDS_PER_CALL);
  return Math.max(1, batches) + batches;
}

export async function resolveChannelIds(
  refs: readonly string[],
  db: pg.ClientBase,
  api: YoutubeApi,
): Promise<{ ids: string[]; unknownHandles: string[] }> {
  const handles = [...new Set(refs.filter((ref) => ref.startsWith('@')).map((ref) => ref.toLowerCase()))];
  const known = new Map<string, string>();
  if (handles.length > 0) {
    const { rows } = await db.query<{ handle: string; channel_id: string }>(
      'SELECT handle, channel_id FROM youtube_channel_handles WHERE handle = ANY($1)',
      [handles],
    );
    for (const row of rows) known.set(row.handle, row.channel_id);
  }
  const unknownHandles: string[] = [];
  for (const handle of handles.filter((candidate) => !known.has(candidate))) {
    const [channel] = await api.listChannels({ handle });
    if (!channel?.id) {
      unknownHandles.push(handle);
      continue;
    }
    known.set(handle, channel.id);
    await db.query(
      `INSERT INTO youtube_channel_handles (handle, channel_id) VALUES ($1, $2)
       ON CONFLICT (handle) DO UPDATE SET channel_id = EXCLUDED.channel_id, resolved_at = now()`,
      [handle, channel.id],
    );
  }
  const ids = refs.flatMap((ref) => (ref.startsWith('@') ? (known.get(ref.toLowerCase()) ?? []) : [ref]));
  return { ids: [...new Set(ids)], unknownHandles };
}

/** channels.list for every id, 50 per call; the result keeps the given order and leaves out unknown ids. */
export async function listChannels(api: YoutubeApi, ids: readonly string[]): Promise<ChannelItem[]> {
  const found = new Map<string, ChannelItem>();
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_CALL) {
    for (const channel of await api.listChannels({ ids: ids.slice(start, start + MAX_IDS_PER_CALL) })) {
      if (channel.id) found.set(channel.id, channel);
    }
  }
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** Every upload of the channel with its metadata and statistics. */
export async function fetchChannelVideos(api: YoutubeApi, channel: ChannelItem): Promise<FetchedChannel> {
  const playlistId = channel.contentDetails?.relatedPlaylists?.uploads;
  const videos: VideoItem[] = [];
  const missingVideoIds: string[] = [];
  if (!playlistId) return { channel, videos, missingVideoIds };
  const seen = new Set<string>();
  let pageToken: string | undefined;
  do {
    const page = await api.listPlaylistPage(playlistId, pageToken);
    const ids = page.videoIds.filter((id) => !seen.has(id));
    for (const id of ids) seen.add(id);
    if (ids.length > 0) {
      const items = await api.listVideos(ids);
      const returned = new Set(items.map((item) => item.id));
      videos.push(...items);
      missingVideoIds.push(...ids.filter((id) => !returned.has(id)));
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { channel, videos, missingVideoIds };
}
