import path from 'node:path';
import { type JobOutcome, RUN_KIND_CONTEXT_KEY } from '../lambdas/shared/job-runner';
import type { JobSpec } from '../lib/job-spec';

const REPO_ROOT = path.resolve(__dirname, '..');

type JobHandler = (event: unknown, context?: object) => Promise<JobOutcome>;

/**
 * Runs a registry job once through its real Lambda handler (the same file the stacks bundle),
 * with whatever environment this process has. Returns the outcome whether the job failed or not.
 */
export async function runJobLocally(
  spec: JobSpec,
  payload: unknown,
  options: { backfill?: boolean } = {},
): Promise<JobOutcome> {
  // Loaded on first use, after the caller has set the environment the handler reads at load time.
  const module = (await import(path.join(REPO_ROOT, spec.entry))) as { handler?: JobHandler };
  if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a handler`);
  try {
    // A backfill's runs say so as a deployed one's do: in the invocation's client context.
    const context = options.backfill
      ? { clientContext: { custom: { [RUN_KIND_CONTEXT_KEY]: 'backfill' } } }
      : undefined;
    return await module.handler(payload, context);
  } catch (error) {
    const outcome = (error as { outcome?: JobOutcome }).outcome;
    if (outcome) return outcome;
    throw error;
  }
}
