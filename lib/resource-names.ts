import { Aws } from 'aws-cdk-lib';

/**
 * Physical names of the shared data resources. Fixed names let the jobs stack scope its grants
 * to ARNs it can write down (and on-call find the resources by name).
 */
export const jobStatusTableName = (stage: string) => `nightshift-${stage}-job-status`;

/**
 * The job monitor's read token (`{"current", "previous"}`), when its name is fixed (retained data);
 * otherwise CloudFormation names it and the Api stack's ReadTokenSecret output holds its ARN.
 */
export const jobReadTokenSecretName = (stage: string) => `nightshift/${stage}/job-read-token`;

/** Tag on the read-token secret, so the deploy role can read it whatever its name (smoke test). */
export const READ_TOKEN_TAG = { key: 'secret', value: 'job-read-token' } as const;

/** The composite alarm over every job and API alarm of a stage: the one a pager follows. */
export const unhealthyAlarmName = (stage: string) => `nightshift-${stage}-unhealthy`;

/** Bucket names are global: account and region make it unique. */
export const analyticsBucketName = (stage: string, region: string) =>
  `nightshift-${stage}-analytics-${Aws.ACCOUNT_ID}-${region}`;

export const httpJobsTableName = (stage: string) => `nightshift-${stage}-http-jobs`;
/** daily-parquet's source table when the data stack creates it (config dailyParquet.messagesTable). */
export const messagesTableName = (stage: string) => `nightshift-${stage}-messages`;
/** The function that writes demo messages into that table at deploy (config dailyParquet.demoMessages). */
export const demoMessagesFunctionName = (stage: string) => `nightshift-${stage}-demo-messages`;
