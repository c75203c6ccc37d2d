import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { JobStatusStore } from '../lambdas/shared/job-status-store';

/**
 * Demo data for local mode, created once: visitor counts (what ftp-export sends) and a
 * few reports from outside jobs (what the TC Portal's Python reporters send), so every page has content.
 */
export async function seedVisitorCounts(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS visitor_counts (
      id bigserial PRIMARY KEY,
      store_id text NOT NULL,
      store_name text NOT NULL,
      counted_at timestamptz NOT NULL,
      visitors integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM visitor_counts');
    if (Number(rows[0].count) > 0) return Number(rows[0].count);
    // Three stores, every 15 minutes of the last two days.
    const inserted = await client.query(`INSERT INTO visitor_counts (store_id, store_name, counted_at, visitors)
      SELECT s.id, s.name, slot, (random() * 40)::int
      FROM (VALUES ('S001', '渋谷店'), ('S002', '梅田店'), ('S003', '博多店, 駅前')) AS s(id, name),
           generate_series(date_trunc('hour', now()) - interval '2 days', now(), interval '15 minutes') AS slot`);
    return inserted.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** The outside job the documented API examples name (lambdas/shared/http/monitor-route-docs.ts). */
export const DEMO_REPORTED_JOB = 'minpaku-in-report';

export async function seedOutsideJobReports(client: DynamoDBClient, tableName: string): Promise<void> {
  const store = new JobStatusStore(DynamoDBDocumentClient.from(client), tableName);
  // Put back when missing (also into an older .local/), so the documented GET of it answers.
  if (!(await store.expectations.get(DEMO_REPORTED_JOB))) {
    await store.expectations.put({
      jobKey: DEMO_REPORTED_JOB,
      title: 'minpaku-IN レポート作成',
      crons: [],
      everyMinutes: 1440,
      timezone: 'Asia/Tokyo',
      graceMinutes: 60,
      source: 'api',
    });
  }
  // Seeded once: the demo job has a finished run (a row holding only a start, from a job-start, does not count).
  if ((await store.getLatest(DEMO_REPORTED_JOB))?.lastFinishedAt !== undefined) return;
  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
  const reports = [
    { jobKey: 'minpaku-in-report', title: 'minpaku-IN レポート作成', status: 'success', finishedAt: hoursAgo(26) },
    { jobKey: 'minpaku-in-report', title: 'minpaku-IN レポート作成', status: 'success', finishedAt: hoursAgo(2) },
    {
      jobKey: 'sales-import',
      title: '売上データ取込',
      status: 'error',
      finishedAt: hoursAgo(1),
      message: 'FileNotFoundError: sales_20250811.xlsx',
    },
    // A retired job whose last report failed: what DELETE /api/monitor/jobs/{job_key} (ops forget) is for.
    {
      jobKey: 'legacy-export',
      title: '旧エクスポート (廃止済み)',
      status: 'error',
      finishedAt: hoursAgo(24 * 35),
      message: 'ConnectionRefusedError: the old FTP server was shut down',
    },
  ] as const;
  for (const report of reports) await store.recordRun({ ...report, source: 'report' });
}
