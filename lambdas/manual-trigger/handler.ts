import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createLogger } from '#shared/logger';
import { dispatchManualTrigger, type ManualTriggerEvent } from './dispatch-manual-trigger';

const logger = createLogger('nightshift-manual-trigger');
const lambda = new LambdaClient({});
/** `{ "<job id>": "<function name>" }` for every registry job, written by the stack. */
const jobFunctions: Record<string, string> = JSON.parse(process.env.JOB_FUNCTIONS ?? '{}');
/** Written by the stack: the stage, and whether it answers the original command (no stage in the detail). */
const stage = process.env.NIGHTSHIFT_STAGE ?? '';
const answersOriginalCommand = process.env.ORIGINAL_MANUAL_TRIGGER === 'true';

/** Lambda entry of the manual-trigger rule: starts the named job's function asynchronously, as its schedules do. */
export async function handler(event: ManualTriggerEvent) {
  return dispatchManualTrigger(event, {
    stage,
    answersOriginalCommand,
    knownJobs: Object.keys(jobFunctions),
    logger,
    async startJob(jobId, payload) {
      const functionName = jobFunctions[jobId];
      const response = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(payload)),
        }),
      );
      return { functionName, statusCode: response.StatusCode };
    },
  });
}
