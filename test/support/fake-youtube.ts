import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errorBody, injected, keyInvalid, quotaExceeded } from './fake-youtube-errors';

/**
 * A fake YouTube Data API v3 (channels.list, playlistItems.list, videos.list) written from the public
 * reference: the same paths, parameters, response shapes (kind, etag, pageInfo, items, nextPageToken),
 * 50-id and 50-item limits, error bodies (keyInvalid, quotaExceeded, backendError, rateLimitExceeded) and
 * 1 quota unit per request. It counts every request and can be slowed down or told to fail.
 */

export interface FakeVideo {
  id: string;
  title: string;
  description?: string;
  publishedAt: string;
  duration?: string;
  views: number;
  /** null: hidden by the owner, so the API leaves the field out. */
  likes?: number | null;
  /** null: comments disabled. */
  comments?: number | null;
  /** Listed in the uploads playlist but absent from videos.list (private or deleted). */
  unavailable?: boolean;
}

export interface FakeChannel {
  id: string;
  handle?: string;
  title: string;
  description?: string;
  publishedAt?: string;
  subscribers?: number;
  views?: number;
  videos: FakeVideo[];
}

export type FakeMethod = 'channels.list' | 'playlistItems.list' | 'videos.list';

export interface FakeFailure {
  /** Only requests to this method fail. @default any */
  method?: FakeMethod;
  /** HTTP status, or 'network' to drop the connection without an answer. */
  status: number | 'network';
  /** @default backendError (5xx), rateLimitExceeded (429, 403) */
  reason?: string;
}

/**
 * Rewrites one answer body before it is sent: how tests make the API hostile (a NUL byte in a title, a
 * count of "abc", a video twice in one answer, a nextPageToken that never ends). See fake-youtube-hostile.ts.
 */
export type AnswerTamper = (body: FakeAnswer, query: Record<string, string>) => FakeAnswer;
// biome-ignore lint/suspicious/noExplicitAny: a tamper may put any JSON anywhere, that is its purpose
export type FakeAnswer = Record<string, any>;

export interface FakeYoutubeOptions {
  /** The one key the fake accepts. @default 'fake-api-key' */
  apiKey?: string;
  /** Added before every answer. @default 0 */
  latencyMs?: number;
  /** Units after which every request gets 403 quotaExceeded. @default unlimited */
  quotaLimit?: number;
}

const METHODS: Record<string, FakeMethod> = {
  '/youtube/v3/channels': 'channels.list',
  '/youtube/v3/playlistItems': 'playlistItems.list',
  '/youtube/v3/videos': 'videos.list',
};

const etag = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 27);
export const uploadsPlaylistOf = (channelId: string) => `UU${channelId.slice(2)}`;

export class FakeYoutube {
  readonly channels: FakeChannel[] = [];
  /** Requests received, by method (failed ones included). */
  readonly calls: Record<FakeMethod, number> = { 'channels.list': 0, 'playlistItems.list': 0, 'videos.list': 0 };
  /** Every request: method and query, the key left out. */
  readonly requests: Array<{ method: string; query: Record<string, string>; ids: string[] }> = [];
  unitsSpent = 0;
  latencyMs: number;
  quotaLimit: number;
  readonly apiKey: string;
  private readonly failures: FakeFailure[] = [];
  private readonly tampers: Array<{ method: FakeMethod; tamper: AnswerTamper }> = [];
  private server?: Server;

  constructor(options: FakeYoutubeOptions = {}) {
    this.apiKey = options.apiKey ?? 'fake-api-key';
    this.latencyMs = options.latencyMs ?? 0;
    this.quotaLimit = options.quotaLimit ?? Number.POSITIVE_INFINITY;
  }

  get totalCalls(): number {
    return Object.values(this.calls).reduce((total, count) => total + count, 0);
  }

