/**
 * `npm run new-job -- <id> [--title "<one line>"] [--cron "<five-field cron>"]`: adds a scheduled job
 * in one step, laid out as docs/architecture.md describes: its registry entry (lib/jobs.ts),
 * lambdas/<id>/ (thin handler, the job's definition and ports, a pure core), a unit test, its docs page,
 * its row in the README, and its sections in docs/runbook.md (regenerated). Writes nothing when the id
 * is taken or invalid (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cronProblem } from '../lib/cron';
import { type JobSpec, jobIdProblem, validateRegistry } from '../lib/job-spec';
import { JOBS } from '../lib/jobs';
import { addJobToReadme, addRegistryEntry } from './job-scaffold-edits';
import {
  NEW_JOB_MEMORY_MB,
  NEW_JOB_SCHEDULE_NAME,
  NEW_JOB_TIMEOUT_SECONDS,
  type NewJob,
  registryEntry,
  scaffoldFiles,
} from './job-scaffold-files';

const REPO_ROOT = path.resolve(__dirname, '..');
const DEFAULT_CRON = '0 3 * * *';

const USAGE = `usage: npm run new-job -- <id> [--title "<one line>"] [--cron "<five-field cron>"]

Adds a scheduled job: its registry entry (lib/jobs.ts), lambdas/<id>/ (handler, job, core),
test/unit/<id>.test.ts, docs/<id>.md, its README row, and its docs/runbook.md sections.
  <id>      kebab-case, 3-40 characters, not taken by a job or a nightshift function
  --title   one line for alarms, the dashboard and the status page (default: "<id> (describe it)")
  --cron    five-field cron in Asia/Tokyo (default "${DEFAULT_CRON}", 3:00 daily)
Exit codes: 0 written, 2 usage (bad or taken id, bad cron): nothing written.`;

class UsageError extends Error {}

/** Why `job` cannot be added to this repository, or undefined. */
export function newJobProblem(job: NewJob, jobs: readonly JobSpec[], root: string): string | undefined {
  const idProblem = jobIdProblem(job.id);
  if (idProblem) return idProblem;
  if (jobs.some((existing) => existing.id === job.id)) return `job "${job.id}" already exists in lib/jobs.ts`;
  const badCron = cronProblem(job.cron);
  if (badCron) return `--cron: ${badCron}`;
  if (job.title.includes('\n') || job.title.includes('|')) return '--title: one line, without "|"';
  try {
    validateRegistry([...jobs, specOf(job)]);
  } catch (error) {
    return (error as Error).message.replace(/^Invalid job registry:\s*/, '');
  }
  const taken = Object.keys(scaffoldFiles(job)).find((file) => existsSync(path.join(root, file)));
  if (taken) return `${taken} already exists; choose another id`;
  if (existsSync(path.join(root, 'lambdas', job.id))) return `lambdas/${job.id}/ already exists; choose another id`;
  return undefined;
}

/** The registry entry as data: what registryEntry writes, for the registry's own checks. */
function specOf(job: NewJob): JobSpec {
  return {
    id: job.id,
    title: job.title,
    entry: `lambdas/${job.id}/handler.ts`,
    schedules: [{ name: NEW_JOB_SCHEDULE_NAME, cron: job.cron }],
    memoryMb: NEW_JOB_MEMORY_MB,
    timeoutSeconds: NEW_JOB_TIMEOUT_SECONDS,
    inVpc: false,
    scheduledTimeInPayload: true,
    defaultPayload: {},
    backfill: { field: 'target_date', unit: 'date' },
  };
}

/**
 * Writes every file and edit. The registry and README edits are computed before anything is written, and
 * a step that fails (the runbook, the formatter) puts back what was there: no half-added job is left.
 */
function writeJob(job: NewJob, root: string): string[] {
  const file = (relative: string) => path.join(root, relative);
  const edited = ['lib/jobs.ts', 'README.md', 'docs/runbook.md'];
  const before = new Map(edited.map((relative) => [relative, readFileSync(file(relative), 'utf8')]));
  const jobs = addRegistryEntry(before.get('lib/jobs.ts') ?? '', registryEntry(job));
  const readme = addJobToReadme(before.get('README.md') ?? '', job);
  const created = scaffoldFiles(job);
  const folder = file(`lambdas/${job.id}`);
  try {
    for (const [relative, text] of Object.entries(created)) {
      mkdirSync(path.dirname(file(relative)), { recursive: true });
      writeFileSync(file(relative), text, { flag: 'wx' });
    }
    writeFileSync(file('lib/jobs.ts'), jobs);
    writeFileSync(file('README.md'), readme);
    // A fresh process loads the registry just written, as `npm run runbook` would.
    run(root, ['--import', 'tsx', 'ops/write-runbook.ts'], 'npm run runbook');
    // The formatter orders imports by name, which depends on the id: let it have the last word.
    const biome = require.resolve('@biomejs/biome/bin/biome');
    run(root, [biome, 'check', '--write', ...Object.keys(created), 'lib/jobs.ts'], 'biome check --write');
  } catch (error) {
    for (const relative of Object.keys(created)) rmSync(file(relative), { force: true });
    rmSync(folder, { recursive: true, force: true });
    for (const [relative, text] of before) writeFileSync(file(relative), text);
    throw error;
  }
  return [...Object.keys(created), 'lib/jobs.ts (entry)', 'README.md (jobs table, cost table)', 'docs/runbook.md'];
}

function run(root: string, args: string[], name: string): void {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${name} failed, nothing written:\n${result.stdout}${result.stderr}`);
}

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseNewJobArgs>;
  try {
    parsed = parseNewJobArgs(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (npm run new-job -- --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one job id: npm run new-job -- <id> (--help for more)');
  const [id] = positionals;
  const job: NewJob = { id, title: values.title ?? `${id} (describe it)`, cron: values.cron ?? DEFAULT_CRON };
  const problem = newJobProblem(job, JOBS, REPO_ROOT);
  if (problem) throw new UsageError(`${problem}; nothing written`);

  for (const written of writeJob(job, REPO_ROOT)) console.log(`wrote ${written}`);
  console.log(`
next: npx jest test/unit/${id}.test.ts, then \`npm run invoke -- ${id}\` runs it here.
Give it its real source and output in lambdas/${id}/${id}-job.ts and grant them in lib/jobs.ts (docs/${id}.md).`);
  return 0;
}

function parseNewJobArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      title: { type: 'string' },
      cron: { type: 'string' },
    },
  });
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error(`new-job: ${(error as Error).message}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
