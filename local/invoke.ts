/**
 * `npm run invoke -- <job> '<json payload>' [--print-aws] [--stage <stage>] [--region <region>]`
 * Runs one registry job once, locally, against the services of a running `npm start` or the
 * endpoints given in the environment; `--print-aws` prints the command for the deployed function.
 * `npm run invoke -- --event '<put-events entry>'` does what the deployed manual-trigger rule does.
 */
import { parseArgs } from 'node:util';
import type { JobOutcome } from '../lambdas/shared/job-runner';
import { parsePayloadText } from '../lib/job-payload';
import { type JobSpec, rerunCommand } from '../lib/job-spec';
import { findJob, JOBS } from '../lib/jobs';
import { readRunningLocalEnv } from './local-env';
import { ManualTriggerEventError, parseManualTriggerEvent, runManualTriggerLocally } from './manual-trigger';
import { migrateDatabase } from './migrate';
import { runJobLocally } from './run-job';

class UsageError extends Error {}

function parsePayloadArgument(text: string | undefined): Record<string, unknown> {
  try {
    return parsePayloadText(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The environment of a running `npm start` under the caller's own variables. */
function useLocalServices(): void {
  const running = readRunningLocalEnv();
  if (!running && !process.env.DATABASE_URL && !process.env.DYNAMODB_ENDPOINT) {
    console.error('note: no running `npm start` found; using only the endpoints in the environment');
  }
  for (const [name, value] of Object.entries(running ?? {})) process.env[name] ??= value;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}

/**
 * A deployed job never creates tables and signs in as its own role: bring the database and the roles up to
 * date first, as the deploy does, and hand the job its role's URL (DATABASE_URL_<JOB>) unless the caller set one.
 */
async function migrateThenRun(spec: JobSpec, payload: unknown): Promise<JobOutcome> {
  if (process.env.DATABASE_URL && spec.secrets?.includes('database')) {
    const { jobEnv } = await migrateDatabase(process.env.DATABASE_URL, { jobSettings: process.env.JOB_SETTINGS });
    for (const [name, value] of Object.entries(jobEnv)) process.env[name] ??= value;
  }
  return runJobLocally(spec, payload);
}

function printOutcome(outcome: JobOutcome): number {
  console.log(JSON.stringify(outcome, null, 2));
  return outcome.status === 'success' ? 0 : 1;
}

async function invokeManualTrigger(eventText: string): Promise<number> {
  let event: ReturnType<typeof parseManualTriggerEvent>;
  try {
    event = parseManualTriggerEvent(eventText);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  useLocalServices();
  const logger = { info: () => undefined, error: () => undefined };
  try {
    return printOutcome(await runManualTriggerLocally(event, JOBS, logger, migrateThenRun));
  } catch (error) {
    if (error instanceof ManualTriggerEventError) throw new UsageError(error.message);
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'print-aws': { type: 'boolean', default: false },
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string' },
      event: { type: 'string' },
    },
  });
  if (values.event !== undefined) return invokeManualTrigger(values.event);
  const [jobId, payloadText] = positionals;
  const known = JOBS.map((job) => job.id).join(', ');
  if (!jobId) {
    throw new UsageError(
      `usage: npm run invoke -- <job> '<json payload>' [--print-aws], or --event '<put-events entry JSON>'; jobs: ${known}`,
    );
  }
  const spec = findJob(jobId);
  if (!spec) throw new UsageError(`unknown job "${jobId}"; jobs: ${known}`);
  const payload = parsePayloadArgument(payloadText);

  if (values['print-aws']) {
    console.log(rerunCommand(values.stage, { id: spec.id, defaultPayload: payload }, values.region));
    return 0;
  }
  // Variables set by the caller win over those of the running `npm start`.
  useLocalServices();
  return printOutcome(await migrateThenRun(spec, payload));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`invoke: ${(error as Error).message}`);
    process.exit(usage ? 2 : 1);
  },
);
