import { type AnswerTamper, type FakeAnswer, pageOffsetOf, pageTokenFor } from './fake-youtube';

/**
 * Ready-made tampers for the fake YouTube API (`fake.tamper(method, ...)`): the malformed answers a real
 * API, a proxy or a bad day can produce, each changing one thing so a test names exactly what it sends.
 */

type Item = FakeAnswer;

/** Sets `path` (e.g. `statistics.viewCount`) of the answered item (video or channel) with this id to `value`; undefined removes it. */
export function setItemField(itemId: string, path: string, value: unknown): AnswerTamper {
  return (body) => {
    for (const item of (body.items ?? []) as Item[]) {
      if (item.id !== itemId) continue;
      const keys = path.split('.');
      const parent = keys.slice(0, -1).reduce<Item>((node, key) => {
        node[key] ??= {};
        return node[key];
      }, item);
      const last = keys[keys.length - 1];
      if (value === undefined) delete parent[last];
      else parent[last] = value;
    }
    return body;
  };
}

/** The item with this id appears twice in the answer, the copy with other statistics. */
export function repeatVideo(videoId: string): AnswerTamper {
  return (body) => {
    const items = (body.items ?? []) as Item[];
    const item = items.find((candidate) => candidate.id === videoId);
    if (item) items.push({ ...item, statistics: { ...item.statistics, viewCount: '1' } });
    return body;
  };
}

/** playlistItems.list of this playlist always answers the token of its first page: following it never ends. */
export function repeatingPageToken(playlistId: string): AnswerTamper {
  return (body, query) => (query.playlistId === playlistId ? { ...body, nextPageToken: pageTokenFor(0) } : body);
}

/** playlistItems.list always answers a token for the next 50 items, never the same twice, empty pages past the end. */
export function endlessPageTokens(): AnswerTamper {
  return (body, query) => {
    const offset = query.pageToken ? pageOffsetOf(query.pageToken) : 0;
    return { ...body, nextPageToken: pageTokenFor(offset + 50) };
  };
}
