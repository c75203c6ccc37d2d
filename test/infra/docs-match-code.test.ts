import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../lib/config';
import { OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { REPO_ROOT } from '../../lib/constructs/nightshift-function';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const importMode = {
  network: '{"mode":"import","vpcId":"vpc-0a1b2c3d","privateSubnetIds":["subnet-0a1b2c3d"]}',
  database:
    '{"mode":"import","host":"db","databaseName":"app","secretArn":"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-AbCdEf"}',
};

describe('the README and the runbooks match the code', () => {
  it('documents every config key in the configuration table', () => {
    const keys = Object.keys(configSchema.shape).filter((key) => key !== 'stage');
    expect(keys.filter((key) => !readme.includes(`| \`${key}\` |`))).toEqual([]);
  });

  it('gives every alarm a runbook anchor that exists, and counts alarms as the cost table does', () => {
    const created = buildTestApp({ jobs: JOBS });
    const imported = buildTestApp({ jobs: JOBS, context: importMode });
    for (const alarm of [...OnCallAlarm.all(created.app), ...OnCallAlarm.all(imported.app)]) {
      // Further reading is optional: every alarm's own section is in docs/runbook.md (test/unit/runbook.test.ts).
      if (!alarm.spec.text.runbook) continue;
      const [file, anchor] = alarm.spec.text.runbook.split('#');
      expect(existsSync(path.join(REPO_ROOT, file))).toBe(true);
      expect(readFileSync(path.join(REPO_ROOT, file), 'utf8')).toContain(`id="${anchor}"`);
    }
    // README: monitor 4 + HTTP job scheduler 3 + database 3 + manual trigger 2 + five per job ("Each further job adds five alarms").
    expect(OnCallAlarm.all(created.app)).toHaveLength(12 + 5 * JOBS.length);
    expect(OnCallAlarm.all(imported.app)).toHaveLength(9 + 5 * JOBS.length);
    expect(readme).toContain('Each further job adds five alarms');
    // The cost table's counts are today's.
    expect(readme).toContain(`${OnCallAlarm.all(created.app).length} alarms $`);
    expect(readme).toContain(`same, ${OnCallAlarm.all(imported.app).length} alarms $`);
    expect(readme).toContain(`(${JOBS.length} jobs today)`);
  });
});
