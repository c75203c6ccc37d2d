import { readFileSync } from 'node:fs';
import { OnCallAlarm } from '../../lib/constructs/alarm-factory';
import { JOBS } from '../../lib/jobs';
import { renderRunbook } from '../../ops/runbook';
import { buildStages } from '../../ops/runbook-model';
import { RUNBOOK_FILE } from '../../ops/write-runbook';

const committed = readFileSync(RUNBOOK_FILE, 'utf8');
const stages = buildStages(JOBS);
const alarms = stages.flatMap(({ app }) => OnCallAlarm.all(app));
/** The text of one alarm's section, from its anchor to the next. */
const sectionOf = (anchor: string) => {
  const start = committed.indexOf(`<a id="${anchor}"></a>`);
  const next = committed.indexOf('<a id="', start + 1);
  return start < 0 ? '' : committed.slice(start, next < 0 ? undefined : next);
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the runbook (docs/runbook.md)', () => {
  it('is what `npm run runbook` writes from the registry and the alarm factory today (run it when this fails)', () => {
    expect(committed).toBe(renderRunbook(JOBS));
  });

  it('has a section for every alarm of every stage, and every alarm links its section', () => {
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) {
      expect(sectionOf(alarm.spec.name)).toContain(`### \`nightshift-$STAGE-${alarm.spec.name}\``);
      expect(alarm.descriptionText).toMatch(
        new RegExp(`\\nRunbook: ${escapeRegExp(`docs/runbook.md#${alarm.spec.name}`)}$`),
      );
    }
    expect(sectionOf('unhealthy')).toContain('the pager alarm');
  });

  it('covers every registry job: errors, duration, throttles and undelivered, with its log group, the failed-run query, re-run and pause', () => {
    for (const job of JOBS) {
      for (const kind of ['errors', 'duration', 'throttles', 'undelivered']) {
        const section = sectionOf(`${job.id}-${kind}`);
        expect(section).toContain(`- Log group: \`/aws/lambda/nightshift-$STAGE-${job.id}\``);
        expect(section).toContain('aws logs start-query');
        expect(section).toContain(
          `npm run ops -- rerun ${job.id} '${JSON.stringify(job.defaultPayload)}' --stage $STAGE`,
        );
        expect(section).toContain(`npm run ops -- pause ${job.id} --stage $STAGE`);
        expect(section).toContain('**Who else is affected:**');
      }
    }
  });

  it('covers the job monitor and API alarms, and names the jobs a database alarm affects', () => {
    for (const name of ['job-reported-error', 'job-late', 'api-server-errors', 'api-function-errors']) {
      expect(sectionOf(name)).toContain('/aws/lambda/nightshift-$STAGE-job-monitor');
    }
    const databaseUsers = JOBS.filter((job) => job.secrets?.includes('database')).map((job) => `\`${job.id}\``);
    expect(sectionOf('database-cpu')).toContain(`Every job that uses the database: ${databaseUsers.join(', ')}`);
  });

  it('documents an alarm that only some config creates (the webhook dead letters), saying when it exists', () => {
    const section = sectionOf('alarm-webhook-dead-letters');
    expect(section).toContain('### `nightshift-$STAGE-alarm-webhook-dead-letters`');
    expect(section).toContain('Only when the stage configures `notifications.webhooks`.');
    expect(section).toContain('`aws sqs get-queue-url --queue-name nightshift-$STAGE-alarm-webhooks-dlq`');
    expect(section).toContain('e-mail and chat subscribers got it');
    expect(section).not.toContain('Only in stage');
  });

  it('says who else a job failure affects from what the registry shares', () => {
    expect(sectionOf('ftp-export-errors')).toContain('[`job-late-ftp-export`](#job-late-ftp-export)');
  });

  it('grows with the registry: a new job gets its sections without anyone listing them', () => {
    const newJob = { ...JOBS[0], id: 'new-nightly', title: 'A new nightly job', watchesRegistry: false };
    const text = renderRunbook([...JOBS, newJob]);
    expect(text).toContain('<a id="new-nightly-errors"></a>');
    expect(text).toContain('npm run ops -- pause new-nightly --stage $STAGE');
    expect(committed).not.toContain('new-nightly');
  });
});
