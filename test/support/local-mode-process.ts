import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningLocalMode, readRunningLocalMode } from '../../local/local-env';

/**
 * A real `npm start` for tests that exercise local mode as a newcomer meets it (ops against local mode,
 * the README's examples, Swagger UI's examples). Each such test file starts its own, in its own temporary
 * .local on free ports: they change local mode's state (pause schedules, delete jobs), so sharing one would
 * make them depend on each other's order. The jest services are not used: local mode embeds its own.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const START_ARGS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts.start
  .split(/\s+/)
  .slice(1);
const READY_LINE = /Ctrl-C stops everything/;
const READY_WITHIN_MS = 150_000;

/** The jest services' endpoints would win over local mode's own: they never reach a started local mode. */
const JEST_SERVICE_VARIABLES = ['DATABASE_URL', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT', 'JOB_STATUS_TABLE'];

export interface LocalModeOptions {
  /** Names the temporary folder, to tell runs apart when one is left behind. */
  name: string;
  /** Variables set for npm start (and for commands run beside it). */
  env?: Record<string, string>;
  /** Variables removed besides the jest services' (e.g. HTTP_JOBS_ALLOW_HOSTS for a plain npm start). */
  unset?: string[];
  /** Start through `npm start` itself, as the README says, instead of the node command it runs. */
  throughNpm?: boolean;
}

export interface LocalMode {
  localDir: string;
  /** The environment local mode runs with: commands run with it find this local mode. */
  env: NodeJS.ProcessEnv;
  apiUrl: string;
  /** What npm start published in its .local (its API URL, secrets and tokens). */
  running: RunningLocalMode;
  /** Everything npm start printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startLocalMode(options: LocalModeOptions): Promise<LocalMode> {
  const localDir = mkdtempSync(path.join(os.tmpdir(), `nightshift-${options.name}-`));
  // Embedded PostgreSQL may run as another user (when tests run as root): it must reach its data folder.
  chmodSync(localDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, NIGHTSHIFT_LOCAL_DIR: localDir, PORT: '0', ...options.env };
  for (const name of [...JEST_SERVICE_VARIABLES, ...(options.unset ?? [])]) delete env[name];

  const start: ChildProcessWithoutNullStreams = options.throughNpm
    ? spawn('npm', ['start'], { cwd: ROOT, env, detached: true })
    : spawn(process.execPath, START_ARGS, { cwd: ROOT, env });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  start.stdout.on('data', collect);
  start.stderr.on('data', collect);

  const stop = async () => {
    if (start.pid && start.exitCode === null) {
      const exited = new Promise((resolve) => start.once('exit', resolve));
      // Through npm, the whole process group: npm and the local mode it started.
      if (options.throughNpm) process.kill(-start.pid, 'SIGINT');
      else start.kill('SIGTERM');
      await exited;
    }
    rmSync(localDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_WITHIN_MS;
  while (!READY_LINE.test(output)) {
    if (start.exitCode !== null) {
      await stop();
      throw new Error(`npm start exited ${start.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not get ready within ${READY_WITHIN_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const running = readRunningLocalMode(localDir);
  if (!running?.apiUrl) {
    await stop();
    throw new Error(`npm start published no API URL in ${localDir}`);
  }
  return { localDir, env, apiUrl: running.apiUrl, running, output: () => output, stop };
}
