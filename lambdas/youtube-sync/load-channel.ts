import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CSV_COLUMNS } from './channel-csv';

/**
 * Loads one channel's CSV: COPY FROM STDIN into a temporary staging table, then upserts channels,
 * videos and the JST day's statistics snapshot, all in one transaction, so a failed load leaves the
 * channel as it was. Rows already holding a later fetch are kept (a replay of an older run changes nothing).
 */

export interface LoadCounts {
  channels: number;
  videos: number;
  snapshots: number;
}

const STAGING = 'youtube_sync_staging';

/**
 * One staging table per connection, created at its first load and emptied by DELETE in each load's
 * transaction: ON COMMIT DELETE ROWS or TRUNCATE cost file operations at every commit (measured slower).
 */
const CREATE_STAGING = `CREATE TEMPORARY TABLE IF NOT EXISTS ${STAGING} (
  record_type text, id text, channel_id text, title text, description text, custom_url text,
  published_at timestamptz, duration text, view_count bigint, like_count bigint, comment_count bigint,
  subscriber_count bigint, video_count bigint, uploads_playlist_id text, fetched_at timestamptz
)`;

const COPY_STAGING = `COPY ${STAGING} (${CSV_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`;

const upsertChannels = (run: string) => `INSERT INTO youtube_channels AS t (channel_id, title, description,
    custom_url, published_at, uploads_playlist_id, subscriber_count, view_count, video_count, fetched_at, run_id)
  SELECT id, title, description, custom_url, published_at, uploads_playlist_id, subscriber_count, view_count,
    video_count, fetched_at, ${run}
  FROM ${STAGING} WHERE record_type = 'channel'
  ON CONFLICT (channel_id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
    custom_url = EXCLUDED.custom_url, published_at = EXCLUDED.published_at,
    uploads_playlist_id = EXCLUDED.uploads_playlist_id, subscriber_count = EXCLUDED.subscriber_count,
    view_count = EXCLUDED.view_count, video_count = EXCLUDED.video_count, fetched_at = EXCLUDED.fetched_at,
    run_id = EXCLUDED.run_id, updated_at = now()
  WHERE t.fetched_at <= EXCLUDED.fetched_at`;

const upsertVideos = (run: string) => `INSERT INTO youtube_videos AS t (video_id, channel_id, title, description,
    published_at, duration, view_count, like_count, comment_count, fetched_at, run_id)
  SELECT id, channel_id, title, description, published_at, duration, view_count, like_count, comment_count,
    fetched_at, ${run}
  FROM ${STAGING} WHERE record_type = 'video'
  ON CONFLICT (video_id) DO UPDATE SET channel_id = EXCLUDED.channel_id, title = EXCLUDED.title,
    description = EXCLUDED.description, published_at = EXCLUDED.published_at, duration = EXCLUDED.duration,
    view_count = EXCLUDED.view_count, like_count = EXCLUDED.like_count, comment_count = EXCLUDED.comment_count,
    fetched_at = EXCLUDED.fetched_at, run_id = EXCLUDED.run_id, updated_at = now()
  WHERE t.fetched_at <= EXCLUDED.fetched_at`;

/** The snapshot's date is the JST date of the fetch, so the 12:00 and 18:00 runs update the day's row. */
const upsertSnapshots = (run: string) => `INSERT INTO youtube_video_daily_stats AS t (video_id, stat_date,
    view_count, like_count, comment_count, fetched_at, run_id)
  SELECT id, (fetched_at AT TIME ZONE 'Asia/Tokyo')::date, view_count, like_count, comment_count, fetched_at, ${run}
  FROM ${STAGING} WHERE record_type = 'video'
  ON CONFLICT (video_id, stat_date) DO UPDATE SET view_count = EXCLUDED.view_count,
    like_count = EXCLUDED.like_count, comment_count = EXCLUDED.comment_count, fetched_at = EXCLUDED.fetched_at,
    run_id = EXCLUDED.run_id
  WHERE t.fetched_at <= EXCLUDED.fetched_at`;

/** Connections whose staging table has been created (temporary tables live as long as the session). */
const staged = new WeakSet<pg.ClientBase>();

export async function loadChannelCsv(client: pg.ClientBase, csv: Buffer, runId: string): Promise<LoadCounts> {
  if (!staged.has(client)) {
    await client.query(CREATE_STAGING);
    staged.add(client);
  }
  // The upserts, the emptying of the staging table and the COMMIT go as one multi-statement query
  // (one round trip instead of five); a simple query takes no parameters, hence the escaped literal.
  const run = client.escapeLiteral(runId);
  await client.query('BEGIN');
  try {
    await pipeline(Readable.from([csv]), client.query(copyFrom(COPY_STAGING)));
    const results = (await client.query(
      [upsertChannels(run), upsertVideos(run), upsertSnapshots(run), `DELETE FROM ${STAGING}`, 'COMMIT'].join(';\n'),
    )) as unknown as pg.QueryResult[];
    const [channels, videos, snapshots] = results.map((result) => result.rowCount ?? 0);
    return { channels, videos, snapshots };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
