import { createScheduledHandler } from '#shared/job-runner';
import { awsPorts } from './aws-ports';
import { createDailyParquetJob } from './daily-parquet-job';

/** Lambda entry of daily-parquet: the shared runner, the whole day in one invocation, DynamoDB and S3 ports. */
export const handler = createScheduledHandler(createDailyParquetJob((settings) => awsPorts(settings)));
