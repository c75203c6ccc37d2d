import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jstDateOffset } from '../../lambdas/shared/jst-time';
import { type ProcessResult, runNode } from '../support/run-process';

/**
 * `npm run ops` end to end against a real `npm start` (local mode on free ports, in a temporary .local):
 * every command, through the same CLI as on AWS, with the local backend.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const nodeArgs = (script: string) => SCRIPTS[script].split(/\s+/).slice(1);

const localDir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-ops-local-'));
// Embedded PostgreSQL may run as another user (when tests run as root): it must reach its data folder.
chmodSync(localDir, 0o755);
const env = {
  ...process.env,
  NIGHTSHIFT_LOCAL_DIR: localDir,
  PORT: '0',
  // The caller's own endpoints would win over local mode's: the jest services must not leak in.
  DATABASE_URL: '',
  DYNAMODB_ENDPOINT: '',
  S3_ENDPOINT: '',
  JOB_STATUS_TABLE: '',
};
for (const name of ['DATABASE_URL', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'JOB_STATUS_TABLE'] as const) delete env[name];

let start: ChildProcessWithoutNullStreams;
let startOutput = '';

function ops(args: string[]): Promise<ProcessResult> {
  return runNode([...nodeArgs('ops'), ...args], { cwd: ROOT, env, timeoutMs: 120_000 });
}

beforeAll(async () => {
  start = spawn(process.execPath, nodeArgs('start'), { cwd: ROOT, env });
  start.stdout.on('data', (chunk: Buffer) => {
    startOutput += chunk.toString('utf8');
  });
  start.stderr.on('data', (chunk: Buffer) => {
    startOutput += chunk.toString('utf8');
  });
  const deadline = Date.now() + 150_000;
  while (!/Ctrl-C stops everything/.test(startOutput)) {
    if (start.exitCode !== null) throw new Error(`npm start exited ${start.exitCode}:\n${startOutput}`);
    if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${startOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null) {
    const exited = new Promise((resolve) => start.once('exit', resolve));
    start.kill('SIGTERM');
    await exited;
  }
  rmSync(localDir, { recursive: true, force: true });
}, 60_000);

describe('ops against local mode', () => {
  it('picks the running npm start without --stage and shows status with JST times', async () => {
    const rerun = await ops(['rerun', 'job-watchdog']);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/using local mode \(npm start, pid \d+\)/);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ jobId: 'job-watchdog', status: 'success' });

    const status = await ops(['status', '--stage', 'local']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^job-watchdog\s+success\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\s+registry/m);
    expect(status.stdout).toMatch(/jobs in local mode \(pid \d+\)/);
  });

  it("reads a run's log lines from local mode's log files, by run id", async () => {
    const rerun = await ops(['--json', 'rerun', 'job-watchdog', '--stage', 'local']);
    const { requestId } = JSON.parse(rerun.stdout) as { requestId: string };

    const logs = await ops(['logs', 'job-watchdog', '--stage', 'local', '--run', requestId]);

    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines)
      expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d JST \\{.*"runId":"${requestId}"`));
    expect(logs.stdout).toContain('"message":"job started"');
    expect(logs.stderr).toMatch(/lines of run .* from .*nightshift-job-watchdog\.jsonl/);
  });

  it('pauses and resumes the local schedules of a job, which npm start reads when they fire', async () => {
    const pause = await ops(['pause', 'daily-parquet', '--stage', 'local']);
    expect(pause.code).toBe(0);
    expect(pause.stdout).toMatch(/^daily-parquet\/\S+\s+ENABLED\s+DISABLED$/m);
    const paused = JSON.parse(readFileSync(path.join(localDir, 'paused-schedules.json'), 'utf8')) as string[];
    expect(paused.every((name) => name.startsWith('daily-parquet/'))).toBe(true);
    expect(paused.length).toBeGreaterThan(0);

    const resume = await ops(['resume', 'daily-parquet', '--stage', 'local']);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/^daily-parquet\/\S+\s+DISABLED\s+ENABLED$/m);
    expect(JSON.parse(readFileSync(path.join(localDir, 'paused-schedules.json'), 'utf8'))).toEqual([]);
  });

  it('backfills dates through the local runner and skips them the second time', async () => {
    const from = jstDateOffset(new Date(), -2);
    const to = jstDateOffset(new Date(), -1);
    const first = await ops(['backfill', 'daily-parquet', '--from', from, '--to', to, '--stage', 'local']);
    expect(first.stderr + first.stdout).toMatch(/2 succeeded, 0 failed, 0 skipped/);
    expect(first.code).toBe(0);

    const second = await ops(['backfill', 'daily-parquet', '--from', from, '--to', to, '--stage', 'local']);
    expect(second.stdout).toMatch(/0 succeeded, 0 failed, 2 skipped/);
  });

  it('mutes, unmutes and forgets jobs of the running job monitor, as its API shows them', async () => {
    const local = JSON.parse(readFileSync(path.join(localDir, 'env.json'), 'utf8')) as {
      apiUrl: string;
      env: Record<string, string>;
    };
    const listed = async () => {
      const response = await fetch(`${local.apiUrl}/api/monitor/jobs?limit=500`, {
        headers: { authorization: `Bearer ${local.env.JOB_READ_TOKEN}` },
      });
      const body = (await response.json()) as { jobs: { job_key: string; muted: unknown }[] };
      return new Map(body.jobs.map((job) => [job.job_key, job]));
    };

    const mute = await ops([
      'mute',
      'sales-import',
      '--until',
      '2h',
      '--reason',
      '取引先のFTP移行中',
      '--stage',
      'local',
    ]);
    expect(mute.stdout).toMatch(/^muted sales-import until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST in local mode/);
    expect(mute.code).toBe(0);
    expect((await listed()).get('sales-import')?.muted).toMatchObject({ reason: '取引先のFTP移行中' });

    const unmute = await ops(['unmute', 'sales-import', '--stage', 'local']);
    expect(unmute.stdout).toMatch(/^unmuted sales-import in local mode .*: still failing/);
    expect((await listed()).get('sales-import')?.muted).toBeNull();

    const forget = await ops(['forget', 'legacy-export', '--stage', 'local']);
    expect(forget.stdout).toMatch(
      /^forgot legacy-export in local mode .*: status, expectation, mute and 1 runs deleted$/m,
    );
    expect((await listed()).has('legacy-export')).toBe(false);

    const again = await ops(['forget', 'legacy-export', '--stage', 'local']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('job "legacy-export" is not known to the job monitor in local mode');
  });

  it('smoke-tests the local API: watchdog run, job list with the read token, status page', async () => {
    const smoke = await ops(['smoke', '--stage', 'local']);
    expect(smoke.stdout).toMatch(/job-watchdog runs\s+ok/);
    expect(smoke.stdout).toMatch(/job list answers with the read token\s+ok/);
    expect(smoke.stdout).toMatch(/status page answers\s+ok/);
    expect(smoke.code).toBe(0);
  });

  it('says local mode is not running when --stage local finds no npm start', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'nightshift-no-start-'));
    try {
      const child = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const run = spawn(process.execPath, [...nodeArgs('ops'), 'status', '--stage', 'local'], {
          cwd: ROOT,
          env: { ...env, NIGHTSHIFT_LOCAL_DIR: other },
        });
        let stderr = '';
        run.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        run.on('close', (code) => resolve({ code, stderr }));
      });
      expect(child.code).toBe(1);
      expect(child.stderr.trim()).toBe(
        `ops: local mode is not running (no live \`npm start\` in ${other}): start it with \`npm start\``,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps the terminal of npm start readable and the JSON in .local/logs', () => {
    expect(existsSync(path.join(localDir, 'logs', 'nightshift-job-watchdog.jsonl'))).toBe(true);
    expect(startOutput).not.toMatch(/^\{"level"/m);
  });
});
