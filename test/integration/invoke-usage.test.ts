import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createMessagesTable } from '../../local/daily-parquet-local';
import { runNode } from '../support/run-process';
import { dynamoClient, s3Client, uniqueName } from '../support/services';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
/** No `npm start` lives here: invoke uses only the endpoints the test gives it. */
const NO_LOCAL_MODE = mkdtempSync(path.join(os.tmpdir(), 'nightshift-invoke-'));

/** `npm run invoke -- <args>` without npm's own output. */
function invoke(args: string[], env: Record<string, string> = {}) {
  return runNode([...SCRIPTS.invoke.split(/\s+/).slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, NIGHTSHIFT_LOCAL_DIR: NO_LOCAL_MODE, ...env },
  });
}

describe('npm run invoke usage and errors', () => {
  it('prints the usage with --help, exit 0', async () => {
    const { code, stdout, stderr } = await invoke(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^usage: npm run invoke -- <job>/);
    expect(stdout).toMatch(/one of: .*daily-parquet/);
  });

  it('refuses an unknown option in one line pointing at --help, exit 2', async () => {
    const { code, stderr } = await invoke(['job-watchdog', '--dry']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^invoke: Unknown option '--dry'.*\(npm run invoke -- --help\)$/m);
  });

  it('refuses a payload value the job rejects in one line naming the field, exit 2, no stack trace', async () => {
    const { code, stdout, stderr } = await invoke(['daily-parquet', '{"target_date":"2025-08-1"}'], {
      JOB_STATUS_TABLE: '',
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('note:')),
    ).toEqual([
      'invoke: daily-parquet: invalid payload: payload.target_date: "2025-08-1" is not a date like 2025-08-11',
    ]);
  });

  it('says which tenants local mode has when the payload names one without messages', async () => {
    const table = uniqueName('invoke-messages');
    const bucket = uniqueName('invoke-analytics');
    const dynamo = dynamoClient();
    await createMessagesTable(dynamo, table);
    dynamo.destroy();
    const s3 = s3Client();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();

    const { code, stdout, stderr } = await invoke(
      ['daily-parquet', '{"target_date":"2025-08-11","tenants":["acme"]}'],
      {
        MESSAGES_TABLE: table,
        ANALYTICS_BUCKET: bucket,
        TENANT_ID: 'demo',
        JOB_STATUS_TABLE: '',
      },
    );

    expect(JSON.parse(stdout)).toMatchObject({ jobId: 'daily-parquet', status: 'success' });
    expect(code).toBe(0);
    expect(stderr.trim()).toBe('note: local mode has messages only for tenants demo (TENANT_ID); none for acme');
  });
});
