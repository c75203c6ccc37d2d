import { youtube, type youtube_v3 } from '@googleapis/youtube';

/**
 * The YouTube Data API v3 as youtube-sync uses it: three list methods, one call (1 quota unit) each,
 * through the official client. Errors come back as YoutubeApiError with the API's reason, never with
 * the request URL (it carries the key).
 */

export type ChannelItem = youtube_v3.Schema$Channel;
export type VideoItem = youtube_v3.Schema$Video;

/** Largest `id` list and page size the API accepts. */
export const MAX_IDS_PER_CALL = 50;

export interface PlaylistPage {
  /** As answered: an entry without a video id is undefined here, and the caller counts it. */
  videoIds: Array<string | null | undefined>;
  nextPageToken?: string;
}

export interface YoutubeApi {
  /** channels.list by ids (at most 50) or by one @handle; unknown ones are simply absent. */
  listChannels(query: { ids: string[] } | { handle: string }): Promise<ChannelItem[]>;
  /** One page (50 items) of playlistItems.list; an unknown playlist is an empty one. */
  listPlaylistPage(playlistId: string, pageToken?: string): Promise<PlaylistPage>;
  /** videos.list for at most 50 ids; private and deleted videos are absent. */
  listVideos(ids: string[]): Promise<VideoItem[]>;
}

export class YoutubeApiError extends Error {
  override name = 'YoutubeApiError';
  constructor(
    message: string,
    /** HTTP status; 0 when no response came (network error, timeout). */
    readonly status: number,
    /** The API's `errors[0].reason` (quotaExceeded, keyInvalid, ...) or the network error code. */
    readonly reason: string,
  ) {
    super(message);
  }
}

interface ApiErrorBody {
  error?: { message?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> };
}

/** Turns a client error into a YoutubeApiError: status, the API's reason and message, nothing from the request. */
export function toYoutubeApiError(error: unknown): YoutubeApiError {
  const failed = error as { status?: number; code?: string | number; response?: { status?: number; data?: unknown } };
  const status = failed.response?.status ?? 0;
  if (status === 0) {
    const code = typeof failed.code === 'string' ? failed.code : 'NETWORK_ERROR';
    return new YoutubeApiError(`no response from the YouTube API (${code})`, 0, code);
  }
  const body = (typeof failed.response?.data === 'object' ? failed.response?.data : {}) as ApiErrorBody;
  const detailReason = body.error?.details?.find((detail) => detail.reason)?.reason;
  let reason = body.error?.errors?.[0]?.reason ?? detailReason ?? `http${status}`;
  if (detailReason === 'API_KEY_INVALID') reason = 'keyInvalid';
  const message = (body.error?.message ?? `HTTP ${status}`).replace(/<[^>]+>/g, '');
  return new YoutubeApiError(`YouTube API ${status} ${reason}: ${message}`, status, reason);
}

export interface YoutubeClientOptions {
  apiKey: string;
  /** API root, e.g. a fake's `http://127.0.0.1:8123/`. @default https://youtube.googleapis.com/ */
  baseUrl?: string;
  /** Per request. @default 30000 */
  timeoutMs?: number;
}

/** A list answer's items: none when the API left them out (or sent something that is not a list). */
const itemsOf = <T>(data: { items?: T[] }): T[] => (Array.isArray(data.items) ? data.items : []);

/** The real adapter over `@googleapis/youtube`; retries are the caller's (the client's own are off). */
export function createYoutubeApi(options: YoutubeClientOptions): YoutubeApi {
  const client = youtube({
    version: 'v3',
    auth: options.apiKey,
    ...(options.baseUrl ? { rootUrl: options.baseUrl } : {}),
    retry: false,
    timeout: options.timeoutMs ?? 30_000,
    // Node's own fetch, rather than gaxios loading node-fetch through a dynamic import.
    fetchImplementation: fetch,
  });
  const call = async <T>(request: () => Promise<{ data: T }>): Promise<T> => {
    try {
      return (await request()).data;
    } catch (error) {
      throw toYoutubeApiError(error);
    }
  };
  return {
    async listChannels(query) {
      const data = await call(() =>
        client.channels.list({
          part: ['snippet', 'contentDetails', 'statistics'],
          ...('ids' in query ? { id: query.ids } : { forHandle: query.handle }),
        }),
      );
      return itemsOf(data);
    },
    async listPlaylistPage(playlistId, pageToken) {
      try {
        const data = await call(() =>
          client.playlistItems.list({
            part: ['contentDetails'],
            playlistId,
            maxResults: MAX_IDS_PER_CALL,
            ...(pageToken ? { pageToken } : {}),
          }),
        );
        const videoIds = itemsOf(data).map((item) => item?.contentDetails?.videoId);
        const next = typeof data.nextPageToken === 'string' && data.nextPageToken ? data.nextPageToken : undefined;
        return { videoIds, ...(next ? { nextPageToken: next } : {}) };
      } catch (error) {
        // A channel that never uploaded may have no uploads playlist yet.
        if (error instanceof YoutubeApiError && error.reason === 'playlistNotFound') return { videoIds: [] };
        throw error;
      }
    },
    async listVideos(ids) {
      const data = await call(() => client.videos.list({ part: ['snippet', 'contentDetails', 'statistics'], id: ids }));
      return itemsOf(data);
    },
  };
}
