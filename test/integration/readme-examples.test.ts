import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRunningLocalMode } from '../../local/local-env';
import { type ReadmeExample, readmeExamples } from '../support/readme-examples';

/**
 * The README's shell examples, run as written, in order, against one `npm start` (local mode on a free
 * port in a temporary folder, with the variables of the README's own `npm start` lines). Read from
 * README.md each run, so an edited example is tested; what needs AWS is marked so in the README itself
 * (test/support/readme-examples.ts says how). `$URL`, `$JOB_REPORT_SECRET` and `$JOB_READ_TOKEN` are
 * what the README says they are in local mode; the documented default address, 127.0.0.1:3000, is
 * replaced by the free port this run got.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const examples = readmeExamples(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
const runnable = examples.filter((example) =>
  example.script.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#')),
);
const DOCUMENTED_URL = 'http://127.0.0.1:3000';

const localDir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-readme-'));
// Embedded PostgreSQL may run as another user (when tests run as root): it must reach its data folder.
chmodSync(localDir, 0o755);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NIGHTSHIFT_LOCAL_DIR: localDir,
  PORT: '0',
  JOB_REPORT_SECRET: 'readme-report-secret',
  JOB_READ_TOKEN: 'readme-read-token',
  ...Object.assign({}, ...examples.map((example) => example.startEnv)),
};
// The jest services' endpoints would win over local mode's: examples run against npm start only.
for (const name of ['DATABASE_URL', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'JOB_STATUS_TABLE']) delete env[name];

let start: ChildProcessWithoutNullStreams;
let startOutput = '';
let baseUrl = '';

beforeAll(async () => {
  start = spawn('npm', ['start'], { cwd: ROOT, env, detached: true });
  const collect = (chunk: Buffer) => {
    startOutput += chunk.toString('utf8');
  };
  start.stdout.on('data', collect);
  start.stderr.on('data', collect);
  const deadline = Date.now() + 150_000;
  while (!/Ctrl-C stops everything/.test(startOutput)) {
    if (start.exitCode !== null) throw new Error(`npm start exited ${start.exitCode}:\n${startOutput}`);
    if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${startOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  baseUrl = readRunningLocalMode(localDir)?.apiUrl ?? '';
  if (!baseUrl) throw new Error(`npm start published no API URL in ${localDir}`);
}, 180_000);

afterAll(async () => {
  if (start?.pid && start.exitCode === null) {
    const exited = new Promise((resolve) => start.once('exit', resolve));
    process.kill(-start.pid, 'SIGINT'); // npm and the local mode it started
    await exited;
  }
  rmSync(localDir, { recursive: true, force: true });
}, 60_000);

/** Runs a block's script in bash, stopping at the first failing command. */
function runBlock(example: ReadmeExample): Promise<{ code: number | null; output: string }> {
  const script = `set -eo pipefail\n${example.script.replaceAll(DOCUMENTED_URL, baseUrl)}`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...env, URL: baseUrl },
      timeout: 240_000,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the README examples, run as written against npm start', () => {
  it('has examples to run, and gives a reason for each command it does not run', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    for (const { command, reason } of examples.flatMap((example) => example.notRun)) {
      expect(`${command}: ${reason}`).toMatch(/: \S/);
    }
  });

  it.each(runnable.map((example) => [`${example.heading} (README line ${example.line})`, example] as const))(
    '%s',
    async (_name, example) => {
      const { code, output } = await runBlock(example);
      const report = `${example.script}\n--- output ---\n${output}`;

      expect({ code, report }).toEqual({ code: 0, report });
      // An API refusal still exits 0 for curl: its {"error": "..."} body fails the example.
      expect(output).not.toMatch(/\{"error":/);
      for (const expected of example.expectedOutputs) expect(output).toContain(expected);
    },
    300_000,
  );
});
