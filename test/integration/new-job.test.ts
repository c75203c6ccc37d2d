import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { JobSpec } from '../../lib/job-spec';
import type { TestApp } from '../support/build-test-app';
import { runNode } from '../support/run-process';

/**
 * `npm run new-job` in a temporary copy of the repository (its tracked and untracked files, node_modules
 * linked): the new job typechecks and lints, the tests that cover the registry pass there (the whole
 * `npm test` would take too long inside the suite), its stacks carry its schedule, log group, alarms and
 * dashboard row, and `npm run invoke` runs it.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const nodeArgs = (script: string) => SCRIPTS[script].split(/\s+/).slice(1);

const JOB = 'visitor-report';
const TITLE = '来訪者レポート: daily visitors';
/** The tests of the registry, its runbook and docs, and of the layout; the job's own test is added below. */
const REGISTRY_TESTS = [
  'test/unit/registry.test.ts',
  'test/unit/runbook.test.ts',
  'test/unit/docs.test.ts',
  'test/unit/component-imports.test.ts',
  'test/infra/registry-jobs.test.ts',
  'test/infra/docs-match-code.test.ts',
];

const copy = mkdtempSync(path.join(os.tmpdir(), 'nightshift-new-job-'));
const inCopy = (file: string) => path.join(copy, file);
const env = { ...process.env, NIGHTSHIFT_LOCAL_DIR: inCopy('.local'), JOB_STATUS_TABLE: '' };
const run = (script: string, args: string[], timeoutMs = 120_000) =>
  runNode([...nodeArgs(script), ...args], { cwd: copy, env, timeoutMs });

/** The files new-job edits, and the folders it writes into (names only). */
function whatNewJobWrites(): Record<string, string> {
  const edited = ['lib/jobs.ts', 'README.md', 'docs/runbook.md'];
  const folders = ['lambdas', 'docs', 'test/unit'];
  return Object.fromEntries([
    ...edited.map((file) => [file, readFileSync(inCopy(file), 'utf8')]),
    ...folders.map((folder) => [folder, readdirSync(inCopy(folder)).sort().join('\n')]),
  ]);
}

