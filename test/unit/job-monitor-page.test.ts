import { formatAgo, formatJst, renderIncidentsPage } from '../../lambdas/job-monitor/incidents-page';
import { buildJobViews, countJobs, type RunView } from '../../lambdas/job-monitor/job-views';
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

describe('incidents page', () => {
  const now = new Date('2025-08-11T06:00:00.000Z');
  const run = (status: 'success' | 'error', finishedAt: string, message: string | null): RunView => ({
    run_id: finishedAt,
    title: 't',
    status,
    finished_at: finishedAt,
    started_at: null,
    duration_ms: null,
    message,
    tool_id: null,
    source: 'report',
    received_at: finishedAt,
  });

  function render() {
    const jobs = buildJobViews(
      [latest('broken', { lastStatus: 'error', lastMessage: '<b>boom</b> & "quotes"' }), latest('fine')],
      [],
    );
    const history = new Map([
      ['broken', [run('error', '2025-08-11T03:00:00.000Z', 'boom'), run('success', '2025-08-10T03:00:00.000Z', null)]],
    ]);
    return renderIncidentsPage({ jobs, counts: countJobs(jobs), history, now });
  }

  it('escapes what reporters sent', () => {
    expect(render()).toContain('&lt;b&gt;boom&lt;/b&gt; &amp; &quot;quotes&quot;');
  });

  it('shows the error count badge', () => {
    expect(render()).toContain('<span class="badge" id="error-badge" aria-label="エラー 1件">1</span>');
  });

  it('shows times in JST with how long ago', () => {
    expect(render()).toContain('2025-08-11 12:00:00 JST</time> <span class="ago">(3時間前)</span>');
  });

  it('lists the recent runs of a job', () => {
    expect(render()).toMatch(/<ol class="history"><li class="run run-error">.*<li class="run run-success">/);
  });

  it('formats a UTC instant as JST and the time since in Japanese', () => {
    expect(formatJst('2025-08-10T15:30:00Z')).toBe('2025-08-11 00:30:00 JST');
    expect(formatAgo('2025-08-11T05:58:30Z', now)).toBe('1分前');
    expect(formatAgo('2025-08-08T06:00:00Z', now)).toBe('3日前');
  });
});
