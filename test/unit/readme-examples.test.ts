import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeExamples } from '../support/readme-examples';

const fence = '```';
const sample = [
  '## Start',
  '',
  '<!-- not run by the README test: reinstalls everything -->',
  `${fence}bash`,
  'npm ci && npm start',
  fence,
  '',
  '## Use',
  '',
  `${fence}bash`,
  'SCHEDULER_ADMIN_TOKEN=dev-admin npm start   # in one terminal',
  '# deployed (needs AWS)',
  'aws lambda invoke --function-name f \\',
  "  --payload '{}' out.json",
  '',
  "npm run invoke -- job-watchdog '{}'",
  'npm run invoke -- youtube-sync \'{"replay_run":"<run id>"}\'   # no quota (not run by the README test: takes a run id)',
  'curl -sS -X POST "$URL/jobs/hello/pause"   # → {"job_id":"hello","status":"paused"}',
  'curl -sS "$URL/jobs"   # → {"job_id":"…"}',
  fence,
  '',
  `${fence}sql`,
  'SELECT 1;',
  fence,
].join('\n');

describe("the README examples' reader", () => {
  const [start, use, ...rest] = readmeExamples(sample);

  it('reads only bash blocks, with their heading and line', () => {
    expect(rest).toEqual([]);
    expect(start).toMatchObject({ heading: 'Start', line: 4 });
    expect(use).toMatchObject({ heading: 'Use', line: 10 });
  });

  it('leaves out a block marked before it, a paragraph after a "needs AWS" comment, and a line marked itself', () => {
    expect(start.notRun).toEqual([{ command: 'npm ci && npm start', reason: 'reinstalls everything' }]);
    expect(use.notRun).toEqual([
      { command: "aws lambda invoke --function-name f \\\n--payload '{}' out.json", reason: 'needs AWS' },
      {
        command: expect.stringContaining('youtube-sync'),
        reason: 'takes a run id',
      },
    ]);
    const commands = use.script.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    expect(commands).toEqual([
      "npm run invoke -- job-watchdog '{}'",
      expect.stringMatching(/^curl .*pause/),
      expect.stringMatching(/^curl .*\/jobs"/),
    ]);
  });

  it('takes the variables of npm start lines for the local mode it starts, and the outputs a block promises', () => {
    expect(use.startEnv).toEqual({ SCHEDULER_ADMIN_TOKEN: 'dev-admin' });
    expect(use.expectedOutputs).toEqual(['{"job_id":"hello","status":"paused"}']);
  });

  it('finds in the README itself every aws command and --stage prod command marked as needing AWS', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const examples = readmeExamples(readme);
    const run = examples.flatMap((example) => example.script.split('\n'));
    const notRun = examples.flatMap((example) => example.notRun);

    const needsAws = (line: string) =>
      /^\s*(aws |npx cdk )/.test(line) || (/--stage prod\b/.test(line) && !line.includes('--print-aws'));
    expect(run.filter(needsAws)).toEqual([]);
    expect(notRun.filter(({ command }) => /^aws /.test(command)).length).toBeGreaterThanOrEqual(3);
    expect(run.filter((line) => /^npm run (invoke|ops) /.test(line)).length).toBeGreaterThanOrEqual(8);
  });
});
