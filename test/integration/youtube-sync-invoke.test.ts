import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { fileRawCsvStore } from '../../lambdas/youtube-sync/raw-store';
import { channelId, FakeYoutube, makeVideos } from '../support/fake-youtube';
import { createTestDatabase } from '../support/services';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('npm run invoke -- youtube-sync', () => {
  let fake: FakeYoutube;
  let rawDir: string;
  beforeAll(async () => {
    fake = new FakeYoutube();
    fake.channels.push({ id: channelId('invoke'), title: 'ローカル 🎬', videos: makeVideos('inv', 7) });
    await fake.listen();
    rawDir = await mkdtemp(path.join(os.tmpdir(), 'youtube-raw-'));
  });
  afterAll(async () => {
    await fake.close();
    await rm(rawDir, { recursive: true, force: true });
  });

  it('migrates an empty database, then syncs from the API base and channels in the environment', async () => {
    const databaseUrl = await createTestDatabase('youtube-invoke');
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      YOUTUBE_API_KEY: fake.apiKey,
      YOUTUBE_API_BASE_URL: fake.url,
      YOUTUBE_CHANNELS: channelId('invoke'),
      YOUTUBE_RAW_DIR: rawDir,
      ANALYTICS_BUCKET: '',
      JOB_STATUS_TABLE: '',
    };

    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'invoke', '--', 'youtube-sync', '{}'], {
      cwd: REPO_ROOT,
      env,
    });

    const outcome = JSON.parse(stdout);
    expect(outcome).toMatchObject({ jobId: 'youtube-sync', status: 'success', counts: { videos: 7, quotaUnits: 3 } });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT title FROM youtube_channels');
    await client.end();
    expect(rows).toEqual([{ title: 'ローカル 🎬' }]);
    expect(await fileRawCsvStore(rawDir).list('raw/youtube/')).toEqual([
      expect.stringMatching(
        new RegExp(`^raw/youtube/dt=\\d{4}-\\d{2}-\\d{2}/run=${outcome.runId}/${channelId('invoke')}\\.csv\\.gz$`),
      ),
    ]);
  });
});
