import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cdkJson from '../../cdk.json';
import { createJobStatusTable } from '../../local/job-status-table';
import { type ProcessResult, runNode } from '../support/run-process';
import { dynamoClient, uniqueName } from '../support/services';

const ROOT = path.resolve(__dirname, '..', '..');
const NPM_SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The node arguments of an npm script that is one `node ...` command, so a test starts exactly what npm starts. */
function npmScriptArgs(name: string): string[] {
  const [command, ...args] = NPM_SCRIPTS[name].split(/\s+/);
  if (command !== 'node') throw new Error(`npm script ${name} is not a single node command: ${NPM_SCRIPTS[name]}`);
  return args;
}

/**
 * Runs node with these arguments from the repository root, returning exit code and output. Asynchronous on
 * purpose: when jest runs in band, the local services live in this process and must keep answering.
 */
function runFromRoot(nodeArgs: string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return runNode(nodeArgs, {
    cwd: ROOT,
    // The AWS SDK's own switch for its Node version warning is left to the scripts under test.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, ...env },
  });
}

/** `npm run invoke -- <args>` without npm's own output. */
const invoke = (args: string[], env?: Record<string, string>) =>
  runFromRoot([...npmScriptArgs('invoke'), ...args], env);

describe('npm run invoke', () => {
  it('rejects an unknown job id in one line, listing the jobs, with exit code 2', async () => {
    const { code, stderr } = await invoke(['no-such-job', '{}']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^invoke: unknown job "no-such-job"; jobs: .*job-watchdog/);
  });

  it('rejects a malformed payload in one line naming the problem', async () => {
    const { code, stderr } = await invoke(['job-watchdog', '{"slot": 2025-08']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^invoke: payload is not valid JSON/);
  });

  it('rejects a payload that is not a JSON object', async () => {
    const { code, stderr } = await invoke(['job-watchdog', '[1,2]']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/payload must be a JSON object/);
  });

  it('prints the aws lambda invoke command for the deployed function with --print-aws', async () => {
    const { code, stdout } = await invoke(['job-watchdog', '{"dry_run":true}', '--print-aws', '--stage', 'prod']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'aws lambda invoke --function-name nightshift-prod-job-watchdog --cli-binary-format raw-in-base64-out --payload \'{"dry_run":true}\' out.json && cat out.json',
    );
  });
});

describe('npm start, invoke and bench', () => {
  it('all turn off the AWS SDK Node version warning before any client exists', () => {
    for (const name of ['start', 'invoke', 'bench']) {
      expect(npmScriptArgs(name).slice(0, 4)).toEqual([
        '--import',
        'tsx',
        '--import',
        './local/node-version-warning.ts',
      ]);
    }
  });
});

describe('npm run invoke against real endpoints', () => {
  it('runs the job once through its handler, prints the outcome and exits 0', async () => {
    const client = dynamoClient();
    const table = uniqueName('invoke-status');
    await createJobStatusTable(client, table);
    client.destroy();

    const { code, stdout, stderr } = await invoke(['job-watchdog', '{}'], {
      JOB_STATUS_TABLE: table,
      BUILT_IN_EXPECTATIONS: '[]',
    });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ jobId: 'job-watchdog', status: 'success' });
    expect(stderr).not.toContain('NodeVersionSupportWarning'); // the AWS SDK warns on Node < 22 unless told not to
  });

  it('exits 1 and prints the error outcome when the job fails', async () => {
    const { code, stdout } = await invoke(['job-watchdog', '{}'], {
      JOB_STATUS_TABLE: 'no-such-table',
      BUILT_IN_EXPECTATIONS: '[]',
    });

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ jobId: 'job-watchdog', status: 'error' });
  });
});

describe('cdk synth with an invalid config', () => {
  it('fails with one line per bad field and no stack trace', async () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-synth-'));
    try {
      const context = { ...cdkJson.context, natMode: 'sometimes', logRetentionDays: '8' };
      const { code, stderr } = await runFromRoot(['--import', 'tsx', 'bin/nightshift.ts'], {
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

describe('npm run invoke --event (the manual-trigger rule, locally)', () => {
  const entry = (detail: unknown, source = 'nightshift') =>
    JSON.stringify({ Source: source, DetailType: 'manual-trigger', Detail: JSON.stringify(detail) });

  it('runs the registry job the put-events entry names, with its payload', async () => {
    const client = dynamoClient();
    const table = uniqueName('trigger-status');
    await createJobStatusTable(client, table);
    client.destroy();

    const { code, stdout } = await invoke(['--event', entry({ job: 'job-watchdog', payload: {} })], {
      JOB_STATUS_TABLE: table,
      BUILT_IN_EXPECTATIONS: '[]',
    });

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ jobId: 'job-watchdog', status: 'success' });
  });

  it('refuses an unknown job in one line listing the registry jobs, exit 2', async () => {
    const { code, stdout, stderr } = await invoke(['--event', entry({ job: 'youtube-synk' })]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(
      /^invoke: manual trigger refused: unknown job "youtube-synk" \(jobs: .*job-watchdog.*\)$/,
    );
  });

  it('refuses an event that is not a JSON object in one line, exit 2', async () => {
    for (const event of ['null', '[]', '"nightshift"', '5']) {
      const { code, stdout, stderr } = await invoke(['--event', event]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim()).toBe(
        `invoke: --event must be a JSON object like {"Source":"nightshift","DetailType":"manual-trigger","Detail":"{...}"}, got ${event}`,
      );
    }
  });

  it('refuses an event the rule would not match', async () => {
    const { code, stderr } = await invoke(['--event', entry({ job: 'job-watchdog' }, 'batch-scheduler')]);
    expect(code).toBe(2);
    expect(stderr).toContain('this event (Source=batch-scheduler, DetailType=manual-trigger) would run nothing');
  });

  it("refuses a deployed stage's event: local mode is stage local", async () => {
    const { code, stdout, stderr } = await invoke(['--event', entry({ stage: 'prod', job: 'job-watchdog' })]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      'invoke: manual trigger refused: detail.stage "prod" is not this trigger\'s stage "local"',
    );
  });
});
