import { channelId, makeVideos } from '../support/fake-youtube';
import { rawStoreOf, type SyncFixture, syncFixture } from './youtube-sync-fixture';

let f: SyncFixture;
let ids: { a: string; b: string; c: string };
beforeEach(async () => {
  f = await syncFixture('youtube-errors');
  const channel = (name: string, videos: number) => {
    const id = channelId(name);
    f.youtube.channels.push({ id, title: name, videos: makeVideos(name.slice(0, 4), videos) });
    return id;
  };
  // Calls: channels.list 1; alpha 1 page + 1 batch; bravo 2 pages + 2 batches; charlie 1 + 1.
  ids = { a: channel('alpha', 3), b: channel('bravo', 60), c: channel('charlie', 1) };
});
afterEach(() => f.close());

const channelsInDb = async () =>
  (await f.rows<{ channel_id: string }>('SELECT channel_id FROM youtube_channels ORDER BY 1')).map((r) => r.channel_id);
const videosOf = async (id: string) =>
  Number((await f.rows<{ n: string }>('SELECT count(*) AS n FROM youtube_videos WHERE channel_id = $1', [id]))[0].n);
const settings = (extra: object = {}) => ({
  jobSettings: { channels: [ids.a, ids.b, ids.c], concurrency: 1, ...extra },
});

describe('youtube-sync when the API refuses or fails', () => {
  it('stops on quotaExceeded mid-run, keeping finished channels and writing nothing of the one in flight', async () => {
    f.youtube.quotaLimit = 5; // the 6th call, bravo's second page, gets 403 quotaExceeded

    const result = await f.run({}, settings());

    expect(result.failed).toBe(true);
    expect(result.message).toMatch(/^YouTube API quota exhausted \(YouTube API 403 quotaExceeded: .*quota/);
    expect(f.youtube.totalCalls).toBe(6); // no retry of a quota error
    expect(await channelsInDb()).toEqual([ids.a]);
    expect(await videosOf(ids.b)).toBe(0);
    expect((await rawStoreOf(f).list('raw/youtube/')).map((key) => key.split('/').pop())).toEqual([`${ids.a}.csv.gz`]);
    expect(result.counts).toMatchObject({ channels: 1, videos: 3, quotaUnits: 6, channelsNotSynced: 2 });
  });

  it('stops on dailyLimitExceeded too', async () => {
    f.youtube.failNext(1, { method: 'playlistItems.list', status: 403, reason: 'dailyLimitExceeded' });

    const result = await f.run({}, settings());

    expect(result.failed).toBe(true);
    expect(result.message).toContain('dailyLimitExceeded');
    expect(await channelsInDb()).toEqual([]);
  });

  it('stops before the per-run budget, spending no unit past it, and fails naming the channels left', async () => {
    const result = await f.run({}, settings({ quotaBudget: 4 }));

    expect(result.failed).toBe(true);
    expect(result.counts).toMatchObject({ channels: 1, quotaUnits: 3, channelsNotSynced: 2 });
    expect(result.message).toContain(`stopped at the quota budget; not synced: ${ids.b}, ${ids.c}`);
    expect(f.youtube.totalCalls).toBe(3);
    expect(await channelsInDb()).toEqual([ids.a]);
  });

  it('retries 5xx, 429 and dropped connections with growing delays and loads everything', async () => {
    f.youtube.failNext(2, { method: 'videos.list', status: 503 });
    f.youtube.failNext(1, { method: 'playlistItems.list', status: 'network' });
    f.youtube.failNext(1, { method: 'channels.list', status: 429 });

    const result = await f.run({}, settings());

    expect(result.failed).toBeFalsy();
    expect(f.youtube.totalCalls).toBe(1 + 2 + 4 + 2 + 4);
    expect(result.counts).toMatchObject({ channels: 3, videos: 64, quotaUnits: 13 });
    expect(f.sleeps).toEqual([1000, 1000, 1000, 2000]);
  });

  it('gives up on a channel after the configured attempts and still syncs the others', async () => {
    f.youtube.failNext(3, { method: 'videos.list', status: 500 });

    const result = await f.run({}, settings({ retry: { attempts: 3 } }));

    expect(result.failed).toBe(true);
    expect(result.message).toMatch(new RegExp(`^1 of 3 channels not synced: ${ids.a} \\(YouTube API 500 backendError`));
    expect(await channelsInDb()).toEqual([ids.b, ids.c].sort());
  });

  it('does not retry when the Lambda has too little time left', async () => {
    f.youtube.failNext(1, { method: 'channels.list', status: 503 });

    await expect(f.run({}, { ...settings(), remainingMs: 30_000 })).rejects.toThrow(/YouTube API 503 backendError/);
    expect(f.youtube.totalCalls).toBe(1);
  });

  it('fails fast on an invalid key, naming where the key came from but never the key', async () => {
    const attempt = f.run({}, { ...settings(), env: { YOUTUBE_API_KEY: 'wrong-key-value' } });

    await expect(attempt).rejects.toThrow(/^the YouTube API key in YOUTUBE_API_KEY was refused \(.*keyInvalid/);
    await expect(attempt).rejects.not.toThrow(/wrong-key-value/);
    expect(f.youtube.totalCalls).toBe(1);
  });

  it('names the secret when the deployed key is refused', async () => {
    const readApiKey = async () => ({ apiKey: 'revoked', source: 'secret nightshift/prod/youtube' });

    await expect(f.run({}, { ...settings(), ports: { readApiKey } })).rejects.toThrow(
      /the YouTube API key in secret nightshift\/prod\/youtube was refused/,
    );
  });
});
