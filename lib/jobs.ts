/**
 * THE job registry: one entry per scheduled job. The jobs stack, the alarms, the dashboard,
 * local mode (`npm start`) and `npm run invoke` all read this list; nothing else names a
 * schedule or a function. Adding a job = one entry here + one folder under lambdas/.
 */
import { type JobSpec, validateRegistry } from './job-spec';

/**
 * The tables ftp-export reads, from its settings as lambdas/ftp-export/settings.ts resolves them: each
 * recipient's `table`, else `defaults.table`, else visitor_counts. Its own role may read these and no other.
 */
export function ftpExportSourceTables(settings: Readonly<Record<string, unknown>>): string[] {
  const tableOf = (entry: unknown) =>
    typeof entry === 'object' && entry !== null && typeof (entry as { table?: unknown }).table === 'string'
      ? (entry as { table: string }).table
      : undefined;
  const fallback = tableOf(settings.defaults) ?? 'visitor_counts';
  const recipients = Array.isArray(settings.recipients) ? settings.recipients : [];
  const tables = recipients.length > 0 ? recipients.map((recipient) => tableOf(recipient) ?? fallback) : [fallback];
  return [...new Set(tables)];
}

export const JOBS: readonly JobSpec[] = [
  {
    id: 'job-watchdog',
    title: 'Watchdog: marks jobs that missed their schedule as late',
    displayTitle: '監視: 予定どおり報告しないジョブを遅延にする',
    entry: 'lambdas/job-watchdog/handler.ts',
    schedules: [{ name: 'every-5-minutes', cron: '*/5 * * * *' }],
    memoryMb: 256,
    timeoutSeconds: 60,
    inVpc: false,
    jobStatusTable: 'read-write',
    watchesRegistry: true,
    defaultPayload: {},
  },
  {
    id: 'ftp-export',
    title: 'Visitor counts: PostgreSQL → CSV → FTPS every 15 minutes',
    displayTitle: '来場者数: PostgreSQL → CSV → FTPS (15分ごと)',
    entry: 'lambdas/ftp-export/handler.ts',
    schedules: [{ name: 'every-15-minutes', cron: '*/15 * * * *' }],
    memoryMb: 512,
    timeoutSeconds: 300,
    inVpc: true,
    secrets: ['database', 'ftp'],
    database: {
      // Upserted after each verified upload; read for the next range.
      tables: { nightshift_export_watermarks: ['SELECT', 'INSERT', 'UPDATE'] },
      settingsTables: ftpExportSourceTables,
    },
    scheduledTimeInPayload: true,
    defaultPayload: {},
    backfill: { field: 'slot', unit: 'slot' },
  },
  {
    id: 'youtube-sync',
    title: 'YouTube channels and videos: Data API → CSV → PostgreSQL',
    displayTitle: 'YouTube チャンネルと動画: Data API → CSV → PostgreSQL',
    entry: 'lambdas/youtube-sync/handler.ts',
    schedules: [
      { name: 'midnight', cron: '0 0 * * *' },
      { name: 'noon', cron: '0 12 * * *' },
      { name: 'evening', cron: '0 18 * * *' },
    ],
    memoryMb: 512,
    timeoutSeconds: 900,
    inVpc: true,
    secrets: ['database', 'youtube'],
    database: {
      // Upserts only; the per-connection staging table is a temporary one.
      tables: {
        youtube_channels: ['SELECT', 'INSERT', 'UPDATE'],
        youtube_channel_handles: ['SELECT', 'INSERT', 'UPDATE'],
        youtube_videos: ['SELECT', 'INSERT', 'UPDATE'],
        youtube_video_daily_stats: ['SELECT', 'INSERT', 'UPDATE'],
      },
      temporaryTables: true,
    },
    analyticsBucket: 'read-write',
    // Its raw CSVs (lambdas/youtube-sync/raw-store.ts); the rest of the bucket belongs to other jobs.
    analyticsPrefix: 'raw/youtube',
    defaultPayload: {},
    alarms: { durationSeconds: 600 },
  },
  {
    id: 'daily-parquet',
    title: "Daily messages → Parquet on S3 (yesterday's, per tenant)",
    displayTitle: 'メッセージ日次 Parquet 出力 (前日分、テナントごと、S3)',
    entry: 'lambdas/daily-parquet/handler.ts',
    schedules: [{ name: 'daily-0200', cron: '0 2 * * *' }],
    // From bench/daily-parquet.ts (docs/daily-parquet.md): ~250 MB for 1M messages; 2048 MB buys a full vCPU for the encoding.
    memoryMb: 2048,
    timeoutSeconds: 900,
    inVpc: false,
    analyticsBucket: 'read-write',
    analyticsPrefix: 'analytics',
    messagesTable: 'query',
    scheduledTimeInPayload: true,
    defaultPayload: {},
    backfill: { field: 'target_date', unit: 'date' },
  },
];

validateRegistry(JOBS);

export function findJob(jobId: string, jobs: readonly JobSpec[] = JOBS): JobSpec | undefined {
  return jobs.find((job) => job.id === jobId);
}
