import { createScheduledHandler } from '#shared/job-runner';
import { awsPorts } from './aws-ports';
import { createDailyParquetJob } from './daily-parquet-job';
import { createPublishJob, createScaleOutStepHandler, isScaleOutStep } from './scale-out-steps';

/**
 * Lambda entry of daily-parquet: `{"target_date"}` runs the whole day in this invocation; events
 * with a `step` come from the scale-out state machine and run one step of the same core.
 */
const wholeDay = createScheduledHandler(createDailyParquetJob(awsPorts));
const scaleOutStep = createScaleOutStepHandler(awsPorts, createScheduledHandler(createPublishJob(awsPorts)));

export const handler = (event: unknown, context?: Parameters<typeof wholeDay>[1]) =>
  isScaleOutStep(event) ? scaleOutStep(event) : wholeDay(event, context);
