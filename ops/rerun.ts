import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { functionNameFor, type JobSpec } from '../lib/job-spec';
import type { OpsClients, OpsContext } from './ops-context';
import { explainAwsError } from './ops-errors';
import type { OpsTarget } from './ops-target';

export interface Invocation {
  ok: boolean;
  /** The job's outcome (what the handler returned), when it succeeded. */
  outcome?: Record<string, unknown>;
  /** The error the handler threw (`errorType: errorMessage`), when it failed. */
  error?: string;
  /** The last lines of the run's log (Lambda returns up to 4 KB with LogType Tail). */
  logTail?: string;
  requestId?: string;
  durationMs: number;
}

/** Invokes the deployed function synchronously, as `aws lambda invoke` does, and reads its outcome. */
export async function invokeJob(
  clients: OpsClients,
  target: OpsTarget,
  job: Pick<JobSpec, 'id'>,
  payload: Record<string, unknown>,
): Promise<Invocation> {
  const functionName = functionNameFor(target.stage, job.id);
  const started = Date.now();
  let response: InvokeCommandOutput;
  try {
    response = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
  } catch (error) {
    throw explainAwsError(error, target, `function ${functionName}`);
  }
  const durationMs = Date.now() - started;
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text };
  }
  const logTail = response.LogResult ? Buffer.from(response.LogResult, 'base64').toString('utf8') : undefined;
  const requestId = response.$metadata?.requestId;
  if (response.FunctionError) {
    const error = `${String(body.errorType ?? response.FunctionError)}: ${String(body.errorMessage ?? text)}`;
    return { ok: false, error, logTail, requestId, durationMs };
  }
  return { ok: body.status !== 'error', outcome: body, logTail, requestId, durationMs };
}

/** `rerun <job> '<payload>'`: prints the outcome; exit 1 when the run failed. */
export async function rerunJob(ctx: OpsContext, job: JobSpec, payload: Record<string, unknown>): Promise<number> {
  const functionName = functionNameFor(ctx.target.stage, job.id);
  ctx.io.err(`invoking ${functionName} (${ctx.target.region}) with ${JSON.stringify(payload)} ...`);
  const result = await invokeJob(ctx.clients, ctx.target, job, payload);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ job: job.id, functionName, payload, ...result }, null, 2));
  } else if (result.ok) {
    ctx.io.out(JSON.stringify(result.outcome, null, 2));
  } else {
    ctx.io.out(`FAILED ${job.id}: ${result.error ?? String(result.outcome?.message)}`);
    if (result.logTail) ctx.io.err(`--- last log lines ---\n${result.logTail.trimEnd()}`);
    ctx.io.err(
      `full logs: npm run ops -- logs ${job.id} --stage ${ctx.target.stage}${result.requestId ? ` --run ${result.requestId}` : ''}`,
    );
  }
  return result.ok ? 0 : 1;
}
