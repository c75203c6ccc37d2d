/**
 * The edits `npm run new-job` makes to existing files: the registry entry in lib/jobs.ts, and in the
 * README the jobs table, the job count and the idle-cost table (alarms and metrics a job adds, the
 * totals re-added as test/infra/docs-match-code.test.ts adds them). Each edit fails loudly when the
 * text it anchors on has moved, rather than writing a README that no longer matches the code.
 */
import type { NewJob } from './job-scaffold-files';

/** What one more registry job adds to a stage's idle cost (README: "Each further job adds ..."). */
export const ALARMS_PER_JOB = 5;
export const METRICS_PER_JOB = 4;
const ALARM_MONTHLY_USD = 0.1;
const METRIC_MONTHLY_USD = 0.3;

const REGISTRY_START = 'export const JOBS: readonly JobSpec[] = [\n';

/** lib/jobs.ts with `entry` (registryEntry's text) appended as the last element of JOBS. */
export function addRegistryEntry(source: string, entry: string): string {
  const start = source.indexOf(REGISTRY_START);
  const end = start < 0 ? -1 : source.indexOf('\n];\n', start);
  if (end < 0) throw new Error(`lib/jobs.ts: cannot find "${REGISTRY_START.trim()}" ... "];" to add the entry to`);
  return `${source.slice(0, end + 1)}${entry}${source.slice(end + 1)}`;
}

/** The README with the job in its jobs table, the job count and the idle-cost table updated. */
export function addJobToReadme(readme: string, job: NewJob): string {
  return updateCostTable(updateJobCount(addJobsTableRow(readme, job)));
}

function addJobsTableRow(readme: string, job: NewJob): string {
  const lines = readme.split('\n');
  const heading = lines.indexOf('## The jobs');
  const header = lines.findIndex((line, index) => index > heading && line.startsWith('| job |'));
  if (heading < 0 || header < 0) throw new Error('README.md: cannot find the "## The jobs" table');
  let last = header;
  while (lines[last + 1]?.startsWith('|')) last += 1;
  const row = `| \`${job.id}\` | \`${job.cron}\` | ${job.title} | [docs/${job.id}.md](docs/${job.id}.md) |`;
  lines.splice(last + 1, 0, row);
  return lines.join('\n');
}

function updateJobCount(readme: string): string {
  const pattern = /\((\d+) jobs today\)/;
  if (!pattern.test(readme)) throw new Error('README.md: cannot find "(<n> jobs today)"');
  return readme.replace(pattern, (_, count: string) => `(${Number(count) + 1} jobs today)`);
}

const money = (amount: number) => `$${amount.toFixed(2)}`;

/** Every monitoring cell gains a job's alarms and metrics; each column's total is added up again. */
function updateCostTable(readme: string): string {
  const lines = readme.split('\n');
  const section = lines.indexOf('### What a stage costs idle');
  const first = lines.findIndex((line, index) => index > section && line.startsWith('|'));
  if (section < 0 || first < 0) throw new Error('README.md: cannot find the "### What a stage costs idle" table');
  let last = first;
  while (lines[last + 1]?.startsWith('|')) last += 1;
  const rows = lines.slice(first + 2, last + 1).map(cellsOf);
  const monitoring = rows.find(([label]) => label === 'monitoring');
  const totals = rows.find(([label]) => label === '**total**');
  if (!monitoring || !totals) throw new Error('README.md: the idle-cost table needs its monitoring and **total** rows');

  for (let column = 1; column < monitoring.length; column += 1) {
    monitoring[column] = monitoring[column]
      .replace(/(\d+) alarms \$\d+\.\d\d/, (_, count: string) => {
        const alarms = Number(count) + ALARMS_PER_JOB;
        return `${alarms} alarms ${money(alarms * ALARM_MONTHLY_USD)}`;
      })
      .replace(/~(\d+) metrics \$\d+\.\d\d/, (_, count: string) => {
        const metrics = Number(count) + METRICS_PER_JOB;
        return `~${metrics} metrics ${money(metrics * METRIC_MONTHLY_USD)}`;
      });
  }
  const costRows = rows.filter((row) => row !== totals);
  for (let column = 1; column < totals.length; column += 1) {
    const [low, high] = costRows
      .map((row) => amountsIn(row[column] ?? ''))
      .reduce(([lowSum, highSum], [l, h]) => [lowSum + l, highSum + h], [0, 0]);
    totals[column] = `**≈ $${Math.round(low)}-${Math.round(high)}**`;
  }
  const rendered = rows.map((cells) => `| ${cells.join(' | ')} |`);
  lines.splice(first + 2, rendered.length, ...rendered);
  return lines.join('\n');
}

const cellsOf = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());

/** The lowest and highest monthly amount a cell adds: `$3.65` is 3.65-3.65, `$0-3` is 0-3, `≤ $0.77` is 0-0.77. */
export function amountsIn(cell: string): [number, number] {
  let low = 0;
  let high = 0;
  for (const [, atMost, from, to] of cell.matchAll(/(≤ )?\$(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?/g)) {
    low += atMost ? 0 : Number(from);
    high += Number(to ?? from);
  }
  return [low, high];
}
