/**
 * The command line of report-job.ts, the same as the Python reporter's:
 *
 *   npx tsx reporters/report-job-cli.ts run --job-key nightly-backup --title "夜間バックアップ" -- ./backup.sh --full
 *   RUN_ID=$(npx tsx reporters/report-job-cli.ts start --job-key nightly-backup)
 *   npx tsx reporters/report-job-cli.ts report --job-key nightly-backup --status error --message "disk full" --run-id "$RUN_ID"
 *
 * Settings from the TC Portal's variables: TC_PORTAL_MONITOR_URL (the job-report URL),
 * TC_PORTAL_WEBHOOK_SECRET, TC_PORTAL_JOB_KEY and TC_PORTAL_JOB_TITLE (when --job-key / --title
 * are not given). Exit status: `run` exits with the command's; `start` and `report` 0 when stored
 * (or skipped for want of settings), 1 when not; 2 on a usage error.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { reportJob, runJob, startJob } from './report-job';

const USAGE = `usage: report-job-cli.ts run --job-key KEY [--title TITLE] [--tail-lines N] -- COMMAND [ARG ...]
       report-job-cli.ts start --job-key KEY [--title TITLE]
       report-job-cli.ts report --job-key KEY [--title TITLE] --status success|error [--message TEXT] [--run-id ID]`;

class UsageError extends Error {}

async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { command, options, rest } = parsed;
  const url = env.TC_PORTAL_MONITOR_URL;
  const secret = env.TC_PORTAL_WEBHOOK_SECRET;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!url || !secret) {
    log('[nightshift] TC_PORTAL_MONITOR_URL or TC_PORTAL_WEBHOOK_SECRET not set: nothing is reported');
    if (command !== 'run') return 0;
  }
  const connection = { url: url ?? '', secret: secret ?? '', job_key: options.jobKey, title: options.title };
  if (command === 'run') {
    if (!url || !secret) return runUnreported(rest);
    return runJob({ ...connection, tailLines: options.tailLines, log }, rest[0], rest.slice(1));
  }
  try {
    if (command === 'start') {
      const { run_id } = await startJob(connection);
      process.stdout.write(`${run_id}\n`);
      return 0;
    }
    await reportJob({ ...connection, status: options.status, message: options.message, run_id: options.runId });
    log(`[nightshift] result reported: ${options.status}`);
    return 0;
  } catch (error) {
    log(`[nightshift] ${(error as Error).message}`);
    return 1;
  }
}

function parse(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'job-key': { type: 'string' },
      title: { type: 'string' },
      'tail-lines': { type: 'string' },
      status: { type: 'string' },
      message: { type: 'string' },
      'run-id': { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (command !== 'run' && command !== 'start' && command !== 'report') {
    throw new UsageError(`unknown command ${command === undefined ? '(none)' : `"${command}"`}`);
  }
  const jobKey = values['job-key'] || env.TC_PORTAL_JOB_KEY;
  if (!jobKey) throw new UsageError('--job-key (or TC_PORTAL_JOB_KEY) is required');
  const title = values.title || env.TC_PORTAL_JOB_TITLE || jobKey;
  const tailLines = Number(values['tail-lines'] ?? 20);
  if (!Number.isInteger(tailLines) || tailLines < 0) throw new UsageError('--tail-lines must be a whole number');
  if (command === 'run' && rest.length === 0) throw new UsageError('run needs the command after --');
  if (command !== 'run' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const status = values.status;
  if (command === 'report' && status !== 'success' && status !== 'error') {
    throw new UsageError('--status must be success or error');
  }
  return {
    command,
    rest,
    options: {
      jobKey,
      title,
      tailLines,
      status: status as 'success' | 'error',
      message: values.message,
      runId: values['run-id'],
    },
  };
}

/** Without settings the command still runs (as the Python reporter skips): the job matters more than its report. */
function runUnreported(commandLine: readonly string[]): number {
  const result = spawnSync(commandLine[0], commandLine.slice(1), { stdio: 'inherit' });
  if (result.error) return (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
  return result.status ?? 128 + (result.signal ? constants.signals[result.signal] : 0);
}

cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[nightshift] ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
