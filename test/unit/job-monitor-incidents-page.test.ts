import { formatAgo, formatDuration, formatJst } from '../../lambdas/job-monitor/html-format';
import { renderIncidentsPage, renderJobRow } from '../../lambdas/job-monitor/incidents-page';
import { fitToBudget, PAGE_BUDGET_BYTES, selectPage } from '../../lambdas/job-monitor/job-pages';
import { buildJobViews, countJobs, type JobView, type RunView } from '../../lambdas/job-monitor/job-views';
import { PAGE_CONTENT_SECURITY_POLICY, REFRESH_SCRIPT } from '../../lambdas/job-monitor/page-shell';
import type { LatestStatus } from '../../lambdas/shared/job-status-store';
import { FIXTURE_NOW, jobsInEveryState, jobView, ticks } from '../support/job-view-fixtures';

const now = FIXTURE_NOW;
const page = (jobs: JobView[], history = new Map<string, RunView[]>()) =>
  renderIncidentsPage({ jobs, counts: countJobs(jobs), history, now });
/** The markup of one job's row. */
const rowOf = (html: string, jobKey: string) => {
  const start = html.indexOf(`data-job-key="${jobKey}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('data-job-key="', start + 1) >>> 0 || undefined);
};

describe('/incidents rows', () => {
  it('draws one tick per run of the last 24 hours and of the last 7 days, coloured by outcome', () => {
    // Every 6 hours for 10 runs: 4 within 24 hours (6, 12, 18, 24 h ago), all 10 within 7 days.
    const job = jobView('every-6h', {
      recent_runs: ticks(10, { everyMinutes: 360, outcomes: ['error', 'success', 'hung', 'skipped', 'running'] }),
    });
    const row = renderJobRow(job, undefined, now);
    const [day, week] = row.split('<svg class="timeline"').slice(1);

    expect(day.match(/class="tick /g)).toHaveLength(4);
    expect(week.match(/class="tick /g)).toHaveLength(10);
    expect([...day.matchAll(/class="tick o-([a-z]+)"/g)].map((match) => match[1])).toEqual([
      'error',
      'success',
      'hung',
      'skipped',
    ]);
  });

  it('titles each tick with its JST time, outcome, duration and message', () => {
    const [run] = ticks(1, { outcomes: ['error'], durationMs: 4200, message: 'FTP 530 <login>' });
    const row = renderJobRow(jobView('one', { recent_runs: [run] }), undefined, now);

    // Started 05:00 UTC = 14:00 JST; 4,200 ms; the message escaped.
    expect(row).toContain('<title>08/11 14:00 JST · エラー · 4.2秒 · FTP 530 &lt;login&gt;</title>');
  });

  it('shows the failure streak, the 7-day success rate, the last duration with a sparkline and the next run', () => {
    const row = rowOf(page(jobsInEveryState()), 'csv-export');

    expect(row).toContain('3回連続');
    expect(row).toContain('3時間前から');
    expect(row).toContain('>90%<');
    expect(row).toContain(`>${formatDuration(41_000)}<`);
    expect(row).toMatch(/<svg class="sparkline"[^>]*>.*<rect class="o-error"/);
    expect(row).toContain('08/11 16:00');
    expect(row).toContain('1時間後');
  });

  it('greys a muted job and says why and until when', () => {
    const row = rowOf(page(jobsInEveryState()), 'muted-job');

    expect(row).toMatch(/^data-job-key="muted-job" data-health="error"/);
    expect(page(jobsInEveryState())).toContain('class="row job h-error muted" data-job-key="muted-job"');
    expect(row).toContain('ミュート中');
    expect(row).toContain('FTP サーバー移行中 (08/12 09:00 JST まで)');
  });

  it('shows a hung job as 実行超過 and a job that never ran as 未実行 with its next run', () => {
    const html = page(jobsInEveryState());

    expect(rowOf(html, 'stuck-sync')).toContain('<span class="pill p-hung">実行超過</span>');
    expect(rowOf(html, 'stuck-sync')).toContain('08/11 14:10 JST 開始');
    expect(rowOf(html, 'never-ran')).toContain('<span class="pill p-not_yet_run">未実行</span>');
    expect(rowOf(html, 'never-ran')).toContain('未実行: 次回 08/11 15:15 JST');
  });

  it('shows a job whose first run is running, with no finished run yet, as 実行中 from its start', () => {
    const running = { run_id: 'first', started_at: '2025-08-11T05:40:00.000Z', slot: null };
    const job = jobView('first-run', { status: null, finished_at: null, message: null, health: 'running', running });

    const row = renderJobRow(job, undefined, now);

    expect(row).toContain('<span class="pill p-running">実行中</span>');
    expect(row).toContain('初回の実行中: 08/11 14:40 JST 開始 (20分前) · 完了した実行はまだありません');
  });

  it('puts errors, hung and late jobs under 要対応 and the rest after', () => {
    const html = page(jobsInEveryState());
    const attention = html.slice(html.indexOf('id="attention"'), html.indexOf('id="others"'));

    expect([...attention.matchAll(/data-job-key="([^"]+)"/g)].map((match) => match[1])).toEqual([
      'csv-export',
      'stuck-sync',
      'slow-report',
      'muted-job',
    ]);
  });

  it('links each job to its page and names registry jobs by their Japanese display title', () => {
    const registry = jobView('ftp-export', {
      title: 'Visitor counts: PostgreSQL → CSV → FTPS every 15 minutes',
      expectation: {
        crons: ['*/15 * * * *'],
        every_minutes: null,
        timezone: 'Asia/Tokyo',
        grace_minutes: 10,
        title: '来場者数 FTPS 出力',
        source: 'registry',
        created_at: '2025-08-01T00:00:00.000Z',
        problem: null,
      },
    });
    const row = renderJobRow(registry, undefined, now);

    expect(row).toContain('<a href="/incidents/jobs/ftp-export">来場者数 FTPS 出力</a>');
    expect(row).not.toContain('Visitor counts');
    expect(renderJobRow(jobView('team/nightly'), undefined, now)).toContain('href="/incidents/jobs/team%2Fnightly"');
  });

  it('draws ticks from the run history for views that carry no recent runs yet', () => {
    const [built] = buildJobViews([latestRow('plain')], [], now);
    const latest: JobView = { ...built, recent_runs: undefined };
    const history: RunView[] = [
      {
        run_id: 'a',
        title: 't',
        status: 'error',
        finished_at: '2025-08-11T05:00:00.000Z',
        started_at: null,
        duration_ms: 1500,
        message: 'boom',
        tool_id: null,
        source: 'report',
        received_at: '2025-08-11T05:00:00.000Z',
      },
    ];
    const row = renderJobRow(latest, history, now);

    expect(row).toContain('<rect class="tick o-error"');
    expect(row).toContain('08/11 14:00 JST · エラー · 1.5秒 · boom');
  });

  it('escapes what reporters sent', () => {
    const html = page([jobView('x', { status: 'error', health: 'error', message: '<b>boom</b> & "quotes"' })]);

    expect(html).toContain('&lt;b&gt;boom&lt;/b&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<b>boom');
  });
});

describe('/incidents page', () => {
  it('fits 50 jobs with 30 runs each and 4,000-character messages within the 1 MB page budget, cutting the page short beyond', () => {
    const long = 'エラー詳細 '.repeat(700).slice(0, 4000);
    const jobs = Array.from({ length: 50 }, (_, index) =>
      jobView(`job-${String(index).padStart(2, '0')}`, {
        status: 'error',
        health: 'error',
        message: long,
        recent_runs: ticks(30, { outcomes: ['error', 'success'], message: long }),
      }),
    );
    const selected = selectPage(jobs, undefined, 50);
    const fitted = fitToBudget(selected, jobs, (job) => Buffer.byteLength(renderJobRow(job, undefined, now)));
    const html = renderIncidentsPage({ jobs: fitted.jobs, counts: countJobs(jobs), history: new Map(), now });

    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES + 20_000); // the shell and the header
    expect(fitted.jobs.length).toBeGreaterThan(15);
  });

  it('shows the error count badge and the filter chips with their counts', () => {
    const jobs = jobsInEveryState();
    const html = renderIncidentsPage({
      jobs,
      counts: countJobs(jobs),
      history: new Map(),
      now,
      statusCounts: { error: 2, muted: 1 },
      tags: ['ftp'],
    });

    expect(html).toContain('<span class="badge" id="error-badge" aria-label="エラー 2件">2</span>');
    expect(html).toContain('<a class="chip" href="/incidents?status=error">エラー 2</a>');
    expect(html).toContain('<a class="chip" href="/incidents?status=muted">ミュート中 1</a>');
    expect(html).toContain('<a class="chip" href="/incidents?tag=ftp">#ftp</a>');
    expect(html).toMatch(/<form method="get" action="\/incidents" role="search">.*<input type="search" name="q"/);
  });

  it('keeps the filter in the chips, the search form and the next-page link', () => {
    const jobs = [jobView('a')];
    const html = renderIncidentsPage({
      jobs,
      counts: countJobs(jobs),
      history: new Map(),
      now,
      filter: { status: 'error', q: 'csv' },
      nextPage: '/incidents?status=error&q=csv&cursor=x',
    });

    expect(html).toContain('<a class="chip on" href="/incidents?q=csv">エラー</a>');
    expect(html).toContain('<input type="hidden" name="status" value="error">');
    expect(html).toContain('value="csv"');
    expect(html).toContain('href="/incidents?status=error&amp;q=csv&amp;cursor=x"');
  });

  it('refreshes in place with a script the policy allows by its hash, and falls back to a meta refresh without script', async () => {
    const html = page([jobView('a')]);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(REFRESH_SCRIPT).digest('base64');

    expect(html).toContain(`<script>${REFRESH_SCRIPT}</script>`);
    expect(PAGE_CONTENT_SECURITY_POLICY).toContain(`script-src 'sha256-${hash}'`);
    expect(PAGE_CONTENT_SECURITY_POLICY).toContain("form-action 'self'");
    // A meta refresh reloads and jumps to the top: only for browsers without script.
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="60"><\/noscript>/);
    expect(html.replace(/<noscript>.*?<\/noscript>/s, '')).not.toContain('http-equiv="refresh"');
    expect(html).not.toMatch(/<(link|img)\b|src="http/);
  });
});

describe('page text', () => {
  it('formats a UTC instant as JST, the time since and durations in Japanese', () => {
    expect(formatJst('2025-08-10T15:30:00Z')).toBe('2025-08-11 00:30:00 JST');
    expect(formatAgo('2025-08-11T05:58:30Z', now)).toBe('1分前');
    expect(formatAgo('2025-08-08T06:00:00Z', now)).toBe('3日前');
    expect([850, 4200, 61_000, 3_725_000].map(formatDuration)).toEqual(['850ms', '4.2秒', '1分01秒', '1時間02分']);
  });
});

function latestRow(jobKey: string): LatestStatus {
  return {
    id: `id-${jobKey}`,
    jobKey,
    title: jobKey,
    toolId: null,
    lastStatus: 'error',
    lastFinishedAt: '2025-08-11T05:00:00.000Z',
    lastMessage: 'boom',
    lastRunId: 'r',
    late: false,
    createdAt: '2025-08-01T00:00:00.000Z',
    updatedAt: '2025-08-11T05:00:01.000Z',
  };
}
