/**
 * The commands on-call runs for a registry job, as plain functions of plain data: the alarms and the
 * runbook (lib/, ops/) and the job monitor's job page (lambdas/job-monitor) print the same lines, and
 * Lambda code cannot import lib/. The monitor learns each job's data from BUILT_IN_JOBS (below).
 */

/** Deployed Lambda function name of a job: one definition for the stacks, the alarms and `invoke --print-aws`. */
export function functionNameFor(stage: string, jobId: string): string {
  return `nightshift-${stage}-${jobId}`;
}

/** Log group of a Lambda function (the name Lambda itself writes to). */
export function lambdaLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** Log group of a job's (or another nightshift function's) runs. */
export function logGroupNameFor(stage: string, jobId: string): string {
  return lambdaLogGroupName(functionNameFor(stage, jobId));
}

/** CloudWatch Logs Insights query that finds a job's failed runs (the runbook and the job page use it). */
export const FAILED_RUN_QUERY =
  'fields @timestamp, runId, @requestId, message, error.message | filter level = "ERROR" or @message like /Task timed out|"status":"(error|timeout)"/ | sort @timestamp desc | limit 20';

/** The exact command on-call runs to re-run a job by hand, without the repository. */
export function rerunCommand(
  stage: string,
  job: { id: string; defaultPayload: Record<string, unknown> },
  region?: string,
) {
  const payload = JSON.stringify(job.defaultPayload);
  const regionFlag = region ? ` --region ${region}` : '';
  return `aws lambda invoke --function-name ${functionNameFor(stage, job.id)}${regionFlag} --cli-binary-format raw-in-base64-out --payload '${payload}' out.json && cat out.json`;
}

/** `npm run ops -- rerun <job> '<payload>' --stage <stage>` (from a checkout of the repository). */
export function opsRerunCommand(stage: string, jobId: string, payload: Record<string, unknown>): string {
  return `npm run ops -- rerun ${jobId} '${JSON.stringify(payload)}' --stage ${stage}`;
}

/** `npm run ops -- backfill <job> --from … --to … --stage <stage>`, for jobs driven by a date or a slot. */
export function opsBackfillCommand(stage: string, jobId: string, from: string, to: string): string {
  return `npm run ops -- backfill ${jobId} --from ${from} --to ${to} --stage ${stage}`;
}

/**
 * What the job monitor knows of each registry job (environment variable BUILT_IN_JOBS, JSON array,
 * built by lib/built-in-jobs.ts): enough to print its commands and runbook links on the job page.
 */
export interface BuiltInJobInfo {
  readonly id: string;
  readonly timeout_seconds: number;
  readonly default_payload: Record<string, unknown>;
  /** How `ops backfill` walks it; absent when it cannot be backfilled. */
  readonly backfill_unit?: 'date' | 'slot';
  /** The payload field a backfill fills (the registry's backfill.field). */
  readonly backfill_field?: string;
  /** The anchors of its alarms' sections in docs/runbook.md (`ftp-export-errors`, ...). */
  readonly runbook_anchors: readonly string[];
}
