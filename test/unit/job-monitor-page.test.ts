import { buildJobViews, countJobs } from '../../lambdas/job-monitor/job-views';
import type { Expectation } from '../../lambdas/shared/expectation-store';
import type { LatestStatus } from '../../lambdas/shared/job-status-store';

const latest = (jobKey: string, fields: Partial<LatestStatus> = {}): LatestStatus => ({
  id: `id-${jobKey}`,
  jobKey,
  title: `Title ${jobKey}`,
  toolId: null,
  lastStatus: 'success',
  lastFinishedAt: '2025-08-11T03:00:00.000Z',
  lastMessage: null,
  lastRunId: 'r',
  late: false,
  createdAt: '2025-08-01T00:00:00.000Z',
  updatedAt: '2025-08-11T03:00:01.000Z',
  ...fields,
});

const expectation = (jobKey: string, fields: Partial<Expectation> = {}): Expectation => ({
  jobKey,
  crons: ['0 9 * * *'],
  timezone: 'Asia/Tokyo',
  graceMinutes: 10,
  source: 'api',
  createdAt: '2025-08-01T00:00:00.000Z',
  updatedAt: '2025-08-01T00:00:00.000Z',
  ...fields,
});

describe('job views', () => {
  it('orders errors, then late, then by last report, never-reported last in their group', () => {
    const views = buildJobViews(
      [
        latest('ok-old', { lastFinishedAt: '2025-08-11T01:00:00.000Z' }),
        latest('late', {
          late: true,
          lateSince: '2025-08-11T02:10:00.000Z',
          lastFinishedAt: '2025-08-10T00:00:00.000Z',
        }),
        latest('error-old', { lastStatus: 'error', lastFinishedAt: '2025-08-09T00:00:00.000Z' }),
        latest('ok-new', { lastFinishedAt: '2025-08-11T05:00:00.000Z' }),
        latest('error-new', { lastStatus: 'error', lastFinishedAt: '2025-08-11T04:00:00.000Z' }),
      ],
      [expectation('never-late', { lateSince: '2025-08-11T00:10:00.000Z' }), expectation('waiting')],
    );

    expect(views.map((view) => view.job_key)).toEqual([
      'error-new',
      'error-old',
      'late',
      'never-late',
      'ok-new',
      'ok-old',
      'waiting',
    ]);
    // A late job keeps its last status: it counts as success and as late.
    expect(countJobs(views)).toEqual({ total: 7, success: 3, error: 2, late: 2, never_reported: 2 });
  });
});
