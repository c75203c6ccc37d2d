/**
 * `npm run ops -- <command>`: on-call's tool for a deployed stage or a running `npm start` (--stage local) —
 * status, logs, rerun, pause, resume, backfill, and the post-deploy smoke test. Each command is written
 * once against OpsBackend (ops-backend.ts); aws-backend.ts and local-backend.ts implement it. Names (functions, schedules, log groups, the table) come from the registry
 * helpers, so the CLI follows every job the registry gains.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parsePayloadText } from '../lib/job-payload';
import { type JobSpec, SERVICE_FUNCTION_IDS } from '../lib/job-spec';
import { JOBS } from '../lib/jobs';
import { awsBackend } from './aws-backend';
import { backfillJob } from './backfill';
import { forgetJob, muteJob, unmuteJob } from './job-lifecycle';
import { localBackend } from './local-backend';
import { showLogs } from './logs';
import { createClients, type OpsClients, type OpsContext, type OpsIo, requireJob } from './ops-context';
import { OpsError, OpsUsageError } from './ops-errors';
import { type OpsTarget, resolveTarget } from './ops-target';
import { rerunJob } from './rerun';
import { setJobSchedulesState } from './schedule-state';
import { smokeTest } from './smoke';
import { showStatus } from './status';

export interface OpsDeps {
  io: OpsIo;
  jobs?: readonly JobSpec[];
  createClients?: (target: OpsTarget) => OpsClients;
}

function payloadArgument(text: string): Record<string, unknown> {
  try {
    return parsePayloadText(text);
  } catch (error) {
    throw new OpsUsageError((error as Error).message);
  }
}

function payloadOption(text: string): Record<string, unknown> {
  try {
    return parsePayloadText(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function integerOption(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`not an integer: ${text}`);
  return value;
}

/** Runs one command line; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function runOps(argv: readonly string[], deps: OpsDeps): Promise<number> {
  const jobs = deps.jobs ?? JOBS;
  let exitCode = 0;
  const program = new Command('npm run ops --')
    .description('Operate a deployed nightshift stage, or local mode (npm start)')
    .option(
      '--stage <stage>',
      'a stage of nightshift:stages in cdk.json, or local (a running npm start); default: local while npm start runs, else dev',
    )
    .option('--region <region>', "AWS region (default: AWS_REGION, then the stage's region in cdk.json)")
    .option('--json', 'print one JSON document on stdout instead of tables', false)
    .option('--utc', 'print times in UTC (default: JST, as the status page)', false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.out(text.trimEnd()),
      writeErr: (text) => deps.io.err(text.trimEnd()),
    })
    .showHelpAfterError();

  const context = (): OpsContext => {
    const globals = program.opts<{ stage?: string; region?: string; json: boolean; utc: boolean }>();
    const target = resolveTarget(globals, deps.io.env);
    if (target.local && globals.stage === undefined) {
      deps.io.err(`ops: using local mode (npm start, pid ${target.local.pid}); pass --stage dev for AWS`);
    }
    const backend = target.local
      ? localBackend(target.local)
      : awsBackend(target, (deps.createClients ?? createClients)(target));
    return { target, io: deps.io, backend, jobs, json: globals.json, utc: globals.utc };
  };
  const knownJob = (id: string, usable?: (job: JobSpec) => boolean, what?: string) =>
    requireJob(jobs, id, usable, what);

  program
    .command('status')
    .description('every job and outside reporter with its last result, errors first')
    .action(async () => {
      exitCode = await showStatus(context());
    });
  program
    .command('logs <job>')
    .description(`a job's log lines (also: ${Object.values(SERVICE_FUNCTION_IDS).join(', ')})`)
    .option('--since <time>', 'how far back: 30m, 1h, 2d or an ISO time (default 1h; 24h with --run)')
    .option('--run <id>', "only this run's lines (its run id / Lambda request id)")
    .option('--limit <n>', 'at most this many lines', integerOption, 2000)
    .action(async (jobId: string, options: { since?: string; run?: string; limit: number }) => {
      const services: readonly string[] = Object.values(SERVICE_FUNCTION_IDS);
      if (!services.includes(jobId)) knownJob(jobId);
      exitCode = await showLogs(context(), jobId, options);
    });
  program
    .command('rerun <job> [payload]')
    .description("invoke the deployed job synchronously with a JSON payload (default: the job's default payload)")
    .action(async (jobId: string, payloadText?: string) => {
      const job = knownJob(jobId);
      const payload = payloadText === undefined ? job.defaultPayload : payloadArgument(payloadText);
      exitCode = await rerunJob(context(), job, payload);
    });
  program
    .command('pause <job>')
    .description("disable the job's schedules (runs stop until resume)")
    .action(async (jobId: string) => {
      exitCode = await setJobSchedulesState(context(), knownJob(jobId), 'DISABLED');
    });
  program
    .command('resume <job>')
    .description("enable the job's schedules again")
    .action(async (jobId: string) => {
      exitCode = await setJobSchedulesState(context(), knownJob(jobId), 'ENABLED');
    });
  program
    .command('backfill <job>')
    .description('run a date- or slot-driven job once per date or slot in a range (JST)')
    .requiredOption('--from <date>', 'first date or slot, e.g. 2025-08-01 or 2025-08-01T09:15')
    .requiredOption('--to <date>', 'last date or slot (inclusive)')
    .option('--concurrency <n>', 'runs at a time (1-20)', integerOption, 2)
    .option('--force', 'also run dates/slots that already succeeded', false)
    .option('--payload <json>', 'extra payload fields for every run', payloadOption, {})
    .action(async (jobId: string, options) => {
      const job = knownJob(jobId, (candidate) => candidate.backfill !== undefined, 'date- or slot-driven jobs');
      exitCode = await backfillJob(context(), job, options);
    });

  program
    .command('mute <job>')
    .description(
      'mute a job in the job monitor until a time: its runs are still recorded, its errors and lateness alarm no one',
    )
    .requiredOption('--until <time>', 'an ISO 8601 time, or a duration from now: 30m, 2h, 3d, 1w (at most 30 days)')
    .requiredOption('--reason <text>', 'why, shown on the status page (at most 200 characters)')
    .action(async (jobKey: string, options: { until: string; reason: string }) => {
      exitCode = await muteJob(context(), jobKey, options);
    });
  program
    .command('unmute <job>')
    .description("end a job's mute: its current error or lateness counts toward the alarms at once")
    .action(async (jobKey: string) => {
      exitCode = await unmuteJob(context(), jobKey);
    });
  program
    .command('forget <job>')
    .description(
      'delete a job from the job monitor: its status, history, expectation and mute (a later report starts it afresh)',
    )
    .action(async (jobKey: string) => {
      exitCode = await forgetJob(context(), jobKey);
    });

  program
    .command('smoke')
    .description('after a deploy: run the watchdog, read the job list with the read token, read the pager alarm')
    .option('--outputs <file>', 'the `cdk deploy --outputs-file` JSON (for the API URL)')
    .option('--api-url <url>', 'the job monitor API base URL, instead of --outputs')
    .action(async (options: { outputs?: string; apiUrl?: string }) => {
      exitCode = await smokeTest(context(), options);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 1 ? 2 : error.exitCode;
    if (error instanceof OpsError) {
      deps.io.err(`ops: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

if (require.main === module) {
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const io: OpsIo = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`),
    isTty: process.stderr.isTTY === true,
    env: process.env,
    now: () => new Date(),
  };
  runOps(process.argv.slice(2), { io }).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`ops: ${error.message}\n`);
      process.exit(1);
    },
  );
}
