import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const REPORTERS = path.join(__dirname, '..', '..', 'reporters');
const PYTHON_REPORTER = path.join(REPORTERS, 'report_job_status.py');
const NODE_CLI = path.join(REPORTERS, 'report-job-cli.ts');
const SECRET = 'stub-write-secret';

/** What the reporters sent, and how the stand-in monitor answers each route (the job-start contract of issue 20). */
interface StubMonitor {
  url: string;
  requests: Array<{ path: string; secret: string | undefined; body: Record<string, unknown> }>;
  answer: Record<string, { status: number; body: unknown }>;
  close(): Promise<void>;
}

async function startStubMonitor(): Promise<StubMonitor> {
  const stub: Omit<StubMonitor, 'url' | 'close'> = {
    requests: [],
    answer: {
      '/api/monitor/job-start': { status: 200, body: { success: true, job_key: 'nightly-backup', run_id: 'run-1' } },
      '/api/monitor/job-report': { status: 200, body: { success: true, id: 'row-1', job_key: 'nightly-backup' } },
    },
  };
  const server = http.createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      const route = request.url ?? '';
      stub.requests.push({
        path: route,
        secret: request.headers['x-tc-portal-webhook-secret'] as string | undefined,
        body: JSON.parse(text),
      });
      const { status, body } = stub.answer[route] ?? { status: 404, body: { error: 'Not found' } };
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...stub,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a reporter; `onStdout` sees the output as it comes (to signal the wrapper mid-run). */
function runReporter(
  command: [string, string[]],
  env: NodeJS.ProcessEnv,
  onStdout?: (text: string, child: ChildProcess) => void,
  cwd?: string,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command[1], { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const IMPLEMENTATIONS: Array<[string, (args: string[]) => [string, string[]]]> = [
  ['Python', (args) => ['python3', [PYTHON_REPORTER, ...args]]],
  ['Node', (args) => [process.execPath, ['--import', 'tsx', NODE_CLI, ...args]]],
];

describe.each(IMPLEMENTATIONS)('the %s reporter command line against a stand-in monitor', (_language, command) => {
  let monitor: StubMonitor;
  beforeEach(async () => {
    monitor = await startStubMonitor();
  });
  afterEach(async () => {
    await monitor.close();
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    PYTHONIOENCODING: 'utf-8',
    PYTHONDONTWRITEBYTECODE: '1',
    TC_PORTAL_MONITOR_URL: `${monitor.url}/api/monitor/job-report`,
    TC_PORTAL_WEBHOOK_SECRET: SECRET,
    TC_PORTAL_JOB_KEY: '',
    TC_PORTAL_JOB_TITLE: '',
    ...extra,
  });
  const run = (args: string[], extra?: NodeJS.ProcessEnv, onStdout?: (text: string, child: ChildProcess) => void) =>
    runReporter(command(args), env(extra), onStdout);
  const wrap = (...commandLine: string[]) => [
    'run',
    '--job-key',
    'nightly-backup',
    '--title',
    '夜間バックアップ',
    '--',
    ...commandLine,
  ];
  const report = () => monitor.requests.find((request) => request.path === '/api/monitor/job-report')?.body ?? {};

  it('reports the start, passes the output through, then reports success with the exit status, duration and last lines of that run', async () => {
    const finished = await run(wrap('sh', '-c', 'echo out-1; echo err-1 >&2; echo "出力 最後"'));

    expect(finished.code).toBe(0);
    expect(finished.stdout).toBe('out-1\n出力 最後\n'); // the command's output only; the reporter writes to stderr
    expect(finished.stderr).toContain('err-1');
    expect(monitor.requests.map((request) => [request.path, request.secret])).toEqual([
      ['/api/monitor/job-start', SECRET],
      ['/api/monitor/job-report', SECRET],
    ]);
    const [start, result] = monitor.requests.map((request) => request.body);
    expect(start).toEqual({ job_key: 'nightly-backup', title: '夜間バックアップ', started_at: expect.any(String) });
    expect(result).toMatchObject({
      job_key: 'nightly-backup',
      title: '夜間バックアップ',
      status: 'success',
      run_id: 'run-1',
    });
    const message = String(result.message);
    expect(message).toMatch(/^exit 0 after \d+\.\d s: sh -c echo out-1/);
    expect(message).toContain('--- last 3 lines ---');
    for (const line of ['out-1', 'err-1', '出力 最後']) expect(message.split('\n')).toContain(line);
    expect(Date.parse(String(result.finished_at))).toBeGreaterThanOrEqual(Date.parse(String(start.started_at)));
  });

  it("reports a failure as an error with the exit status and only the last lines, and exits with the command's status", async () => {
    const finished = await run([
      ...wrap('sh', '-c', 'for i in 1 2 3 4 5; do echo line-$i; done; exit 3'),
      // options after the command belong to the command, not to the reporter
    ]);
    const short = await run(['run', '--job-key', 'k', '--tail-lines', '2', '--', 'sh', '-c', 'seq 1 5; exit 3']);

    expect(finished.code).toBe(3);
    expect(short.code).toBe(3);
    const [, first, , second] = monitor.requests.map((request) => request.body);
    expect(first).toMatchObject({ status: 'error', message: expect.stringMatching(/^exit 3 after /) });
    expect(String(second.message).split('\n').slice(1)).toEqual(['--- last 2 lines ---', '4', '5']);
    expect(second).toMatchObject({ job_key: 'k', title: 'k' }); // no --title, no TC_PORTAL_JOB_TITLE: titled by its key
  });

  it('reports a command that cannot be started as an error and exits 127', async () => {
    const finished = await run(wrap('no-such-command-nightshift'));

    expect(finished.code).toBe(127);
    expect(report()).toMatchObject({
      status: 'error',
      message: 'command not found: no-such-command-nightshift (exit 127)',
    });
  });

  it('passes SIGTERM on to the command and reports the run as stopped, exiting 143', async () => {
    let signalled = false;
    const finished = await run(wrap('sh', '-c', 'echo ready; exec sleep 30'), {}, (text, child) => {
      if (!signalled && text.includes('ready')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });

    expect(finished.code).toBe(143);
    expect(report()).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/^stopped by SIGTERM \(exit 143\)/),
    });
  });

  it('still runs the command and reports its result, without a run id, when the monitor refuses the start', async () => {
    monitor.answer['/api/monitor/job-start'] = { status: 404, body: { error: 'Not found' } };

    const finished = await run(wrap('true'));

    expect(finished.code).toBe(0);
    expect(finished.stderr).toMatch(/Not found/);
    expect(report()).toMatchObject({ status: 'success' });
    expect(report()).not.toHaveProperty('run_id');
  });

  it("removes colours and keeps the message within the monitor's 4,000 characters", async () => {
    const noisy =
      'i=0; while [ $i -lt 200 ]; do printf "%0300d\\n" $i; i=$((i+1)); done; printf "\\033[31mdone\\033[0m\\n"';

    await run(['run', '--job-key', 'k', '--tail-lines', '500', '--', 'sh', '-c', noisy]);

    const message = String(report().message);
    expect(message.length).toBeLessThanOrEqual(4000);
    expect(message).not.toContain('\u001b');
    expect(message.endsWith(`\n${'0'.repeat(297)}199\ndone`)).toBe(true);
  });

  it('runs the command and reports nothing without the monitor settings', async () => {
    const finished = await run(wrap('sh', '-c', 'exit 4'), { TC_PORTAL_MONITOR_URL: '' });

    expect(finished.code).toBe(4);
    expect(monitor.requests).toEqual([]);
  });

  it('prints the run id of a start, and a report with it closes that run', async () => {
    const started = await run(['start', '--job-key', 'nightly-backup']);
    const reported = await run([
      'report',
      '--job-key',
      'nightly-backup',
      '--status',
      'error',
      '--message',
      'disk full',
      '--run-id',
      started.stdout.trim(),
    ]);

    expect([started.code, started.stdout, reported.code]).toEqual([0, 'run-1\n', 0]);
    expect(report()).toMatchObject({ status: 'error', message: 'disk full', run_id: 'run-1' });
  });

  it("prints the monitor's reason when it refuses a report, and exits 1", async () => {
    monitor.answer['/api/monitor/job-report'] = { status: 400, body: { error: 'title is required' } };

    const refused = await run(['report', '--job-key', 'k', '--status', 'success']);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 400\)?: title is required/);
  });

  it('refuses a call without a command, job key or valid status with exit 2, sending nothing', async () => {
    const results = await Promise.all([
      run([]),
      run(['run', '--job-key', 'k']),
      run(['start']),
      run(['report', '--job-key', 'k', '--status', 'done']),
    ]);

    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2]);
    expect(monitor.requests).toEqual([]);
  });
});