let scaffolded: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && existsSync(path.join(ROOT, file)) && !file.startsWith('node_modules'));
  for (const file of files) {
    mkdirSync(path.dirname(inCopy(file)), { recursive: true });
    cpSync(path.join(ROOT, file), inCopy(file));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), inCopy('node_modules'));
  scaffolded = await run('new-job', [JOB, '--title', TITLE, '--cron', '30 6 * * 1-5']);
}, 120_000);

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run new-job', () => {
  it('writes the job, its test, its docs page, its registry entry, README row and runbook sections', () => {
    expect(scaffolded.stderr).toBe('');
    expect(scaffolded.code).toBe(0);
    for (const file of [
      `lambdas/${JOB}/handler.ts`,
      `lambdas/${JOB}/${JOB}-job.ts`,
      `lambdas/${JOB}/run-${JOB}.ts`,
      `test/unit/${JOB}.test.ts`,
      `docs/${JOB}.md`,
    ]) {
      expect(existsSync(inCopy(file))).toBe(true);
    }
    expect(readFileSync(inCopy('lib/jobs.ts'), 'utf8')).toContain(`entry: 'lambdas/${JOB}/handler.ts'`);
    expect(readFileSync(inCopy('README.md'), 'utf8')).toContain(`| [docs/${JOB}.md](docs/${JOB}.md) |`);
    expect(readFileSync(inCopy('docs/runbook.md'), 'utf8')).toContain(`<a id="${JOB}-errors"></a>`);
  });

  it.each([
    ['ftp-export', 'job "ftp-export" already exists in lib/jobs.ts'],
    [JOB, `job "${JOB}" already exists in lib/jobs.ts`],
    ['Visitor_Report', 'job id "Visitor_Report" must be kebab-case, 3-40 characters'],
    ['manual-trigger', 'job id "manual-trigger" is taken by a nightshift function of the same name'],
  ])('refuses %s in one line, exit 2, writing nothing', async (id, reason) => {
    const before = whatNewJobWrites();

    const { code, stdout, stderr } = await run('new-job', [id]);

    expect(stderr).toBe(`new-job: ${reason}; nothing written\n`);
    expect(stdout).toBe('');
    expect(code).toBe(2);
    expect(whatNewJobWrites()).toEqual(before);
  });

  it('prints its usage with --help, and refuses an unknown option in one line, exit 2', async () => {
    const help = await run('new-job', ['--help']);
    expect(help.stdout).toMatch(/^usage: npm run new-job -- <id>/);
    expect(help.code).toBe(0);

    const unknown = await run('new-job', ['nightly-thing', '--schedule', 'daily']);
    expect(unknown.stderr).toMatch(/^new-job: Unknown option '--schedule'.*\(npm run new-job -- --help\)\n$/);
    expect(unknown.code).toBe(2);
  });

  it('refuses a cron that EventBridge cannot run, naming the option', async () => {
    const refused = 'nightly-thing';
    const { code, stderr } = await run('new-job', [refused, '--cron', '0 3 * *']);

    expect(stderr).toMatch(/^new-job: --cron: .*5 fields.*; nothing written\n$/);
    expect(code).toBe(2);
    expect(existsSync(inCopy(`lambdas/${refused}`))).toBe(false);
    expect(existsSync(inCopy(`docs/${refused}.md`))).toBe(false);
  });

  it('puts everything back when a step after the first write fails', async () => {
    const runbookWriter = readFileSync(inCopy('ops/write-runbook.ts'), 'utf8');
    const before = whatNewJobWrites();
    writeFileSync(inCopy('ops/write-runbook.ts'), "throw new Error('runbook writer broken');\n");
    try {
      const { code, stderr } = await run('new-job', ['half-done']);

      expect(stderr).toMatch(/^new-job: npm run runbook failed, nothing written:[\s\S]*runbook writer broken/);
      expect(code).toBe(1);
      expect(whatNewJobWrites()).toEqual(before);
      expect(existsSync(inCopy('lambdas/half-done'))).toBe(false);
    } finally {
      writeFileSync(inCopy('ops/write-runbook.ts'), runbookWriter);
    }
  });

  it('leaves a repository that typechecks, lints, and passes the registry, runbook, docs and the job’s own tests', async () => {
    const typecheck = await runNode([inCopy('node_modules/typescript/bin/tsc'), '--noEmit'], { cwd: copy, env });
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    const lint = await runNode([inCopy('node_modules/@biomejs/biome/bin/biome'), 'check', '.'], { cwd: copy, env });
    expect(lint.code).toBe(0);

    const jest = await runNode(
      [inCopy('node_modules/jest/bin/jest.js'), ...REGISTRY_TESTS, `test/unit/${JOB}.test.ts`, '--ci'],
      { cwd: copy, env, timeoutMs: 300_000 },
    );
    expect(jest.stderr).toMatch(`PASS unit test/unit/${JOB}.test.ts`);
    expect(jest.stderr).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(jest.code).toBe(0);
  }, 360_000);

  it('synthesizes its schedule, log group, alarms and dashboard row', () => {
    const { JOBS } = require(inCopy('lib/jobs.ts')) as { JOBS: readonly JobSpec[] };
    const { buildTestApp } = require(inCopy('test/support/build-test-app.ts')) as {
      buildTestApp: (options: { jobs: readonly JobSpec[]; nag: boolean }) => TestApp;
    };
    const { stacks } = buildTestApp({ jobs: JOBS, nag: false });
    const jobs = Template.fromStack(stacks.jobs);

    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `${JOB}-default`,
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
    });
    jobs.hasResourceProperties('AWS::Lambda::Function', { FunctionName: `nightshift-dev-${JOB}` });
    jobs.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/nightshift-dev-${JOB}` });
    for (const kind of ['errors', 'duration', 'throttles', 'undelivered']) {
      jobs.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `nightshift-dev-${JOB}-${kind}` });
    }
    Template.fromStack(stacks.api).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `nightshift-dev-job-late-${JOB}`,
    });
    const dashboard = JSON.stringify(jobs.findResources('AWS::CloudWatch::Dashboard'));
    for (const widget of ['runs', 'duration (ms)', 'rows processed']) {
      expect(dashboard).toContain(`nightshift-dev-${JOB}: ${widget}`);
    }
    const [errorsAlarm] = Object.keys(
      jobs.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `nightshift-dev-${JOB}-errors` } }),
    );
    expect(dashboard).toContain(JSON.stringify({ 'Fn::GetAtt': [errorsAlarm, 'Arn'] }));
  });

  it('runs through npm run invoke', async () => {
    const { code, stdout } = await run('invoke', [JOB, '{"target_date":"2025-08-11"}']);

    expect(JSON.parse(stdout)).toMatchObject({
      jobId: JOB,
      status: 'success',
      message: '2025-08-11: 0 items',
      details: { target_date: '2025-08-11' },
    });
    expect(code).toBe(0);
  });
});
