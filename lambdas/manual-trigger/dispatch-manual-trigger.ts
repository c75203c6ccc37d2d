import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';

/**
 * The manual trigger (the original YouTube sync's `aws events put-events ... DetailType=manual-trigger`): an
 * EventBridge event whose detail names the stage, a registry job and its payload starts that job. An event
 * for another stage, or one that names no known job, is logged and refused, so it fails loudly (alarm,
 * kept in a queue). The rule already matches only its stage's events; the check here holds locally too.
 */

export const manualTriggerDetail = z.strictObject({
  stage: z.string({ error: 'stage must be a string: the stage to run the job in' }).min(1).optional(),
  job: z.string({ error: 'job is required: the id of a registry job' }).min(1, 'job is required'),
  payload: z.record(z.string(), z.unknown(), { error: 'payload must be a JSON object' }).optional(),
});
export type ManualTriggerDetail = z.infer<typeof manualTriggerDetail>;

/** The part of an EventBridge event the trigger reads. */
export interface ManualTriggerEvent {
  id?: string;
  source?: string;
  'detail-type'?: string;
  detail?: unknown;
}

export interface ManualTriggerPorts<Started> {
  /** The stage this trigger runs jobs in. */
  readonly stage: string;
  /** Whether an event whose detail names no stage (the original command) runs here. */
  readonly answersOriginalCommand: boolean;
  /** Registry job ids that may be started. */
  readonly knownJobs: readonly string[];
  /** Starts the job with the payload (on AWS: an asynchronous invocation of its function). */
  startJob(jobId: string, payload: Record<string, unknown>): Promise<Started>;
  readonly logger: Pick<Logger, 'info' | 'error'>;
}

/** Refused: the event names no known job or carries a bad detail. The message says which and lists the jobs. */
export class ManualTriggerRejected extends Error {
  override name = 'ManualTriggerRejected';
}

export async function dispatchManualTrigger<Started>(
  event: ManualTriggerEvent,
  ports: ManualTriggerPorts<Started>,
): Promise<{ job: string; payload: Record<string, unknown>; started: Started }> {
  const known = ports.knownJobs.join(', ');
  const parsed = manualTriggerDetail.safeParse(event.detail ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `detail.${issue.path.join('.') || '(root)'}: ${issue.message}`);
    const message = `manual trigger refused: ${problems.join('; ')} (jobs: ${known})`;
    ports.logger.error(message, { eventId: event.id, detail: event.detail as Record<string, unknown> });
    throw new ManualTriggerRejected(message);
  }
  const { stage, job, payload = {} } = parsed.data;
  const stageProblem =
    stage === undefined
      ? ports.answersOriginalCommand
        ? undefined
        : `detail.stage is required: this is the trigger of stage "${ports.stage}"`
      : stage === ports.stage
        ? undefined
        : `detail.stage "${stage}" is not this trigger's stage "${ports.stage}"`;
  if (stageProblem) {
    const message = `manual trigger refused: ${stageProblem}`;
    ports.logger.error(message, { eventId: event.id, stage, job });
    throw new ManualTriggerRejected(message);
  }
  if (!ports.knownJobs.includes(job)) {
    const message = `manual trigger refused: unknown job "${job}" (jobs: ${known})`;
    ports.logger.error(message, { eventId: event.id, job });
    throw new ManualTriggerRejected(message);
  }
  ports.logger.info('manual trigger: starting job', { eventId: event.id, job, payload });
  const started = await ports.startJob(job, payload);
  return { job, payload, started };
}
