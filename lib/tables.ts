/**
 * Key schema of the job-status table, as plain data: the data stack builds the table from it
 * and local mode creates the same table in dynalite. Lambda code keeps its own copy of the
 * attribute names (it never imports lib/); the store's integration tests run against a table
 * created from this definition, so the two cannot drift apart unnoticed.
 */
export const JOB_STATUS_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /**
   * Latest-status rows only: every job's row. A GSI holds only items that have both its keys, so the sort
   * key is `jobKey`, which every writer of a latest row sets (a report, the runner, a job-start before any
   * run finished); the store orders the rows by last report itself.
   */
  latestIndex: { name: 'byKind', partitionKey: 'kind', sortKey: 'jobKey' },
} as const;

/**
 * Key schema of the HTTP jobs table (jobs, their runs and run leases): `JOB#<id>` partitions,
 * sort keys `JOB`, `RUN#<started>#<run>` and `LEASE`; the kind index lists every job.
 */
export const HTTP_JOBS_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  kindIndex: { name: 'byKind', partitionKey: 'kind', sortKey: 'jobId' },
} as const;
