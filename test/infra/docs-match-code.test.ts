import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../lib/config';
import { OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { REPO_ROOT } from '../../lib/constructs/nightshift-function';
import { JOBS } from '../../lib/jobs';
import { amountsIn } from '../../ops/job-scaffold-edits';
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
    // README: monitor 5 + HTTP job scheduler 3 + database 3 + manual trigger 2 + five per job ("Each further job adds five alarms").
    expect(OnCallAlarm.all(created.app)).toHaveLength(13 + 5 * JOBS.length);
    expect(OnCallAlarm.all(imported.app)).toHaveLength(10 + 5 * JOBS.length);
    expect(readme).toContain('Each further job adds five alarms');
    // The cost table's counts are today's: three columns with a created database, one imported.
    const alarmCost = (count: number) => `${count} alarms $${(count * 0.1).toFixed(2)}`;
    const monitoring = costTable().rows.monitoring;
    expect(monitoring.slice(0, 3).every((cell) => cell.includes(alarmCost(OnCallAlarm.all(created.app).length)))).toBe(
      true,
    );
    expect(monitoring[3]).toContain(alarmCost(OnCallAlarm.all(imported.app).length));
    expect(readme).toContain(`(${JOBS.length} jobs today)`);
  });

  it('adds up every column of the cost table to the total it shows (rounded to whole dollars)', () => {
    const { rows, totals } = costTable();
    const sums = totals.map((_, column) =>
      Object.values(rows).reduce(
        (sum, cells) => {
          const [low, high] = amountsIn(cells[column]);
          return [sum[0] + low, sum[1] + high];
        },
        [0, 0],
      ),
    );

    expect(sums.map(([low, high]) => `≈ $${Math.round(low)}-${Math.round(high)}`)).toEqual(totals);
    expect(Object.keys(rows)).toEqual(['egress', 'database', 'monitoring']);
  });
});

/** The README's idle-cost table: the cells of each row by column, and the totals row. */
function costTable(): { rows: Record<string, string[]>; totals: string[] } {
  const section = readme.slice(readme.indexOf('### What a stage costs idle')).split('\n');
  const first = section.findIndex((line) => line.startsWith('|'));
  const end = section.findIndex((line, index) => index > first && !line.startsWith('|'));
  const lines = section.slice(first, end);
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
  const body = lines.slice(2).map(cells);
  const totalsRow = body.find(([label]) => label === '**total**');
  if (!totalsRow) throw new Error('the cost table has no **total** row');
  return {
    rows: Object.fromEntries(body.filter((row) => row !== totalsRow).map(([label, ...rest]) => [label, rest])),
    totals: totalsRow.slice(1).map((cell) => cell.replace(/\*\*/g, '')),
  };
}
