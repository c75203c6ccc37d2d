import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { applyMigrations, MIGRATIONS_TABLE } from '../../lambdas/db-migrate/migrate';
import { createTestDatabase } from '../support/services';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const tablesOf = (client: pg.Client) =>
  client
    .query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    )
    .then((result) => result.rows.map((row) => row.table_name));

describe('database migrations', () => {
  it('create every project table in an empty database, and find nothing to do the second time', async () => {
    const url = await createTestDatabase('migrate-empty');
    await withClient(url, async (client) => {
      const first = await applyMigrations(client);
      const second = await applyMigrations(client);

      expect(first).toEqual(['0001_ftp-export-watermarks', '0002_youtube-sync']);
      expect(second).toEqual([]);
      expect(await tablesOf(client)).toEqual(
        [
          MIGRATIONS_TABLE,
          'nightshift_export_watermarks',
          'youtube_channel_handles',
          'youtube_channels',
          'youtube_video_daily_stats',
          'youtube_videos',
        ].sort(),
      );
    });
  });

  it('adopt a watermark table an older ftp-export created at run time, keeping its rows', async () => {
    const url = await createTestDatabase('migrate-adopt');
    await withClient(url, async (client) => {
      await client.query(`CREATE TABLE nightshift_export_watermarks (
        recipient text NOT NULL, slot timestamptz NOT NULL, lower_bound text, upper_bound text,
        file_name text NOT NULL, rows bigint NOT NULL, bytes bigint NOT NULL,
        exported_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (recipient, slot))`);
      await client.query(
        `INSERT INTO nightshift_export_watermarks VALUES ('acme', now(), NULL, '10', 'a.csv', 10, 100, now())`,
      );

      await applyMigrations(client);

      const { rows } = await client.query('SELECT recipient FROM nightshift_export_watermarks');
      expect(rows).toEqual([{ recipient: 'acme' }]);
    });
  });

  it('are applied by `npm run migrate` against DATABASE_URL', async () => {
    const url = await createTestDatabase('migrate-cli');

    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'migrate'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url },
    });

    expect(stdout).toContain('applied: 0001_ftp-export-watermarks, 0002_youtube-sync');
    expect(await withClient(url, tablesOf)).toContain('youtube_videos');
  });
});
