/**
 * `npm run invoke -- <job> '<json payload>' [--print-aws] [--stage <stage>] [--region <region>]`
 * Runs one registry job once, locally, against the services of a running `npm start` or the
 * endpoints given in the environment; `--print-aws` prints the command for the deployed function.
 */
import { parseArgs } from 'node:util';
import { rerunCommand } from '../lib/job-spec';
import { findJob, JOBS } from '../lib/jobs';
import { readRunningLocalEnv } from './local-env';
import { migrateDatabase } from './migrate';
import { runJobLocally } from './run-job';

class UsageError extends Error {}

function parsePayloadArgument(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`payload is not valid JSON (${(error as Error).message}): ${text}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new UsageError(`payload must be a JSON object, got: ${text}`);
  }
  return payload as Record<string, unknown>;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'print-aws': { type: 'boolean', default: false },
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string' },
    },
  });
  const [jobId, payloadText] = positionals;
  const known = JOBS.map((job) => job.id).join(', ');
  if (!jobId) throw new UsageError(`usage: npm run invoke -- <job> '<json payload>' [--print-aws]; jobs: ${known}`);
  const spec = findJob(jobId);
  if (!spec) throw new UsageError(`unknown job "${jobId}"; jobs: ${known}`);
  const payload = parsePayloadArgument(payloadText);

  if (values['print-aws']) {
    console.log(rerunCommand(values.stage, { id: spec.id, defaultPayload: payload }, values.region));
    return 0;
  }
  // Variables set by the caller win over those of the running `npm start`.
  const running = readRunningLocalEnv();
  if (!running && !process.env.DATABASE_URL && !process.env.DYNAMODB_ENDPOINT) {
    console.error('note: no running `npm start` found; using only the endpoints in the environment');
  }
  for (const [name, value] of Object.entries(running ?? {})) process.env[name] ??= value;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  // A deployed job never creates tables: bring the database up to date first, as the deploy does.
  if (process.env.DATABASE_URL && spec.secrets?.includes('database')) await migrateDatabase(process.env.DATABASE_URL);
  const outcome = await runJobLocally(spec, payload);
  console.log(JSON.stringify(outcome, null, 2));
  return outcome.status === 'success' ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`invoke: ${(error as Error).message}`);
    process.exit(usage ? 2 : 1);
  },
);
