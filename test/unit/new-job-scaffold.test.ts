import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JOBS } from '../../lib/jobs';
import { ALARMS_PER_JOB, addJobToReadme, addRegistryEntry, METRICS_PER_JOB } from '../../ops/job-scaffold-edits';
import { registryEntry, stringLiteral } from '../../ops/job-scaffold-files';
import { newJobProblem } from '../../ops/new-job';

/** The edits and checks of `npm run new-job`; test/integration/new-job.test.ts runs the whole command in a copy. */
const ROOT = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const job = { id: 'visitor-report', title: "Visitor report: yesterday's visits", cron: '30 6 * * 1-5' };

const counts = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((match) => Number(match[1]));

describe('new-job', () => {
  it('refuses a taken id, an invalid id, a function name and a bad cron before writing anything', () => {
    expect(newJobProblem({ ...job, id: 'ftp-export' }, JOBS, ROOT)).toBe(
      'job "ftp-export" already exists in lib/jobs.ts',
    );
    expect(newJobProblem({ ...job, id: 'Visitor_Report' }, JOBS, ROOT)).toMatch(/must be kebab-case/);
    expect(newJobProblem({ ...job, id: 'job-monitor' }, JOBS, ROOT)).toMatch(/taken by a nightshift function/);
    expect(newJobProblem({ ...job, cron: '0 3 1 * 1' }, JOBS, ROOT)).toMatch(/^--cron: .*day-of-month and day-of-week/);
    expect(newJobProblem({ ...job, id: 'shared' }, JOBS, ROOT)).toBe(
      'lambdas/shared/ already exists; choose another id',
    );
    expect(newJobProblem(job, JOBS, ROOT)).toBeUndefined();
  });

  it('appends the registry entry as the last element of JOBS', () => {
    const source = readFileSync(path.join(ROOT, 'lib/jobs.ts'), 'utf8');
    const edited = addRegistryEntry(source, registryEntry(job));

    expect(edited.indexOf("id: 'visitor-report'")).toBeGreaterThan(edited.indexOf("id: 'daily-parquet'"));
    expect(edited).toContain(`title: "Visitor report: yesterday's visits",\n`);
    expect(edited).toContain(`${registryEntry(job)}];\n`);
    expect(() => addRegistryEntry('export const OTHER = [];\n', registryEntry(job))).toThrow(/cannot find/);
  });

  it('quotes as the formatter does', () => {
    expect(stringLiteral('plain')).toBe("'plain'");
    expect(stringLiteral("it's")).toBe(`"it's"`);
    expect(stringLiteral(`it's "both"`)).toBe(`'it\\'s "both"'`);
  });

  it('adds the README row, the job count and a job’s alarms and metrics to every cost column', () => {
    const edited = addJobToReadme(readme, job);
    expect(counts(readme, /(\d+) alarms \$/g)).toHaveLength(4);
    expect(counts(readme, /~(\d+) metrics \$/g)).toHaveLength(4);

    expect(edited).toContain(
      `| \`${job.id}\` | \`30 6 * * 1-5\` | Visitor report: yesterday's visits | [docs/${job.id}.md](docs/${job.id}.md) |`,
    );
    expect(counts(edited, /\((\d+) jobs today\)/g)).toEqual(counts(readme, /\((\d+) jobs today\)/g).map((n) => n + 1));
    expect(counts(edited, /(\d+) alarms \$/g)).toEqual(
      counts(readme, /(\d+) alarms \$/g).map((n) => n + ALARMS_PER_JOB),
    );
    expect(counts(edited, /~(\d+) metrics \$/g)).toEqual(
      counts(readme, /~(\d+) metrics \$/g).map((n) => n + METRICS_PER_JOB),
    );
    // Five alarms ($0.50) and four metrics ($1.20) more: every total rises by about $1.70.
    const totals = (text: string) => counts(text, /\*\*≈ \$(\d+)-\d+\*\*/g);
    totals(edited).forEach((low, column) => {
      expect(low - totals(readme)[column]).toBeGreaterThanOrEqual(1);
      expect(low - totals(readme)[column]).toBeLessThanOrEqual(2);
    });
    expect(() => addJobToReadme('# no tables here\n', job)).toThrow(/README\.md: cannot find/);
  });
});