describe('the Python reporter file itself', () => {
  let monitor: StubMonitor;
  beforeEach(async () => {
    monitor = await startStubMonitor();
  });
  afterEach(async () => {
    await monitor.close();
  });
  const env = () => ({
    ...process.env,
    PYTHONIOENCODING: 'utf-8',
    PYTHONDONTWRITEBYTECODE: '1',
    TC_PORTAL_MONITOR_URL: `${monitor.url}/api/monitor/job-report`,
    TC_PORTAL_WEBHOOK_SECRET: SECRET,
    TC_PORTAL_JOB_KEY: 'minpaku-in-report',
  });

  it('run as is, prints its usage and exits 2 instead of reporting "name \'main\' is not defined"', async () => {
    const finished = await runReporter(['python3', [PYTHON_REPORTER]], env());

    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(/usage: report_job_status\.py/);
    expect(monitor.requests).toEqual([]);
  });

  it("imported as a module, report_job_status() prints the monitor's reason for a refused report", async () => {
    monitor.answer['/api/monitor/job-report'] = { status: 400, body: { error: 'title is required' } };
    const script = 'import report_job_status as r\nprint(r.report_job_status("success", "ok"))';

    const finished = await runReporter(['python3', ['-c', script]], env(), undefined, REPORTERS);

    expect(finished.stdout).toBe('[TC Portal] 報告失敗: HTTP 400: title is required\nFalse\n');
    expect(monitor.requests).toHaveLength(1);
  });
});
