import { readFileSync } from 'node:fs';
import {
  jobActions,
  logsInsightsUrl,
  NO_PAGE_SETTINGS,
  type PageSettings,
  parseBuiltInJobs,
} from '../../lambdas/job-monitor/job-actions';
import { renderJobPage } from '../../lambdas/job-monitor/job-page';
import type { RunView } from '../../lambdas/job-monitor/job-views';
import { builtInJobInfos } from '../../lib/built-in-jobs';
import { JOBS } from '../../lib/jobs';
import { FIXTURE_NOW, jobsInEveryState, ticks } from '../support/job-view-fixtures';

const runbook = readFileSync('docs/runbook.md', 'utf8');
const registry = parseBuiltInJobs(JSON.stringify(builtInJobInfos(JOBS)));
const settings = (fields: Partial<PageSettings> = {}): PageSettings => ({
  stage: 'prod',
  region: 'ap-northeast-1',
  runbookUrl: 'https://github.com/example/nightshift/blob/main/docs/runbook.md',
  builtInJobs: registry,
  ...fields,
});

const runsOf = (outcomes: Parameters<typeof ticks>[1]): RunView[] =>
  ticks(12, outcomes).map((tick) => ({
    run_id: tick.run_id,
    title: 't',
    status: tick.status === 'error' ? 'error' : 'success',
    finished_at: tick.finished_at ?? (tick.started_at as string),
    started_at: tick.started_at,
    duration_ms: tick.duration_ms,
    message: tick.message,
    tool_id: null,
    source: 'runner',
    received_at: tick.finished_at ?? '',
    slot: tick.slot,
    kind: tick.kind,
    outcome: tick.status,
  }));

describe('what the job page says to do', () => {
  it('prints, for every registry job, the re-run and backfill commands the runbook carries, and links its alarms’ sections', () => {
    for (const job of JOBS) {
      const actions = jobActions(job.id, settings({ stage: null, region: null }), null, FIXTURE_NOW);
      const [rerun, ...rest] = actions.commands.map((entry) => entry.command);

      expect(runbook).toContain(rerun);
      // The runbook writes the backfill with example dates; the page fills in the failing range.
      if (job.backfill)
        expect(runbook).toContain(rest[0].replace(/--from \S+ --to \S+/, '--from 2025-08-01 --to 2025-08-02'));
      expect(runbook).toContain(rest[rest.length - 1]);
      for (const section of actions.runbook) expect(runbook).toContain(`<a id="${section.anchor}"></a>`);
    }
  });

  it('names the stage and region when it knows them, and backfills from the first failing day to today', () => {
    const actions = jobActions('ftp-export', settings(), '2025-08-09T20:00:00.000Z', FIXTURE_NOW);

    expect(actions.commands.map((entry) => entry.command)).toEqual([
      "npm run ops -- rerun ftp-export '{}' --stage prod",
      'npm run ops -- backfill ftp-export --from 2025-08-10 --to 2025-08-11 --stage prod',
      "aws lambda invoke --function-name nightshift-prod-ftp-export --region ap-northeast-1 --cli-binary-format raw-in-base64-out --payload '{}' out.json && cat out.json",
    ]);
    expect(actions.runbook[0]).toEqual({
      anchor: 'ftp-export-errors',
      href: 'https://github.com/example/nightshift/blob/main/docs/runbook.md#ftp-export-errors',
    });
    expect(actions.timeoutMs).toBe(300_000);
  });

  it('names the runbook section without a link when RUNBOOK_URL is not set, and gives outside jobs the monitor’s sections only', () => {
    const outside = jobActions('backup', NO_PAGE_SETTINGS, null, FIXTURE_NOW);

    expect(outside).toMatchObject({ builtIn: false, commands: [], logsInsights: null });
    expect(outside.runbook).toEqual([
      { anchor: 'job-reported-error', href: null },
      { anchor: 'job-late', href: null },
      { anchor: 'job-hung', href: null },
    ]);
  });

  it('links CloudWatch Logs Insights on the job’s log group with the failed-run query, in the console’s encoding', () => {
    const url = logsInsightsUrl(
      'ap-northeast-1',
      '/aws/lambda/nightshift-prod-ftp-export',
      'fields @message | limit 5',
      3600,
    );

    expect(url).toBe(
      'https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#logsV2:logs-insights' +
        '$3FqueryDetail$3D$257E$2528end$257E0$257Estart$257E-3600$257EtimeType$257E$2527RELATIVE$257Eunit$257E$2527seconds' +
        '$257EeditorString$257E$2527fields*20*40message*20*7C*20limit*205' +
        '$257Esource$257E$2528$257E$2527*2Faws*2Flambda*2Fnightshift-prod-ftp-export$2529$2529',
    );
    expect(jobActions('ftp-export', settings(), null, FIXTURE_NOW).logsInsights).toContain(
      '*2Faws*2Flambda*2Fnightshift-prod-ftp-export',
    );
  });

  it('refuses a bad BUILT_IN_JOBS, naming the field', () => {
    expect(() => parseBuiltInJobs('{')).toThrow('BUILT_IN_JOBS: not JSON');
    expect(() =>
      parseBuiltInJobs('[{"id":"a","timeout_seconds":0,"default_payload":{},"runbook_anchors":[]}]'),
    ).toThrow('BUILT_IN_JOBS.0.timeout_seconds: must be a positive number');
  });
});

