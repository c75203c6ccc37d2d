import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpsError } from '../../ops/ops-errors';
import { resolveTarget } from '../../ops/ops-target';

const stages = { dev: { region: 'ap-northeast-1' }, prod: { region: 'ap-northeast-1' } };

/** A .local folder as a running `npm start` leaves it, published by process `pid`. */
function localDirPublishedBy(pid: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ops-target-'));
  const env = { AWS_REGION: 'ap-northeast-1', JOB_STATUS_TABLE: 'nightshift-local-job-status' };
  writeFileSync(path.join(dir, 'env.json'), JSON.stringify({ pid, apiUrl: 'http://127.0.0.1:1', env }));
  return dir;
}

describe('ops target: local mode', () => {
  it('is chosen without --stage while npm start runs, and with --stage local', () => {
    const env = { NIGHTSHIFT_LOCAL_DIR: localDirPublishedBy(process.pid) };
    expect(resolveTarget({}, env, stages)).toMatchObject({ stage: 'local', local: { pid: process.pid } });
    expect(resolveTarget({ stage: 'local' }, env, stages)).toMatchObject({ stage: 'local' });
  });

  it('is not chosen when --stage names a deployed stage, or when npm start has stopped', () => {
    const running = { NIGHTSHIFT_LOCAL_DIR: localDirPublishedBy(process.pid) };
    expect(resolveTarget({ stage: 'prod' }, running, stages)).toEqual({ stage: 'prod', region: 'ap-northeast-1' });

    const stopped = { NIGHTSHIFT_LOCAL_DIR: localDirPublishedBy(2 ** 22 + 12345) }; // above Linux's pid_max
    expect(resolveTarget({}, stopped, stages)).toEqual({ stage: 'dev', region: 'ap-northeast-1' });
    expect(() => resolveTarget({ stage: 'local' }, stopped, stages)).toThrow(OpsError);
    expect(() => resolveTarget({ stage: 'local' }, stopped, stages)).toThrow(/local mode is not running/);
  });
});
