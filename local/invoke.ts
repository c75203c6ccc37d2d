/**
 * `npm run invoke -- <job> '<json payload>' [--print-aws] [--stage <stage>] [--region <region>]`
 * Runs one registry job once, locally, against the services of a running `npm start` or the
 * endpoints given in the environment; `--print-aws` prints the command for the deployed function.
 * `npm run invoke -- --event '<put-events entry>'` does what the deployed manual-trigger rule does.
 */
import { parseArgs } from 'node:util';
import { INVALID_PAYLOAD_PREFIX, type JobOutcome } from '../lambdas/shared/job-runner';
import { LOCAL_LOG_DIR_ENV, LOCAL_LOG_FORMAT_ENV } from '../lambdas/shared/local-mode-logger';
import { parsePayloadText } from '../lib/job-payload';
import { type JobSpec, rerunCommand } from '../lib/job-spec';
import { findJob, JOBS } from '../lib/jobs';
import { localLogDir, readRunningLocalEnv } from './local-env';
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

const USAGE = `usage: npm run invoke -- <job> ['<json payload>'] [--print-aws [--stage <stage>] [--region <region>]]
       npm run invoke -- --event '<put-events entry JSON>'

Runs one registry job once, here, through its Lambda handler, against the services of a running
\`npm start\` (or the endpoints in the environment), and prints its outcome as JSON.
  <job>            one of: ${JOBS.map((job) => job.id).join(', ')}
  <json payload>   the job's payload (default: its default payload), e.g. '{"target_date":"2025-08-11"}'
  --print-aws      print the \`aws lambda invoke\` command for the deployed function instead
  --stage, --region   the deployed stage and region for --print-aws (default dev)
  --event          run what the deployed manual-trigger rule would run for this put-events entry
  --help           this text
Exit codes: 0 success, 1 the job failed, 2 usage (unknown job, bad payload).
The run's log lines go to .local/logs (npm run ops -- logs <job> --run <runId>).`;

/** The environment of a running `npm start` under the caller's own variables. */
function useLocalServices(): void {
  const running = readRunningLocalEnv();
  if (!running && !process.env.DATABASE_URL && !process.env.DYNAMODB_ENDPOINT) {
    console.error('note: no running `npm start` found; using only the endpoints in the environment');
  }
  for (const [name, value] of Object.entries(running ?? {})) process.env[name] ??= value;
  // The job's log lines go to the files `ops logs` reads; stdout keeps only the outcome (scripts parse it).
  process.env[LOCAL_LOG_DIR_ENV] ??= localLogDir();
  process.env[LOCAL_LOG_FORMAT_ENV] = 'file';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}

/** Tenants named in the payload that local mode has no messages for (TENANT_ID is local mode's list). */
function tenantsWithoutData(payload: Record<string, unknown>): string[] {
  const known = (process.env.TENANT_ID ?? '').split(',').filter(Boolean);
  if (!Array.isArray(payload.tenants) || known.length === 0) return [];
  return payload.tenants.map(String).filter((tenant) => !known.includes(tenant));
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

/** A payload the job's schema refused is a usage error: one line, exit 2, as for an unknown job. */
function printOutcome(outcome: JobOutcome, payload: Record<string, unknown> = {}): number {
  if (outcome.status === 'error' && outcome.message.startsWith(INVALID_PAYLOAD_PREFIX)) {
    throw new UsageError(`${outcome.jobId}: ${outcome.message}`);
  }
  console.log(JSON.stringify(outcome, null, 2));
  if (outcome.status !== 'success') {
    console.error(`invoke: ${outcome.jobId} failed: ${outcome.message}`);
    console.error(`  its log lines: npm run ops -- logs ${outcome.jobId} --stage local --run ${outcome.runId}`);
    return 1;
  }
  const missing = tenantsWithoutData(payload);
  if (missing.length > 0) {
    console.error(
      `note: local mode has messages only for tenants ${process.env.TENANT_ID} (TENANT_ID); none for ${missing.join(', ')}`,
    );
  }
  return 0;
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
  let parsed: ReturnType<typeof parseInvokeArgs>;
  try {
    parsed = parseInvokeArgs(argv);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (npm run invoke -- --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.event !== undefined) return invokeManualTrigger(values.event);
  const [jobId, payloadText] = positionals;
  const known = JOBS.map((job) => job.id).join(', ');
  if (!jobId) {
    throw new UsageError(
      `usage: npm run invoke -- <job> '<json payload>' [--print-aws], or --event '<put-events entry JSON>'; jobs: ${known} (--help for more)`,
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
  return printOutcome(await migrateThenRun(spec, payload), payload);
}

function parseInvokeArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      'print-aws': { type: 'boolean', default: false },
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string' },
      event: { type: 'string' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`invoke: ${(error as Error).message}`);
    process.exit(usage ? 2 : 1);
  },
);
