import { parseBuiltInJobs } from '../../lambdas/job-monitor/job-actions';
import { PAGE_CONTENT_SECURITY_POLICY } from '../../lambdas/job-monitor/page-shell';
import { builtInJobInfos } from '../../lib/built-in-jobs';
import { JOBS } from '../../lib/jobs';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** /incidents and the job pages through the real handler and store, as `npm start` serves them. */
describe('the status page and the job pages', () => {
  let api: MonitorFixture;
  const text = async (path: string) => {
    const response = await api.read(path);
    return { status: response.status, headers: response.headers, html: await response.text() };
  };

  beforeAll(async () => {
    api = await startMonitorFixture({
      now: new Date('2025-08-11T06:00:00Z'),
      page: {
        stage: 'prod',
        region: 'ap-northeast-1',
        runbookUrl: 'https://github.com/example/nightshift/blob/main/docs/runbook.md',
        builtInJobs: parseBuiltInJobs(JSON.stringify(builtInJobInfos(JOBS))),
      },
    });
    const report = (fields: Record<string, unknown>) => api.report(validReport(api, fields));
    // 55 hourly runs of csv-export (the job page shows 50 per page), the newest two failed.
    for (let hour = 55; hour >= 1; hour -= 1) {
      const finished = new Date(Date.parse('2025-08-11T06:00:00Z') - hour * 3_600_000 + 30_000).toISOString();
      await report({
        job_key: 'csv-export',
        title: 'CSV 出力',
        status: hour <= 2 ? 'error' : 'success',
        finished_at: finished,
        message: hour <= 2 ? `FTP 530 (${hour})` : `ok ${hour}`,
      });
    }
    await report({ job_key: 'nightly-ok', title: '夜間集計', finished_at: '2025-08-11T05:00:00Z', tags: ['billing'] });
    const muted = await fetch(`${api.url}/api/monitor/jobs/nightly-ok/mute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': api.writeSecret },
      body: JSON.stringify({ until: '2025-08-12T00:00:00Z', reason: 'サーバー移行中' }),
    });
    if (muted.status !== 200) throw new Error(`mute answered ${muted.status}: ${await muted.text()}`);
    await api.store.expectations.put({
      jobKey: 'ftp-export',
      crons: ['*/15 * * * *'],
      timezone: 'Asia/Tokyo',
      graceMinutes: 10,
      title: '来場者数 FTPS 出力',
      source: 'registry',
    });
    // A run with a start: it has a duration for the chart.
    const started = await fetch(`${api.url}/api/monitor/job-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tc-portal-webhook-secret': api.writeSecret },
      body: JSON.stringify({ job_key: 'ftp-export', started_at: '2025-08-11T05:44:00Z' }),
    });
    if (started.status !== 200) throw new Error(`job-start answered ${started.status}`);
    await report({
      job_key: 'ftp-export',
      title: 'Visitor counts: PostgreSQL → CSV → FTPS every 15 minutes',
      finished_at: '2025-08-11T05:45:00Z',
    });
  }, 120_000);

  afterAll(() => api?.close());

  it('serves /incidents with the policy that lets its refresh script run and nothing else load', async () => {
    const { status, headers, html } = await text('/incidents');

    expect(status).toBe(200);
    expect(headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(html).toContain('<script>');
  });

  it('draws a row per job with a tick per run of the last 24 hours, coloured by outcome', async () => {
    const { html } = await text('/incidents');
    const row = html.slice(
      html.indexOf('data-job-key="csv-export"'),
      html.indexOf('data-job-key="', html.indexOf('data-job-key="csv-export"') + 1),
    );
    const day = row.split('<svg class="timeline"')[1];

    expect(row).toContain('<a href="/incidents/jobs/csv-export">CSV 出力</a>');
    expect(day.match(/class="tick o-error"/g)).toHaveLength(2);
    expect(day.match(/class="tick o-success"/g)?.length).toBeGreaterThanOrEqual(20);
    expect(row).toContain('2回連続');
  });

  it('names a registry job by its expectation’s Japanese title', async () => {
    const { html } = await text('/incidents');

    expect(html).toContain('<a href="/incidents/jobs/ftp-export">来場者数 FTPS 出力</a>');
    expect(html).not.toContain('Visitor counts');
  });

  it('greys a muted job with its reason and end, and filters muted jobs and tags', async () => {
    const { html } = await text('/incidents');
    const muted = await text('/incidents?status=muted');
    const tagged = await text('/incidents?tag=billing');
    const keys = (page: string) => [...page.matchAll(/class="row job [^"]*" data-job-key="([^"]+)"/g)].map((m) => m[1]);

    expect(html).toMatch(/class="row job h-success muted" data-job-key="nightly-ok"/);
    expect(html).toContain('ミュート: サーバー移行中 (08/12 09:00 JST まで)');
    expect(html).toContain('<a class="chip" href="/incidents?status=muted">ミュート中 1</a>');
    expect(html).toContain('<a class="chip" href="/incidents?tag=billing">#billing</a>');
    expect(keys(muted.html)).toEqual(['nightly-ok']);
    expect(keys(tagged.html)).toEqual(['nightly-ok']);
  });

  it('filters by status and search, and refuses an unknown status naming the field', async () => {
    const errors = await text('/incidents?status=error');
    const search = await text('/incidents?q=%E5%A4%9C%E9%96%93&status='); // 夜間: matches no key, and the summaries carry no titles
    const byKey = await text('/incidents?q=nightly&status=');
    const blank = await text('/incidents?q=');
    const bad = await text('/incidents?status=broken');

    expect([...errors.html.matchAll(/class="row job [^"]*" data-job-key="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'csv-export',
    ]);
    expect(search.status).toBe(200);
    expect([...byKey.html.matchAll(/class="row job [^"]*" data-job-key="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'nightly-ok',
    ]);
    expect(blank.status).toBe(200);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('status must be one of error, late, hung, running, muted');
  });

  it('shows a job’s history paged, with each message, the duration chart and what to do', async () => {
    const first = await text('/incidents/jobs/csv-export');
    const older = /<a id="older-runs" href="\?(cursor=[^"]+)">/.exec(first.html);
    const second = await text(`/incidents/jobs/csv-export?${older?.[1].replace(/&amp;/g, '&')}`);

    expect(first.status).toBe(200);
    expect(first.headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(first.html.match(/<tr class="run"/g)).toHaveLength(50);
    expect(first.html).toContain('FTP 530 (1)');
    // Outside reports without a start have no duration.
    expect(first.html).toContain('所要時間の記録がある実行はまだありません');
    // An outside job: the monitor's own alarm sections, linked, and no command to run it.
    expect(first.html).toContain(
      'href="https://github.com/example/nightshift/blob/main/docs/runbook.md#job-reported-error"',
    );
    expect(second.status).toBe(200);
    expect(second.html.match(/<tr class="run"/g)).toHaveLength(5);
    expect(second.html).toContain('ok 55');
  });

  it('gives a built-in job its commands, its Logs Insights link and its timeout line', async () => {
    const { html } = await text('/incidents/jobs/ftp-export');

    expect(html).toContain('npm run ops -- rerun ftp-export &#39;{}&#39; --stage prod');
    expect(html).toContain('nightshift-prod-ftp-export --region ap-northeast-1');
    expect(html).toContain('id="logs-insights" href="https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home');
    expect(html).toContain('#ftp-export-errors');
    // The run started at 05:44 and reported at 05:45; the line is the registry's 300 s timeout.
    expect(html).toMatch(
      /<svg class="duration-chart"[^>]*>.*<rect class="o-success"[^>]*><title>08\/11 14:44 JST · 成功 · 1分00秒/,
    );
    expect(html).toContain('上限 5分00秒');
  });

  it('answers 404 for a job it does not know and 400 for a bad key or cursor', async () => {
    expect((await text('/incidents/jobs/nobody')).status).toBe(404);
    expect((await text('/incidents/jobs/%20')).status).toBe(400);
    expect((await text('/incidents/jobs/csv-export?cursor=forged')).status).toBe(400);
    expect((await api.read('/incidents/jobs/csv-export', {})).status).toBe(401);
  });
});
