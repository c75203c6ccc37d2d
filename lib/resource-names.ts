import { Aws } from 'aws-cdk-lib';

/**
 * Physical names of the shared data resources. Fixed names let the jobs stack scope its grants
 * to ARNs it can write down (and on-call find the resources by name).
 */
export const jobStatusTableName = (stage: string) => `nightshift-${stage}-job-status`;

/** Bucket names are global: account and region make it unique. */
export const analyticsBucketName = (stage: string, region: string) =>
  `nightshift-${stage}-analytics-${Aws.ACCOUNT_ID}-${region}`;

/** daily-parquet's source table when the data stack creates it (config dailyParquet.messagesTable). */
export const messagesTableName = (stage: string) => `nightshift-${stage}-messages`;
