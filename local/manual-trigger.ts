import {
  dispatchManualTrigger,
  type ManualTriggerEvent,
  ManualTriggerRejected,
} from '../lambdas/manual-trigger/dispatch-manual-trigger';
import type { JobOutcome } from '../lambdas/shared/job-runner';
import { type JobSpec, MANUAL_TRIGGER } from '../lib/job-spec';
import { runJobLocally } from './run-job';

/** Local mode is the stage `local`, and answers the original command (no stage in the detail), like the chosen AWS stage. */
export const LOCAL_TRIGGER_STAGE = 'local';

/** A manual-trigger event that cannot be run: the message is the one line to print. */
export class ManualTriggerEventError extends Error {}

/**
 * Reads what `aws events put-events --entries` takes (`{"Source","DetailType","Detail"}`, Detail a JSON
 * string or object) or an event as EventBridge delivers it (`source`, `detail-type`, `detail`), and
 * applies the manual-trigger rule's pattern, as the deployed rule does.
 */
export function parseManualTriggerEvent(text: string): ManualTriggerEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManualTriggerEventError(`--event is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ManualTriggerEventError(
      `--event must be a JSON object like {"Source":"${MANUAL_TRIGGER.source}","DetailType":"${MANUAL_TRIGGER.detailType}","Detail":"{...}"}, got ${text.trim()}`,
    );
  }
  const raw = parsed as Record<string, unknown>;
  const source = raw.Source ?? raw.source;
  const detailType = raw.DetailType ?? raw['detail-type'];
  let detail = raw.Detail ?? raw.detail;
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail);
    } catch {
      throw new ManualTriggerEventError(`Detail is not valid JSON: ${detail}`);
    }
  }
  if (source !== MANUAL_TRIGGER.source || detailType !== MANUAL_TRIGGER.detailType) {
    throw new ManualTriggerEventError(
      `the manual-trigger rule matches Source=${MANUAL_TRIGGER.source},DetailType=${MANUAL_TRIGGER.detailType}; this event (Source=${String(source)}, DetailType=${String(detailType)}) would run nothing`,
    );
  }
  return { id: 'local', source, 'detail-type': detailType, detail };
}

/** The deployed rule's dispatcher, with the job run here and now through its real handler. */
export async function runManualTriggerLocally(
  event: ManualTriggerEvent,
  jobs: readonly JobSpec[],
  logger: { info(...args: unknown[]): void; error(...args: unknown[]): void },
  runJob: (spec: JobSpec, payload: unknown) => Promise<JobOutcome> = runJobLocally,
): Promise<JobOutcome> {
  try {
    const { started } = await dispatchManualTrigger(event, {
      stage: LOCAL_TRIGGER_STAGE,
      answersOriginalCommand: true,
      knownJobs: jobs.map((job) => job.id),
      logger,
      startJob: (jobId, payload) => runJob(jobs.find((job) => job.id === jobId) as JobSpec, payload),
    });
    return started;
  } catch (error) {
    if (error instanceof ManualTriggerRejected) throw new ManualTriggerEventError(error.message);
    throw error;
  }
}
