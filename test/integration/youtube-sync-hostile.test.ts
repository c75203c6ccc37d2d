import { channelId, makeVideos } from '../support/fake-youtube';
import { repeatVideo, setItemField } from '../support/fake-youtube-hostile';
import { type SyncFixture, syncFixture } from './youtube-sync-fixture';

/** Malformed API answers: what can be cleaned is cleaned, what cannot is skipped and counted, the rest loads. */

let f: SyncFixture;
let alpha: string;
let bravo: string;
let videoIds: string[];
beforeEach(async () => {
  f = await syncFixture('youtube-hostile');
  alpha = channelId('alpha');
  bravo = channelId('bravo');
  const videos = makeVideos('alph', 8);
  videoIds = videos.map((video) => video.id);
  f.youtube.channels.push({ id: alpha, title: 'alpha', videos });
  f.youtube.channels.push({ id: bravo, title: 'bravo', videos: makeVideos('brav', 2) });
});
afterEach(() => f.close());

const run = () => f.run({}, { jobSettings: { channels: [alpha, bravo] } });
const video = async (id: string) =>
  (
    await f.rows<Record<string, string | null>>(
      `SELECT title, view_count, like_count, comment_count, published_at::text FROM youtube_videos WHERE video_id = $1`,
      [id],
    )
  )[0];
const videosOf = async (id: string) =>
  Number((await f.rows<{ n: string }>('SELECT count(*) AS n FROM youtube_videos WHERE channel_id = $1', [id]))[0].n);

describe('youtube-sync with malformed videos in the API answers', () => {
  it('removes a NUL byte from a title and keeps the rest of it', async () => {
    f.youtube.tamper('videos.list', setItemField(videoIds[0], 'snippet.title', 'before\u0000after'));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect((await video(videoIds[0])).title).toBe('beforeafter');
    expect(await videosOf(alpha)).toBe(8);
    expect(result.counts).toMatchObject({ videos: 10, cleanedValues: 1 });
  });

  it.each([
    ['viewCount', 'view_count', 'abc'],
    ['viewCount', 'view_count', '1.5'],
    ['likeCount', 'like_count', '99999999999999999999'],
    ['commentCount', 'comment_count', '-3'],
    ['viewCount', 'view_count', 12.5],
  ])('stores a %s of %p as NULL, counts it and loads the whole channel', async (field, column, value) => {
    f.youtube.tamper('videos.list', setItemField(videoIds[1], `statistics.${field}`, value));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect((await video(videoIds[1]))[column]).toBeNull();
    expect((await video(videoIds[2]))[column]).not.toBeNull();
    expect(await videosOf(alpha)).toBe(8);
    expect(result.counts).toMatchObject({ cleanedValues: 1 });
    expect(result.message).toContain(`1 value cleaned (${column}: 1)`);
  });

  it('stores a publishedAt that is not a date as NULL', async () => {
    f.youtube.tamper('videos.list', setItemField(videoIds[2], 'snippet.publishedAt', 'not a date'));
    f.youtube.tamper('videos.list', setItemField(videoIds[3], 'snippet.publishedAt', '2024-02-30T00:00:00Z'));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect((await video(videoIds[2])).published_at).toBeNull();
    expect((await video(videoIds[3])).published_at).toBeNull();
    expect((await video(videoIds[4])).published_at).not.toBeNull();
    expect(result.counts).toMatchObject({ videos: 10, cleanedValues: 2 });
  });

  it('skips and counts a video answered without an id, loading the others', async () => {
    f.youtube.tamper('videos.list', setItemField(videoIds[4], 'id', undefined));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect(await videosOf(alpha)).toBe(7);
    expect(result.counts).toMatchObject({ videos: 9, skippedVideos: 1, droppedItems: 1 });
    expect(result.message).toContain('1 API item dropped (without a valid id: 1)');
  });

  it('keeps the first of a video answered twice in one videos.list answer', async () => {
    f.youtube.tamper('videos.list', repeatVideo(videoIds[5]));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect(await videosOf(alpha)).toBe(8);
    expect((await video(videoIds[5])).view_count).toBe('1005');
    expect(result.counts).toMatchObject({ videos: 10, skippedVideos: 0, droppedItems: 1 });
    expect(result.message).toContain('repeated: 1');
  });

  it("cleans the channel's own values: a NUL in its title, a negative subscriber count", async () => {
    f.youtube.tamper('channels.list', setItemField(alpha, 'snippet.title', 'al\u0000pha'));
    f.youtube.tamper('channels.list', setItemField(alpha, 'statistics.subscriberCount', '-5'));

    const result = await run();

    expect(result.failed).toBeFalsy();
    expect(await f.rows('SELECT title, subscriber_count FROM youtube_channels WHERE channel_id = $1', [alpha])).toEqual(
      [{ title: 'alpha', subscriber_count: null }],
    );
    expect(result.counts).toMatchObject({ channels: 2, cleanedValues: 2 });
  });

  it('fails a channel whose uploads playlist id is not an id, naming it, and loads the other', async () => {
    f.youtube.tamper('channels.list', setItemField(alpha, 'contentDetails.relatedPlaylists.uploads', 'UU,bad'));

    const result = await run();

    expect(result.failed).toBe(true);
    expect(result.message).toContain(
      `${alpha} (channels.list answered an uploads playlist id that is not an id: "UU,bad")`,
    );
    expect(await videosOf(alpha)).toBe(0);
    expect(await videosOf(bravo)).toBe(2);
  });
});
