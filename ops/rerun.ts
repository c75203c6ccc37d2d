import type { JobSpec } from '../lib/job-spec';
import type { OpsContext } from './ops-context';

/** `rerun <job> '<payload>'`: prints the outcome; exit 1 when the run failed. */
export async function rerunJob(ctx: OpsContext, job: JobSpec, payload: Record<string, unknown>): Promise<number> {
  const runner = ctx.backend.runnerLabel(job);
  ctx.io.err(`invoking ${runner} with ${JSON.stringify(payload)} ...`);
  const result = await ctx.backend.invoke(job, payload);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ job: job.id, functionName: ctx.backend.runnerName(job), payload, ...result }, null, 2));
  } else if (result.ok) {
    ctx.io.out(JSON.stringify(result.outcome, null, 2));
  } else {
    ctx.io.out(`FAILED ${job.id}: ${result.error ?? String(result.outcome?.message)}`);
    if (result.logTail) ctx.io.err(`--- last log lines ---\n${result.logTail.trimEnd()}`);
    ctx.io.err(
      `full logs: npm run ops -- logs ${job.id} --stage ${ctx.backend.stage}${result.requestId ? ` --run ${result.requestId}` : ''}`,
    );
  }
  return result.ok ? 0 : 1;
}
