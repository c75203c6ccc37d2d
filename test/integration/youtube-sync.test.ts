import { channelId, makeVideos } from '../support/fake-youtube';
import { DEFAULT_NOW, rawStoreOf, type SyncFixture, syncFixture } from './youtube-sync-fixture';

/** The minimum the job may spend: ceil(C/50) channels.list + Σ max(1, ceil(V/50)) pages + Σ ceil(V/50) batches. */
const minimumCalls = (videoCounts: number[]) =>
  Math.ceil(videoCounts.length / 50) +
  videoCounts.reduce((sum, v) => sum + Math.max(1, Math.ceil(v / 50)), 0) +
  videoCounts.reduce((sum, v) => sum + Math.ceil(v / 50), 0);

let f: SyncFixture;
beforeEach(async () => {
  f = await syncFixture('youtube-sync');
});
afterEach(() => f.close());

const count = async (table: string) => Number((await f.rows<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

function addChannel(name: string, videos: number, handle?: string) {
  const id = channelId(name);
  f.youtube.channels.push({
    id,
    handle,
    title: `Channel ${name}`,
    subscribers: 1200,
    videos: makeVideos(name.slice(0, 4), videos),
  });
  return id;
}

describe('youtube-sync against the fake YouTube API and PostgreSQL', () => {
  it('syncs channels, videos and a statistics snapshot per video on the first run, with the minimum calls', async () => {
    const a = addChannel('alpha', 3);
    const b = addChannel('bravo', 2);

    const result = await f.run({}, { jobSettings: { channels: [a, b] } });

    expect(result.failed).toBeFalsy();
    expect(result.counts).toMatchObject({ channels: 2, videos: 5, snapshots: 5, skippedVideos: 0, quotaUnits: 5 });
    expect(f.youtube.totalCalls).toBe(minimumCalls([3, 2]));
    expect(f.quotaMetrics).toEqual([5]);
    expect(
      await f.rows('SELECT channel_id, title, subscriber_count, video_count FROM youtube_channels ORDER BY 1'),
    ).toEqual([
      { channel_id: a, title: 'Channel alpha', subscriber_count: '1200', video_count: '3' },
      { channel_id: b, title: 'Channel bravo', subscriber_count: '1200', video_count: '2' },
    ]);
    expect(await count('youtube_videos')).toBe(5);
    const snapshots = await f.rows<{ stat_date: string; view_count: string }>(
      `SELECT to_char(stat_date, 'YYYY-MM-DD') AS stat_date, view_count FROM youtube_video_daily_stats ORDER BY view_count`,
    );
    expect(snapshots.map((row) => row.stat_date)).toEqual(Array(5).fill('2025-08-11'));
    expect(snapshots[0].view_count).toBe('1000');
  });

  it('re-syncs to the same row counts with updated statistics, updating the same day snapshot in place', async () => {
    const a = addChannel('alpha', 3);
    await f.run({}, { jobSettings: { channels: [a] } });
    for (const video of f.youtube.channels[0].videos) video.views += 500;

    const evening = new Date('2025-08-11T09:00:00Z'); // 18:00 JST, same JST date
    const second = await f.run({}, { jobSettings: { channels: [a] }, now: evening });

    expect(second.counts).toMatchObject({ channels: 1, videos: 3, snapshots: 3 });
    expect(await count('youtube_channels')).toBe(1);
    expect(await count('youtube_videos')).toBe(3);
    expect(await count('youtube_video_daily_stats')).toBe(3);
    const views = await f.rows<{ view_count: string }>('SELECT view_count FROM youtube_video_daily_stats ORDER BY 1');
    expect(views.map((row) => row.view_count)).toEqual(['1500', '1501', '1502']);
    const [video] = await f.rows<{ view_count: string; fetched_at: Date }>(
      'SELECT view_count, fetched_at FROM youtube_videos ORDER BY view_count LIMIT 1',
    );
    expect(video).toEqual({ view_count: '1500', fetched_at: evening });

    await f.run({}, { jobSettings: { channels: [a] }, now: new Date('2025-08-11T15:00:00Z') }); // 00:00 JST next day
    expect(await count('youtube_video_daily_stats')).toBe(6);
  });

  it('pages channels of 0, 123 and exactly 50 videos with never more than 50 ids a call', async () => {
    const ids = [addChannel('empty', 0), addChannel('many', 123), addChannel('fifty', 50)];

    const result = await f.run({}, { jobSettings: { channels: ids } });

    expect(result.failed).toBeFalsy();
    expect(f.youtube.totalCalls).toBe(minimumCalls([0, 123, 50]));
    expect(f.youtube.calls).toEqual({ 'channels.list': 1, 'playlistItems.list': 5, 'videos.list': 4 });
    expect(Math.max(...f.youtube.requests.map((r) => r.ids.length))).toBe(50);
    expect(await count('youtube_videos')).toBe(173);
    expect(await count('youtube_channels')).toBe(3);
  });

  it('lists 60 channels in two channels.list calls', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => addChannel(`c${i}`, 1));

    await f.run({}, { jobSettings: { channels: ids, concurrency: 8 } });

    expect(f.youtube.calls['channels.list']).toBe(2);
    expect(f.youtube.totalCalls).toBe(minimumCalls(Array(60).fill(1)));
    expect(await count('youtube_channels')).toBe(60);
  });

  it('skips and counts videos listed in the playlist but missing from videos.list', async () => {
    const a = addChannel('alpha', 4);
    f.youtube.channels[0].videos[1].unavailable = true;
    f.youtube.channels[0].videos[3].unavailable = true;

    const result = await f.run({}, { jobSettings: { channels: [a] } });

    expect(result.counts).toMatchObject({ videos: 2, skippedVideos: 2 });
    expect(result.message).toContain('2 videos skipped (private, deleted or unusable)');
    expect(await count('youtube_videos')).toBe(2);
  });

  it('stores Japanese titles and emoji exactly', async () => {
    const a = addChannel('japan', 0);
    f.youtube.channels[0].title = '日本のチャンネル 🎌';
    f.youtube.channels[0].videos = makeVideos(
      'jp',
      3,
      (i) => [`【公式】東京の夜景 🌃✨ "第${i}話", 改行\nあり`, '', '👨‍👩‍👧‍👦 家族, 𠮷野家'][i],
    );

    await f.run({}, { jobSettings: { channels: [a] } });

    const titles = await f.rows<{ title: string }>('SELECT title FROM youtube_videos ORDER BY video_id');
    expect(titles.map((row) => row.title)).toEqual([
      '【公式】東京の夜景 🌃✨ "第0話", 改行\nあり',
      '',
      '👨‍👩‍👧‍👦 家族, 𠮷野家',
    ]);
    expect(await f.rows('SELECT title FROM youtube_channels')).toEqual([{ title: '日本のチャンネル 🎌' }]);
  });

  it('keeps each run as one gzipped CSV per channel and replays it without calling the API', async () => {
    const a = addChannel('alpha', 3);
    const first = await f.run({}, { jobSettings: { channels: [a] }, runId: 'run-one' });
    expect(first.details?.replayPayload).toEqual({ replay_run: 'run-one' });
    const keys = await rawStoreOf(f).list('raw/youtube/');
    expect(keys).toEqual([`raw/youtube/dt=2025-08-11/run=run-one/${a}.csv.gz`]);
    await f.db.query('DELETE FROM youtube_video_daily_stats');
    await f.db.query('DELETE FROM youtube_videos');
    f.youtube.resetCounts();

    const replay = await f.run({ replay_run: 'run-one' }, { now: new Date(DEFAULT_NOW.getTime() + 86_400_000) });

    expect(replay.failed).toBeFalsy();
    expect(replay.counts).toMatchObject({ channels: 1, videos: 3, snapshots: 3, quotaUnits: 0 });
    expect(f.youtube.totalCalls).toBe(0);
    const dates = await f.rows<{ d: string }>(
      `SELECT DISTINCT to_char(stat_date, 'YYYY-MM-DD') AS d FROM youtube_video_daily_stats`,
    );
    expect(dates).toEqual([{ d: '2025-08-11' }]);
  });

  it('names the run when a replay finds nothing stored', async () => {
    await expect(f.run({ replay_run: 'no-such-run' })).rejects.toThrow(
      /payload\.replay_run: no stored CSV of run no-such-run/,
    );
  });

  it('resolves an @handle once and keeps it, spending no call on it the next time', async () => {
    const a = addChannel('alpha', 1, '@AlphaTV');
    await f.run({}, { jobSettings: { channels: ['@AlphaTV'] } });
    const firstCalls = f.youtube.calls['channels.list'];
    f.youtube.resetCounts();

    await f.run({}, { jobSettings: { channels: ['@alphatv'] } });

    expect(firstCalls).toBe(2);
    expect(f.youtube.calls['channels.list']).toBe(1);
    expect(await f.rows('SELECT handle, channel_id FROM youtube_channel_handles')).toEqual([
      { handle: '@alphatv', channel_id: a },
    ]);
  });

  it('syncs the channels of the payload instead of the settings', async () => {
    addChannel('alpha', 1);
    const b = addChannel('bravo', 1);

    await f.run({ channels: [b] }, { jobSettings: { channels: [channelId('alpha')] } });

    expect(await f.rows('SELECT channel_id FROM youtube_channels')).toEqual([{ channel_id: b }]);
  });
});