  /** The next `count` matching requests fail this way (then the fake answers normally again). */
  failNext(count: number, failure: FakeFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Every later successful answer of `method` goes through `tamper` (in the order they were added). */
  tamper(method: FakeMethod, tamper: AnswerTamper): void {
    this.tampers.push({ method, tamper });
  }

  resetCounts(): void {
    for (const method of Object.keys(this.calls) as FakeMethod[]) this.calls[method] = 0;
    this.requests.length = 0;
    this.unitsSpent = 0;
  }

  /** The root URL to give the client (YOUTUBE_API_BASE_URL). */
  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the fake YouTube API is not listening');
    return `http://127.0.0.1:${address.port}/`;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500).end(error.message);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = METHODS[url.pathname];
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (url.pathname === '/_fake/calls') {
      // Not an API path: lets a process that does not hold this object (a benchmark's parent) read the counts.
      return send(response, 200, { calls: this.calls, totalCalls: this.totalCalls, unitsSpent: this.unitsSpent });
    }
    if (!method || request.method !== 'GET') {
      return send(response, 404, { error: { code: 404, message: 'Not Found', errors: [{ reason: 'notFound' }] } });
    }
    this.calls[method] += 1;
    this.unitsSpent += 1;
    const query = Object.fromEntries([...url.searchParams].filter(([name]) => name !== 'key'));
    const ids = url.searchParams
      .getAll('id')
      .flatMap((value) => value.split(','))
      .filter(Boolean);
    this.requests.push({ method, query, ids });
    const failureIndex = this.failures.findIndex((failure) => !failure.method || failure.method === method);
    const failure = failureIndex >= 0 ? this.failures.splice(failureIndex, 1)[0] : undefined;
    if (failure?.status === 'network') {
      request.socket.destroy();
      return;
    }
    try {
      if (url.searchParams.get('key') !== this.apiKey) throw keyInvalid();
      if (this.unitsSpent > this.quotaLimit) throw quotaExceeded();
      if (failure) throw injected(failure);
      const answer = this.tampers
        .filter((entry) => entry.method === method)
        .reduce((body, entry) => entry.tamper(body, query), this.answer(method, url.searchParams) as FakeAnswer);
      send(response, 200, answer);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      send(response, error.status, errorBody(error));
    }
  }

  private answer(method: FakeMethod, params: URLSearchParams): object {
    if (!params.get('part')) throw new ApiError(400, 'required', 'No filter selected. Expected one of: ...part');
    const maxResults = Number(params.get('maxResults') ?? 5);
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 50) {
      throw new ApiError(
        400,
        'invalidParameter',
        `Invalid value '${params.get('maxResults')}'. Values must be within the range: [0, 50]`,
      );
    }
    if (method === 'channels.list') return this.listChannels(params);
    if (method === 'playlistItems.list') return this.listPlaylistItems(params, maxResults);
    return this.listVideos(params);
  }

  private listChannels(params: URLSearchParams): object {
    const handle = params.get('forHandle');
    const ids = handle ? [] : idList(params);
    const matches = handle
      ? this.channels.filter(
          (channel) => channel.handle?.toLowerCase() === `@${handle.replace(/^@/, '').toLowerCase()}`,
        )
      : ids.flatMap((id) => this.channels.find((channel) => channel.id === id) ?? []);
    const items = matches.map((channel) => {
      const item = {
        kind: 'youtube#channel',
        id: channel.id,
        snippet: {
          title: channel.title,
          description: channel.description ?? '',
          customUrl: channel.handle?.toLowerCase(),
          publishedAt: channel.publishedAt ?? '2015-04-01T00:00:00Z',
          thumbnails: { default: { url: `https://yt3.ggpht.com/${channel.id}=s88`, width: 88, height: 88 } },
          localized: { title: channel.title, description: channel.description ?? '' },
        },
        contentDetails: { relatedPlaylists: { likes: '', uploads: uploadsPlaylistOf(channel.id) } },
        statistics: {
          viewCount: String(channel.views ?? channel.videos.reduce((total, video) => total + video.views, 0)),
          subscriberCount: String(channel.subscribers ?? 0),
          hiddenSubscriberCount: false,
          videoCount: String(channel.videos.filter((video) => !video.unavailable).length),
        },
      };
      return { ...item, etag: etag(item) };
    });
    // The API leaves `items` out when nothing matched.
    return listResponse('youtube#channelListResponse', items, {
      totalResults: items.length,
      resultsPerPage: items.length,
    });
  }

  private listPlaylistItems(params: URLSearchParams, maxResults: number): object {
    const playlistId = params.get('playlistId') ?? '';
    const channel = this.channels.find((candidate) => uploadsPlaylistOf(candidate.id) === playlistId);
    if (!channel) {
      throw new ApiError(
        404,
        'playlistNotFound',
        "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
        'youtube.playlistItem',
      );
    }
    const token = params.get('pageToken');
    const offset = token ? pageOffsetOf(token) : 0;
    if (!Number.isInteger(offset) || offset < 0)
      throw new ApiError(400, 'invalidPageToken', 'The request specifies an invalid page token.');
    // Newest first, as the uploads playlist lists them.
    const uploads = [...channel.videos].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
    const page = uploads.slice(offset, offset + maxResults);
    const items = page.map((video) => {
      const item = {
        kind: 'youtube#playlistItem',
        id: Buffer.from(`${playlistId}.${video.id}`).toString('base64url'),
        contentDetails: { videoId: video.id, videoPublishedAt: video.publishedAt },
      };
      return { ...item, etag: etag(item) };
    });
    const next = offset + maxResults < uploads.length ? pageTokenFor(offset + maxResults) : undefined;
    return {
      ...listResponse(
        'youtube#playlistItemListResponse',
        items,
        { totalResults: uploads.length, resultsPerPage: maxResults },
        true,
      ),
      ...(next ? { nextPageToken: next } : {}),
      ...(offset > 0 ? { prevPageToken: pageTokenFor(Math.max(0, offset - maxResults)) } : {}),
    };
  }

  private indexed?: { size: number; byId: Map<string, { channel: FakeChannel; video: FakeVideo }> };

  /** Video id → video, rebuilt only when videos were added or removed (statistics are read live). */
  private videoIndex() {
    const size = this.channels.reduce((total, channel) => total + channel.videos.length, this.channels.length * 1e6);
    if (this.indexed?.size !== size) {
      const entries = this.channels.flatMap((channel) =>
        channel.videos.map((video) => [video.id, { channel, video }] as const),
      );
      this.indexed = { size, byId: new Map(entries) };
    }
    return this.indexed.byId;
  }

  private listVideos(params: URLSearchParams): object {
    const ids = idList(params);
    const byId = this.videoIndex();
    const items = ids.flatMap((id) => {
      const found = byId.get(id);
      if (!found || found.video.unavailable) return [];
      const { channel, video } = found;
      const item = {
        kind: 'youtube#video',
        id: video.id,
        snippet: {
          publishedAt: video.publishedAt,
          channelId: channel.id,
          title: video.title,
          description: video.description ?? '',
          channelTitle: channel.title,
          categoryId: '22',
          liveBroadcastContent: 'none',
          localized: { title: video.title, description: video.description ?? '' },
        },
        contentDetails: { duration: video.duration ?? 'PT4M13S', dimension: '2d', definition: 'hd', caption: 'false' },
        statistics: {
          viewCount: String(video.views),
          ...(video.likes === null ? {} : { likeCount: String(video.likes ?? 0) }),
          favoriteCount: '0',
          ...(video.comments === null ? {} : { commentCount: String(video.comments ?? 0) }),
        },
      };
      return [{ ...item, etag: etag(item) }];
    });
    return listResponse(
      'youtube#videoListResponse',
      items,
      { totalResults: items.length, resultsPerPage: items.length },
      true,
    );
  }
}

