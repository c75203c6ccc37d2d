import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cdkJson from '../../cdk.json';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs a repo script the way npm does (node + tsx), returning exit code and output. */
function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    ['--disable-warning=NodeVersionSupportWarning', '--import', 'tsx', script, ...args],
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run invoke', () => {
  it('rejects an unknown job id in one line, listing the jobs, with exit code 2', () => {
    const { code, stderr } = runScript('local/invoke.ts', ['no-such-job', '{}']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^invoke: unknown job "no-such-job"; jobs: .*job-watchdog/);
  });

  it('rejects a malformed payload in one line naming the problem', () => {
    const { code, stderr } = runScript('local/invoke.ts', ['job-watchdog', '{"slot": 2025-08']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^invoke: payload is not valid JSON/);
  });

  it('rejects a payload that is not a JSON object', () => {
    const { code, stderr } = runScript('local/invoke.ts', ['job-watchdog', '[1,2]']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/payload must be a JSON object/);
  });

  it('prints the aws lambda invoke command for the deployed function with --print-aws', () => {
    const { code, stdout } = runScript('local/invoke.ts', [
      'job-watchdog',
      '{"dry_run":true}',
      '--print-aws',
      '--stage',
      'prod',
    ]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'aws lambda invoke --function-name nightshift-prod-job-watchdog --cli-binary-format raw-in-base64-out --payload \'{"dry_run":true}\' out.json && cat out.json',
    );
  });
});

describe('cdk synth with an invalid config', () => {
  it('fails with one line per bad field and no stack trace', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-synth-'));
    try {
      const context = { ...cdkJson.context, natMode: 'sometimes', logRetentionDays: '8' };
      const { code, stderr } = runScript('bin/nightshift.ts', [], {
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_OUTDIR: outdir,
      });
      expect(code).toBe(1);
      expect(stderr).toContain('Invalid config for stage "dev":');
      expect(stderr).toMatch(/^ {2}logRetentionDays: one of 1, 3, 5, 7/m);
      expect(stderr).toMatch(/^ {2}natMode: /m);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
