import type { JobSpec } from '../../lib/job-spec';

/** Test-only registry entries: one VPC job with database and FTP secrets, one outside the VPC. */
export const TEST_JOBS: readonly JobSpec[] = [
  {
    id: 'sample-job',
    title: 'Sample job (tests only)',
    entry: 'test/fixtures/sample-job/handler.ts',
    schedules: [
      { name: 'morning', cron: '0 9 * * *' },
      { name: 'weekly', cron: '30 2 * * 1', payload: { rows: 10 } },
    ],
    memoryMb: 256,
    timeoutSeconds: 120,
    inVpc: true,
    secrets: ['database', 'ftp'],
    database: { tables: { sample_rows: ['SELECT', 'INSERT'] } },
    analyticsBucket: 'read-write',
    defaultPayload: { rows: 3 },
  },
  {
    id: 'sample-outside',
    title: 'Sample job outside the VPC (tests only)',
    entry: 'test/fixtures/sample-job/handler.ts',
    schedules: [{ name: 'quarter-hourly', cron: '*/15 * * * *' }],
    memoryMb: 128,
    timeoutSeconds: 30,
    inVpc: false,
    defaultPayload: {},
    alarms: { errors: 2, durationShareOfTimeout: 0.5 },
  },
];