describe('the job page', () => {
  const job = jobsInEveryState()[0];
  const render = (runs: RunView[], fields: Partial<Parameters<typeof renderJobPage>[0]> = {}) =>
    renderJobPage({
      job,
      runs,
      actions: jobActions('ftp-export', settings(), job.failing_since ?? null, FIXTURE_NOW),
      now: FIXTURE_NOW,
      firstPage: true,
      ...fields,
    });

  it('draws the durations with the runtime limit line, each run’s message, and the commands ready to copy', () => {
    const html = render(runsOf({ outcomes: ['error', 'success'] }));

    expect(html).toMatch(/<svg class="duration-chart"[^>]*>.*<line class="limit"/);
    expect(html).toContain('上限 15分00秒'); // the view's max_runtime_minutes wins over the registry timeout
    expect(html.match(/<tr class="run" data-outcome="error">/g)).toHaveLength(6);
    expect(html).toContain('FTP 530 login incorrect (run 0)');
    expect(html).toContain(`<pre class="cmd">npm run ops -- rerun ftp-export &#39;{}&#39; --stage prod</pre>`);
    expect(html).toContain('id="logs-insights"');
  });

  it('links older runs with the history cursor and back to the newest', () => {
    expect(render(runsOf({}), { nextPage: '?cursor=abc' })).toContain('<a id="older-runs" href="?cursor=abc">');
    expect(render(runsOf({}), { firstPage: false })).toContain('<a href="?">← 最新へ</a>');
  });

  it('draws the expectation’s max runtime when the view carries none', () => {
    const expectation = {
      crons: ['0 2 * * *'],
      every_minutes: null,
      timezone: 'Asia/Tokyo',
      grace_minutes: 10,
      title: null,
      source: 'api' as const,
      created_at: '2025-08-01T00:00:00.000Z',
      problem: null,
      max_runtime_minutes: 45,
    };
    const html = renderJobPage({
      job: { ...job, max_runtime_minutes: undefined, expectation },
      runs: runsOf({}),
      actions: jobActions('ftp-export', settings(), null, FIXTURE_NOW),
      now: FIXTURE_NOW,
      firstPage: true,
    });

    expect(html).toContain('上限 45分00秒');
  });

  it('shows a one-shot expectation as its one run in JST with its grace, not as a cron', () => {
    const expectation = {
      crons: [],
      every_minutes: null,
      timezone: 'Asia/Tokyo',
      grace_minutes: 7,
      title: null,
      source: 'api' as const,
      created_at: '2025-08-01T00:00:00.000Z',
      problem: null,
      max_runtime_minutes: 2,
      run_once_at: '2025-08-12T06:00:00.000Z',
    };
    const html = renderJobPage({
      job: { ...job, expectation },
      runs: runsOf({}),
      actions: jobActions('http-job:once', settings(), null, FIXTURE_NOW),
      now: FIXTURE_NOW,
      firstPage: true,
    });

    expect(html).toContain('<dt>予定</dt><dd>1回のみ 2025-08-12 15:00:00 JST · 猶予 7分</dd>');
    expect(html).not.toContain('cron  (Asia/Tokyo)');
  });

  it('falls back to the registry timeout for the limit line', () => {
    const html = renderJobPage({
      job: { ...job, max_runtime_minutes: null },
      runs: runsOf({}),
      actions: jobActions('ftp-export', settings(), null, FIXTURE_NOW),
      now: FIXTURE_NOW,
      firstPage: true,
    });

    expect(html).toContain('上限 5分00秒');
  });
});
