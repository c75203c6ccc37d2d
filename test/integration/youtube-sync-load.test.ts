import pg from 'pg';
import { applyMigrations } from '../../lambdas/db-migrate/migrate';
import { CSV_COLUMNS, channelCsv } from '../../lambdas/youtube-sync/channel-csv';
import { loadChannelCsv } from '../../lambdas/youtube-sync/load-channel';
import { createTestDatabase } from '../support/services';

const fetchedAt = new Date('2025-08-11T03:00:00Z');

function csvOf(channelId: string, videoIds: string[]): Buffer {
  const videos = videoIds.map((id) => ({ id, snippet: { title: `t ${id}` }, statistics: { viewCount: '5' } }));
  const channel = { id: channelId, snippet: { title: channelId } };
  return channelCsv({ channel, videos, listedIds: videoIds, unusableEntries: 0 }, fetchedAt).csv;
}

describe('youtube-sync load of one channel CSV', () => {
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: await createTestDatabase('yt-load') });
    await db.connect();
    await applyMigrations(db);
  });
  afterAll(() => db.end());

  const count = async (table: string, channelId: string) =>
    Number((await db.query(`SELECT count(*) FROM ${table} WHERE channel_id = $1`, [channelId])).rows[0].count);

  it('writes nothing of a channel whose upsert fails, and loads the next one on the same connection cleanly', async () => {
    expect(await loadChannelCsv(db, csvOf('UCgood1', ['va1', 'va2']), 'run-1')).toEqual({
      channels: 1,
      videos: 2,
      snapshots: 2,
    });
    // An unquoted empty title is NULL: the video upsert fails after the channel row was written.
    const bad = Buffer.concat([
      csvOf('UCbad', ['vb1']),
      Buffer.from(`"video","vb2","UCbad",,,,,,,,,,,,"${fetchedAt.toISOString()}"\n`),
    ]);
    expect(bad.toString().split('\n')[0].split(',')).toHaveLength(CSV_COLUMNS.length);
    await expect(loadChannelCsv(db, bad, 'run-1')).rejects.toThrow(/title/);
    expect(await count('youtube_channels', 'UCbad')).toBe(0);
    expect(await count('youtube_videos', 'UCbad')).toBe(0);

    // Nothing of the failed load is left in the staging table to be upserted with the next channel.
    expect(await loadChannelCsv(db, csvOf('UCgood2', ['vc1']), 'run-1')).toEqual({
      channels: 1,
      videos: 1,
      snapshots: 1,
    });
    expect(Number((await db.query('SELECT count(*) FROM youtube_video_daily_stats')).rows[0].count)).toBe(3);
  });

  it('stores a run id holding quotes and backslashes exactly', async () => {
    const runId = `it's a \\ run`;
    await loadChannelCsv(db, csvOf('UCquoted', ['vq1']), runId);
    const { rows } = await db.query('SELECT run_id FROM youtube_videos WHERE video_id = $1', ['vq1']);
    expect(rows).toEqual([{ run_id: runId }]);
  });
});
