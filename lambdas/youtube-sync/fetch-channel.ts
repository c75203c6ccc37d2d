import type pg from 'pg';
import { cleanCount, usableId } from './clean-values';
import { type ChannelItem, MAX_IDS_PER_CALL, type VideoItem, type YoutubeApi } from './youtube-api';

/**
 * The API side of a run: channel ids from the settings (@handles resolved once and cached in
 * youtube_channel_handles), channels.list in batches of 50, then per channel its uploads playlist page
 * by page, each page's 50 ids sent to videos.list at once. Never search.list (100 units a call).
 */

export interface FetchedChannel {
  channel: ChannelItem;
  /** videos.list items as answered (channel-csv.ts decides what of them is loadable). */
  videos: VideoItem[];
  /** Video ids of the uploads playlist, each once, in playlist order: what was asked of videos.list. */
  listedIds: string[];
  /** Playlist entries without a usable video id. */
  unusableEntries: number;
}

/** The channel's public video count; 0 when the API left it out or sent something that is not a count. */
export function publicVideoCount(channel: ChannelItem): number {
  return Number(cleanCount(channel.statistics?.videoCount).value ?? 0);
}

/** Uploads playlist pages a channel needs, from its public video count. */
const pagesFor = (videos: number) => Math.max(1, Math.ceil(videos / MAX_IDS_PER_CALL));

/** Calls a channel is expected to need, from its public video count: pages + video batches. */
export function expectedCalls(channel: ChannelItem): number {
  const batches = Math.ceil(publicVideoCount(channel) / MAX_IDS_PER_CALL);
  return Math.max(1, batches) + batches;
}

/**
 * Pages followed at most: what the video count needs, plus room for uploads since channels.list
 * answered (2 pages, or a tenth more for large channels). Past it the playlist is not what the channel
 * said it was (a page-token loop that changes its token, or a wrong count): stop rather than spend the
 * run's budget on it.
 */
export function maxPlaylistPages(channel: ChannelItem): number {
  const pages = pagesFor(publicVideoCount(channel));
  return pages + Math.max(2, Math.ceil(pages / 10));
}

/** The uploads playlist did not end as it should: a page token seen before, or more pages than allowed. */
export class PlaylistPagingError extends Error {
  override name = 'PlaylistPagingError';
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
    const id = usableId(channel?.id);
    if (!id) {
      unknownHandles.push(handle);
      continue;
    }
    known.set(handle, id);
    await db.query(
      `INSERT INTO youtube_channel_handles (handle, channel_id) VALUES ($1, $2)
       ON CONFLICT (handle) DO UPDATE SET channel_id = EXCLUDED.channel_id, resolved_at = now()`,
      [handle, id],
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
      const id = usableId(channel?.id);
      if (id) found.set(id, channel);
    }
  }
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** Every upload of the channel with its metadata and statistics. */
export async function fetchChannelVideos(api: YoutubeApi, channel: ChannelItem): Promise<FetchedChannel> {
  const uploads = channel.contentDetails?.relatedPlaylists?.uploads;
  const playlistId = usableId(uploads);
  const fetched: FetchedChannel = { channel, videos: [], listedIds: [], unusableEntries: 0 };
  // No uploads playlist: a channel that never uploaded. One that is not an id: its videos cannot be listed.
  if (uploads === undefined || uploads === null || uploads === '') return fetched;
  if (!playlistId) {
    throw new Error(
      `channels.list answered an uploads playlist id that is not an id: ${JSON.stringify(uploads)}`.slice(0, 200),
    );
  }
  const maxPages = maxPlaylistPages(channel);
  const listed = new Set<string>();
  const followedTokens = new Set<string>();
  let pages = 0;
  let pageToken: string | undefined;
  do {
    const page = await api.listPlaylistPage(playlistId, pageToken);
    pages += 1;
    const ids: string[] = [];
    for (const entry of page.videoIds) {
      const id = usableId(entry);
      if (!id) fetched.unusableEntries += 1;
      else if (!listed.has(id)) {
        listed.add(id);
        ids.push(id);
      }
    }
    if (ids.length > 0) {
      fetched.listedIds.push(...ids);
      fetched.videos.push(...(await api.listVideos(ids)));
    }
    pageToken = page.nextPageToken;
    if (pageToken && followedTokens.has(pageToken)) {
      throw new PlaylistPagingError(
        `playlistItems.list of ${playlistId} answered page token ${JSON.stringify(pageToken.slice(0, 40))} again after ${pages} pages; stopped following it`,
      );
    }
    if (pageToken && pages >= maxPages) {
      throw new PlaylistPagingError(
        `the uploads playlist ${playlistId} still had a next page after ${pages} pages, more than the ${maxPages} pages its ${publicVideoCount(channel)} videos need; stopped following it`,
      );
    }
    if (pageToken) followedTokens.add(pageToken);
  } while (pageToken);
  return fetched;
}
