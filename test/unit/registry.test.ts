import { toEventBridgeCron } from '../../lib/cron';
import { functionNameFor, type JobSpec, rerunCommand, validateRegistry } from '../../lib/job-spec';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';
import { TEST_JOBS } from '../support/test-registry';

describe('cron conversion for EventBridge Scheduler', () => {
  it.each([
    ['*/15 * * * *', 'cron(*/15 * * * ? *)'],
    ['0 0,12,18 * * *', 'cron(0 0,12,18 * * ? *)'],
    ['0 2 * * *', 'cron(0 2 * * ? *)'],
    ['30 9 * * 1-5', 'cron(30 9 ? * MON-FRI *)'],
    ['0 8 * * 0', 'cron(0 8 ? * SUN *)'],
    ['0 8 * * 7', 'cron(0 8 ? * SUN *)'],
    ['0 3 1 * *', 'cron(0 3 1 * ? *)'],
  ])('turns %s into %s', (cron, expected) => {
    expect(toEventBridgeCron(cron)).toBe(expected);
  });

  it('rejects crons that EventBridge cannot express or that are malformed', () => {
    expect(() => toEventBridgeCron('0 3 1 * 1')).toThrow(/both day-of-month and day-of-week/);
    expect(() => toEventBridgeCron('0 3 * *')).toThrow(/must have 5 fields/);
  });
});

describe('job registry', () => {
  const valid = TEST_JOBS[1];

  it('holds only valid entries', () => {
    expect(() => validateRegistry(JOBS)).not.toThrow();
    expect(() => validateRegistry(TEST_JOBS)).not.toThrow();
  });

  it('names each problem of a bad entry', () => {
    const bad: JobSpec[] = [
      { ...valid, id: 'Bad_Id', schedules: [] },
      { ...valid, id: 'twice' },
      { ...valid, id: 'twice', timeoutSeconds: 901, secrets: ['database'], inVpc: false },
      { ...valid, id: 'crons', schedules: [{ name: 'a', cron: '* * *' }] },
    ];
    expect(() => validateRegistry(bad)).toThrow(
      /"Bad_Id" must be kebab-case[\s\S]*Bad_Id: needs at least one schedule[\s\S]*"twice" is registered twice[\s\S]*timeoutSeconds[\s\S]*must run inVpc[\s\S]*cron "\* \* \*" must have 5 fields/,
    );
  });

  it('refuses a job id that a nightshift function already uses, and a backfill field that is no payload field', () => {
    expect(() => validateRegistry([{ ...valid, id: 'manual-trigger' }])).toThrow(
      /"manual-trigger" is taken by a nightshift function/,
    );
    expect(() => validateRegistry([{ ...valid, backfill: { field: 'Slot Time', unit: 'slot' } }])).toThrow(
      /backfill\.field "Slot Time" must be a payload field name/,
    );
  });

  it('refuses, naming the job, a schedule whose EventBridge Scheduler name would pass 64 characters or use other characters', () => {
    const id = 'a-job-with-a-rather-long-descriptive-id'; // 39 characters, a valid job id
    const fits = { ...valid, id, schedules: [{ name: 'x'.repeat(64 - id.length - 1), cron: '0 9 * * *' }] };
    expect(() => validateRegistry([fits])).not.toThrow();

    const tooLong = { ...fits, schedules: [{ name: 'every-weekday-morning-jst', cron: '0 9 * * 1-5' }] };
    expect(() => validateRegistry([tooLong])).toThrow(
      `job ${id}: schedule every-weekday-morning-jst: its EventBridge Scheduler name "${id}-every-weekday-morning-jst" has 65 characters, over the 64 allowed`,
    );
    expect(() => validateRegistry([{ ...valid, schedules: [{ name: 'at 9', cron: '0 9 * * *' }] }])).toThrow(
      /job sample-outside: schedule "at 9": EventBridge Scheduler names allow letters, digits/,
    );
  });

  it('stops synthesis of a stage with such a registry, whatever registry the app is given', () => {
    const long = { ...valid, schedules: [{ name: 'n'.repeat(60), cron: '0 9 * * *' }] };
    expect(() => buildTestApp({ jobs: [long] })).toThrow(
      /job sample-outside: schedule n+: its EventBridge Scheduler name/,
    );
  });

  it('derives function names and the re-run command from stage and job id', () => {
    expect(functionNameFor('prod', 'ftp-export')).toBe('nightshift-prod-ftp-export');
    expect(
      rerunCommand('prod', { id: 'ftp-export', defaultPayload: { slot: '2025-08-11T09:15' } }, 'ap-northeast-1'),
    ).toBe(
      'aws lambda invoke --function-name nightshift-prod-ftp-export --region ap-northeast-1 --cli-binary-format raw-in-base64-out --payload \'{"slot":"2025-08-11T09:15"}\' out.json && cat out.json',
    );
  });
});
