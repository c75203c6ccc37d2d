import { type CallEvent, type CallerDeps, callJob } from './call-job';
import { callerDepsFromEnv } from './ports-from-env';

let deps: CallerDeps | undefined;

/** Invoked by EventBridge Scheduler (and by POST /jobs/{id}/run): one run of one HTTP job. */
export const handler = async (event: CallEvent) => {
  deps ??= callerDepsFromEnv();
  const run = await callJob(deps, event);
  return run ? { run_id: run.runId, status: run.status } : { status: 'gone' };
};
