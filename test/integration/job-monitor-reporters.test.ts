import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { JobReportError, reportJob } from '../../reporters/report-job';
import { type MonitorFixture, startMonitorFixture } from './job-monitor-fixture';

const run = promisify(execFile);
const REPORTERS = path.join(__dirname, '..', 'support', 'reporters');
const SHIPPED_REPORTERS = path.join(__dirname, '..', '..', 'reporters');

/** The TC Portal's Python snippet as reporters/README.md keeps it, verbatim, written to a file of its own. */
async function readmeSnippetFile(): Promise<string> {
  const readme = await readFile(path.join(SHIPPED_REPORTERS, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf("## The TC Portal's snippet, verbatim"));
  const snippet = /```python\n([\s\S]*?)```/.exec(section)?.[1];
  if (!snippet) throw new Error("reporters/README.md lost the TC Portal's snippet");
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'tc-portal-snippet-')), 'snippet.py');
  await writeFile(file, snippet);
  return file;
}

/** The three documented ways to report (docs/job-monitor.md), each run for real against the local API. */
describe('reporters', () => {
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture();
  });
  afterEach(async () => {
    await api.close();
  });

  const endpoint = () => `${api.url}/api/monitor/job-report`;

  /** The Python reporter's Windows environment variables, pointed at the local API. */
  const seedEnv = (mode: string) => ({
    ...process.env,
    PYTHONIOENCODING: 'utf-8',
    TC_PORTAL_MONITOR_URL: endpoint(),
    TC_PORTAL_WEBHOOK_SECRET: api.writeSecret,
    TC_PORTAL_JOB_KEY: 'minpaku-in-report',
    TC_PORTAL_JOB_TITLE: 'minpaku-IN レポート作成',
    REPORTER_TEST_MODE: mode,
    REPORTER_TEST_ERROR: 'CSV が見つかりません',
  });

  const runSeedReporter = (mode: string, extra: NodeJS.ProcessEnv = {}) =>
    run('python3', [path.join(REPORTERS, 'run_seed_reporter.py')], { env: { ...seedEnv(mode), ...extra } });

  it('stores the success the TC Portal Python reporter sends', async () => {
    const { stdout } = await runSeedReporter('success');

    expect(stdout).toContain('[TC Portal] 報告成功: success');
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      title: 'minpaku-IN レポート作成',
      lastStatus: 'success',
      lastMessage: '処理完了',
    });
  });

  it('stores the error the TC Portal Python reporter sends when main() raises', async () => {
    const failed = await runSeedReporter('error').catch((error: { code: number; stdout: string }) => error);

    expect(failed).toMatchObject({ code: 1, stdout: expect.stringContaining('[TC Portal] 報告成功: error') });
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      lastStatus: 'error',
      lastMessage: 'CSV が見つかりません',
    });
  });

  it('stores message null when the TC Portal Python reporter is called without a message', async () => {
    await runSeedReporter('no-message');

    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({ lastStatus: 'success', lastMessage: null });
  });

  it("stores the success and the error of the TC Portal's snippet as the README keeps it, verbatim", async () => {
    const snippet = await readmeSnippetFile();

    const succeeded = await runSeedReporter('success', { REPORTER_FILE: snippet });
    expect(succeeded.stdout).toContain('[TC Portal] 報告成功: success');
    const failed = await runSeedReporter('error', { REPORTER_FILE: snippet }).catch((error: { code: number }) => error);

    expect(failed).toMatchObject({ code: 1 });
    expect(await api.store.getLatest('minpaku-in-report')).toMatchObject({
      lastStatus: 'error',
      lastMessage: 'CSV が見つかりません',
    });
  });

  it("prints the monitor's reason when it refuses a report from the shipped Python reporter", async () => {
    const { stdout } = await runSeedReporter('no-message', { TC_PORTAL_JOB_TITLE: '' });

    expect(stdout).toBe('[TC Portal] 報告失敗: HTTP 400: title is required\n');
    expect(await api.store.getLatest('minpaku-in-report')).toBeUndefined();
  });

  it('stores nothing when the shipped Python reporter is run as is, without a command', async () => {
    const asIs = await run('python3', [path.join(SHIPPED_REPORTERS, 'report_job_status.py')], {
      env: seedEnv('success'),
    }).catch((error: { code: number; stderr: string }) => error);

    expect(asIs).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: report_job_status.py') });
    expect(await api.store.getLatest('minpaku-in-report')).toBeUndefined();
  });

  // Against the real job monitor: the start is stored, the command runs, and its report closes that run
  // with the exit status, its start and its duration (the command sleeps 0.3 s).
  it.each([
    ['Python', 'python3', [path.join(SHIPPED_REPORTERS, 'report_job_status.py')]],
    ['Node', process.execPath, ['--import', 'tsx', path.join(SHIPPED_REPORTERS, 'report-job-cli.ts')]],
  ])('records the result of a run wrapped by the %s reporter', async (_language, program, args) => {
    const wrapped = [...args, 'run', '--job-key', 'wrapped-job', '--title', '夜間バックアップ', '--'];
    const failed = await run(program, [...wrapped, 'sh', '-c', 'sleep 0.3; echo "ディスクがいっぱい"; exit 3'], {
      env: seedEnv('success'),
    }).catch((error: { code: number; stderr: string }) => error);

    expect(failed).toMatchObject({ code: 3 });
    expect(failed.stderr).not.toMatch(/start not reported|開始報告エラー|開始報告失敗/);
    const response = await api.read('/api/monitor/jobs/wrapped-job/runs');
    const { runs } = (await response.json()) as { runs: Array<Record<string, unknown>> };
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'error',
      title: '夜間バックアップ',
      message: expect.stringMatching(/^exit 3 after \d+\.\d s: sh -c [\s\S]*\nディスクがいっぱい$/),
      started_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      duration_ms: expect.any(Number),
    });
    expect(runs[0].duration_ms as number).toBeGreaterThanOrEqual(300);
  });

  it('stores the report of the TC Portal Node.js test snippet with its Japanese intact', async () => {
    const { hostname, port } = new URL(api.url);

    const { stdout } = await run('node', [path.join(REPORTERS, 'seed-node-snippet.cjs')], {
      env: { ...process.env, SEED_HOSTNAME: hostname, SEED_PORT: port, SEED_SECRET: api.writeSecret },
    });

    expect(stdout).toMatch(/^200 \{"success":true,/);
    expect(await api.store.getLatest('test-job')).toMatchObject({ title: 'テストジョブ', lastMessage: 'テスト報告' });
  });

  it('stores the report of the documented curl line', async () => {
    // The line from docs/job-monitor.md, with its variables from the environment.
    const curlLine = `curl -sS -X POST "$NIGHTSHIFT_REPORT_URL" \\
  -H 'Content-Type: application/json' -H "X-TC-Portal-Webhook-Secret: $JOB_REPORT_SECRET" \\
  --data-binary '{"job_key":"backup","title":"夜間バックアップ","status":"success","finished_at":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'","message":"ok"}'`;

    const { stdout } = await run('bash', ['-c', curlLine], {
      env: { ...process.env, NIGHTSHIFT_REPORT_URL: endpoint(), JOB_REPORT_SECRET: api.writeSecret },
    });

    expect(JSON.parse(stdout)).toMatchObject({ success: true, job_key: 'backup' });
    expect(await api.store.getLatest('backup')).toMatchObject({ title: '夜間バックアップ', lastStatus: 'success' });
  });

  it('stores the report of the TypeScript client and returns the status row id', async () => {
    const accepted = await reportJob({
      url: endpoint(),
      secret: api.writeSecret,
      job_key: 'ts-job',
      title: 'TypeScript job',
      status: 'error',
      message: 'exit 2',
    });

    expect(accepted).toEqual({ success: true, id: expect.any(String), job_key: 'ts-job' });
    expect((await api.store.getLatest('ts-job'))?.id).toBe(accepted.id);
  });

  it('makes the TypeScript client throw the API error when a report is rejected', async () => {
    const rejected = reportJob({ url: endpoint(), secret: 'wrong', job_key: 'ts-job', title: 'T', status: 'success' });

    await expect(rejected).rejects.toThrow(
      new JobReportError('job report rejected (HTTP 401): Invalid or missing webhook secret', 401),
    );
  });

  it('makes the TypeScript client give up after its timeout', async () => {
    const silent = http.createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/monitor/job-report`;
    try {
      const pending = reportJob({ url, secret: 's', job_key: 'k', title: 'T', status: 'success', timeoutMs: 200 });

      await expect(pending).rejects.toThrow(/timed out after 200 ms/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
