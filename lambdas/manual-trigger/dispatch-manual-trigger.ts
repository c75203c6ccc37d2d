import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';

/**
 * The manual trigger (the original YouTube sync's `aws events put-events ... DetailType=manual-trigger`): an
 * EventBridge event whose detail names a registry job and its payload starts that job. An event
 * that names no known job is logged and refused, so it fails loudly (alarm, kept in a queue).
 */

export const manualTriggerDetail = z.strictObject({
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
  const { job, payload = {} } = parsed.data;
  if (!ports.knownJobs.includes(job)) {
    const message = `manual trigger refused: unknown job "${job}" (jobs: ${known})`;
    ports.logger.error(message, { eventId: event.id, job });
    throw new ManualTriggerRejected(message);
  }
  ports.logger.info('manual trigger: starting job', { eventId: event.id, job, payload });
  const started = await ports.startJob(job, payload);
  return { job, payload, started };
}
