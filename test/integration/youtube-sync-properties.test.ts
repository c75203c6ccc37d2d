import fc from 'fast-check';
import pg from 'pg';
import { applyMigrations } from '../../lambdas/db-migrate/migrate';
import { type CsvRow, channelCsv, videoRow } from '../../lambdas/youtube-sync/channel-csv';
import { loadChannelCsv } from '../../lambdas/youtube-sync/load-channel';
import { createTestDatabase } from '../support/services';
import { videoAnswer } from '../support/youtube-item-arbitraries';

/**
 * The row builder's promise checked against PostgreSQL itself: whatever a channel's videos.list answer
 * holds, its CSV loads (never a failed channel), with one video and one snapshot per row built and the
 * texts stored as built. Fixed seed; fewer runs than the unit twin, each is a real COPY and upsert.
 */

const RUNS = { seed: 20_260_118, numRuns: 40 };
const fetchedAt = new Date('2025-08-11T03:00:00Z');

describe('youtube-sync row builder against PostgreSQL', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: await createTestDatabase('yt-properties') });
    await db.connect();
    await applyMigrations(db);
  });
  afterAll(() => db.end());

  it("loads every channel's answer, whatever its items hold", async () => {
    let channel = 0;
    await fc.assert(
      fc.asyncProperty(videoAnswer, async ({ videos, listedIds }) => {
        channel += 1;
        const channelId = `UCprop${channel}`;
        // Ids are made unique per channel so runs do not update each other's rows.
        const prefix = (id: unknown) => (typeof id === 'string' ? `${channel}x${id}`.slice(0, 64) : id);
        const items = videos.map((video) =>
          typeof video === 'object' && video !== null && !Array.isArray(video)
            ? { ...video, id: prefix((video as { id?: unknown }).id) }
            : video,
        );
        const built = channelCsv(
          {
            channel: { id: channelId },
            videos: items as never[],
            listedIds: listedIds.map(prefix) as string[],
            unusableEntries: 0,
          },
          fetchedAt,
        );

        const counts = await loadChannelCsv(db, built.csv, 'run-properties');

        expect(counts).toEqual({ channels: 1, videos: built.videoRows, snapshots: built.videoRows });
        const expected = new Map<string, CsvRow>();
        for (const item of items) {
          const result = videoRow(item, channelId, fetchedAt);
          if ('row' in result && !expected.has(result.row.id as string))
            expected.set(result.row.id as string, result.row);
        }
        const { rows } = await db.query<{
          video_id: string;
          title: string;
          view_count: string | null;
          published_at: string | null;
        }>(
          `SELECT video_id, title, view_count, to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS published_at
           FROM youtube_videos WHERE channel_id = $1`,
          [channelId],
        );
        expect(rows).toHaveLength(built.videoRows);
        for (const row of rows) {
          const sent = expected.get(row.video_id);
          expect(row).toEqual({
            video_id: sent?.id,
            title: sent?.title,
            view_count: sent?.view_count,
            // Compared as instants: the row may carry the API's form or a UTC rewrite of it.
            published_at: sent?.published_at ? new Date(sent.published_at).toISOString() : null,
          });
        }
      }),
      RUNS,
    );
  });
});
