import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs jest in a child process on one file of one project; resolves with the exit code. */
function runJest(project: string, file: string, marker: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--selectProjects', project, '--runTestsByPath', file],
      { cwd: ROOT, env: { ...process.env, NIGHTSHIFT_SERVICES_STARTED_MARKER: marker }, stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe('jest projects', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-jest-projects-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the unit project without starting any local service', async () => {
    const marker = path.join(dir, 'started');

    const code = await runJest('unit', 'test/unit/registry.test.ts', marker);

    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});
