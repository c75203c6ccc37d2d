import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jstDateOffset } from '../../lambdas/shared/jst-time';
import { type LocalMode, startLocalMode } from '../support/local-mode-process';
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

let localMode: LocalMode;
let env: NodeJS.ProcessEnv;
let localDir: string;
const startOutput = () => localMode.output();

function ops(args: string[]): Promise<ProcessResult> {
  return runNode([...nodeArgs('ops'), ...args], { cwd: ROOT, env, timeoutMs: 120_000 });
}

beforeAll(async () => {
  localMode = await startLocalMode({ name: 'ops-local' });
  env = localMode.env;
  localDir = localMode.localDir;
}, 180_000);

afterAll(() => localMode?.stop(), 60_000);

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
    expect(startOutput()).not.toMatch(/^\{"level"/m);
  });
});