function idList(params: URLSearchParams): string[] {
  // Repeated (`id=a&id=b`, as the official client sends lists) or comma-separated, as the API accepts both.
  const ids = params
    .getAll('id')
    .flatMap((value) => value.split(','))
    .filter(Boolean);
  if (ids.length > 50) {
    throw new ApiError(
      400,
      'invalidFilters',
      `The request specifies ${ids.length} ids; at most 50 are allowed in the id parameter.`,
    );
  }
  return ids;
}

function listResponse(kind: string, items: object[], pageInfo: object, alwaysItems = false): object {
  const body = { pageInfo, ...(items.length > 0 || alwaysItems ? { items } : {}) };
  return { kind, etag: etag(body), ...body };
}

function send(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The fake's page tokens: opaque to the client, the playlist offset inside. */
export const pageTokenFor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
export const pageOffsetOf = (token: string) =>
  Number(
    Buffer.from(token, 'base64url')
      .toString()
      .replace(/^offset:/, ''),
  );

/** `count` videos for a channel: ids, titles and statistics derived from the index, newest last. */
export function makeVideos(prefix: string, count: number, title = (i: number) => `Video ${i + 1}`): FakeVideo[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${String(i).padStart(11 - prefix.length, '0')}`.slice(0, 11),
    title: title(i),
    publishedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().replace('.000', ''),
    views: 1000 + i,
    likes: 10 + i,
    comments: i % 7,
  }));
}

/** A channel id of the real form (UC + 22 characters) from a short name. */
export function channelId(name: string): string {
  return `UC${name
    .replace(/[^A-Za-z0-9_-]/g, '')
    .padEnd(22, 'x')
    .slice(0, 22)}`;
}
