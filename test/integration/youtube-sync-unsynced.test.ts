import { gzipSync } from 'node:zlib';
import { channelId, makeVideos, uploadsPlaylistOf } from '../support/fake-youtube';
import { endlessPageTokens, repeatingPageToken } from '../support/fake-youtube-hostile';
import { rawStoreOf, type SyncFixture, syncFixture } from './youtube-sync-fixture';

/**
 * Channels a run leaves unsynced (a page-token loop, the budget, an unknown id) fail the run after the
 * others are loaded, naming them; a replay goes past a stored file it cannot load and names it.
 */

let f: SyncFixture;
let ids: { a: string; b: string; c: string };
beforeEach(async () => {
  f = await syncFixture('youtube-unsynced');
  const channel = (name: string, videos: number) => {
    const id = channelId(name);
    f.youtube.channels.push({ id, title: name, videos: makeVideos(name.slice(0, 4), videos) });
    return id;
  };
  ids = { a: channel('alpha', 120), b: channel('bravo', 3), c: channel('charlie', 1) };
});
afterEach(() => f.close());

const channelsInDb = async () =>
  (await f.rows<{ channel_id: string }>('SELECT channel_id FROM youtube_channels ORDER BY 1')).map((r) => r.channel_id);
const settings = (extra: object = {}) => ({
  jobSettings: { channels: [ids.a, ids.b, ids.c], concurrency: 1, ...extra },
});

describe('youtube-sync channels left unsynced', () => {
  it('stops at a nextPageToken it has already followed, fails that channel and syncs the ones after it', async () => {
    f.youtube.tamper('playlistItems.list', repeatingPageToken(uploadsPlaylistOf(ids.a)));

    const result = await f.run({}, settings());

    // alpha: page 1 answers token T0, page 2 (T0) answers T0 again: stop. bravo and charlie: one page each.
    expect(f.youtube.calls['playlistItems.list']).toBe(2 + 1 + 1);
    expect(f.youtube.calls['videos.list']).toBe(1 + 1 + 1);
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(new RegExp(`^1 of 3 channels not synced: ${ids.a} \\(.*page token .* again`));
    expect(await channelsInDb()).toEqual([ids.b, ids.c].sort());
  });

  it("caps the pages at what the channel's video count needs when the tokens never repeat", async () => {
    f.youtube.tamper('playlistItems.list', endlessPageTokens());

    const result = await f.run({}, settings({ channels: [ids.a, ids.b] }));

    // alpha has 120 videos: 3 pages, plus an allowance of 2 for uploads since channels.list.
    expect(f.youtube.calls['playlistItems.list']).toBeLessThanOrEqual(5 + 5);
    expect(f.youtube.totalCalls).toBeLessThan(25);
    expect(result.failed).toBe(true);
    expect(result.message).toMatch(new RegExp(`${ids.a} \\(.*more than the 5 pages its 120 videos need`));
    expect(await channelsInDb()).toEqual([]);
  });

  it('fails a run stopped at the quota budget, after loading the channels that fitted', async () => {
    const result = await f.run({}, settings({ channels: [ids.b, ids.c, ids.a], quotaBudget: 5 }));

    expect(result.failed).toBe(true);
    expect(result.message).toMatch(
      new RegExp(`^1 of 3 channels not synced: ${ids.a} \\(quota budget reached before this channel\\)`),
    );
    expect(result.message).toContain(`stopped at the quota budget; not synced: ${ids.a}`);
    expect(await channelsInDb()).toEqual([ids.b, ids.c].sort());
  });

  it('fails a run naming a configured channel the API does not know, after loading the others', async () => {
    const unknown = channelId('nosuchchannel');

    const result = await f.run({}, settings({ channels: [ids.b, unknown, ids.c] }));

    expect(result.failed).toBe(true);
    expect(result.message).toMatch(new RegExp(`^1 of 3 channels not synced: ${unknown} \\(unknown channel\\)`));
    expect(result.counts).toMatchObject({ channels: 2, unknownChannels: 1 });
    expect(await channelsInDb()).toEqual([ids.b, ids.c].sort());
  });
});

describe('youtube-sync replay of a run with a bad stored file', () => {
  it('loads every file it can, names each one it cannot, and fails', async () => {
    await f.run({}, { ...settings({ channels: [ids.b, ids.c] }), runId: 'run-x' });
    await f.db.query('DELETE FROM youtube_videos');
    const store = rawStoreOf(f);
    const [first] = await store.list('raw/youtube/');
    const notGzip = first.replace(/[^/]+$/, 'UCaaaa-not-gzip.csv.gz');
    const badCount = first.replace(/[^/]+$/, 'UCbbbb-bad-count.csv.gz');
    const header = (await store.get(first)).toString().split('\n')[0];
    // An earlier version stored counts as they came: such a file must not stop the replay.
    const withBadCount = `${header}\n"video","zz1","UCbbbb","t",,,,,abc,,,,,,"2025-08-11T03:00:00.000Z"\n`;
    await putRaw(notGzip, Buffer.from('not gzip at all'));
    await putRaw(badCount, gzipSync(withBadCount));

    const replay = await f.run({ replay_run: 'run-x' });

    expect(replay.failed).toBe(true);
    expect(replay.message).toContain(`${notGzip}: `);
    expect(replay.message).toContain(`${badCount}: `);
    expect(replay.message).toMatch(/bigint/);
    expect(replay.counts).toMatchObject({ channels: 2, videos: 4, failedFiles: 2 });
    expect(Number((await f.rows<{ n: string }>('SELECT count(*) AS n FROM youtube_videos'))[0].n)).toBe(4);
  });
});

async function putRaw(key: string, body: Buffer) {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { s3Client } = await import('../support/services');
  const s3 = s3Client();
  await s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: key, Body: body }));
  s3.destroy();
}
