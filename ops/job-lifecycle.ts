import { alarmStateOf } from '../lambdas/job-monitor/alarm-state';
import { validateMute } from '../lambdas/job-monitor/mute-validation';
import { jobKeyProblem } from '../lambdas/job-monitor/report-validation';
import { JobChangingError } from '../lambdas/shared/job-forget';
import { isMuteActive } from '../lambdas/shared/job-mutes';
import type { OpsContext } from './ops-context';
import { OpsError, OpsUsageError } from './ops-errors';
import { formatInstant } from './ops-time';

/**
 * `mute`, `unmute` and `forget`: the job monitor's lifecycle commands, on the job-status table of
 * the target (AWS or local mode) with the same checks and effects as the API's routes
 * (`POST`/`DELETE /api/monitor/jobs/{job_key}/mute`, `DELETE /api/monitor/jobs/{job_key}`).
 * A job is any job_key the monitor knows: a registry job, an outside reporter, `http-job:<id>`.
 */

/** `30m`, `2h`, `3d`, `1w` as an ISO 8601 duration; anything else is passed on as written. */
export function untilArgument(text: string): string {
  const match = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  if (!match) return text.trim();
  const [, amount, unit] = match;
  return { m: `PT${amount}M`, h: `PT${amount}H`, d: `P${amount}D`, w: `P${amount}W` }[
    unit.toLowerCase() as 'm' | 'h' | 'd' | 'w'
  ];
}

function checkedJobKey(jobKey: string): string {
  const problem = jobKeyProblem(jobKey);
  if (problem) throw new OpsUsageError(problem);
  return jobKey;
}

/** Store calls, with a failure explained in one line (credentials, region, a stopped npm start). */
async function onStatusTable<T>(ctx: OpsContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof OpsError || error instanceof JobChangingError) throw error;
    throw ctx.backend.explain(error, `job-status table ${ctx.backend.statusTable}`);
  }
}

const unknownJob = (ctx: OpsContext, jobKey: string) =>
  new OpsUsageError(
    `job "${jobKey}" is not known to the job monitor in ${ctx.backend.label} (no status, history or expectation)`,
  );

async function isKnown(ctx: OpsContext, jobKey: string): Promise<boolean> {
  const store = ctx.backend.statusStore();
  const [latest, expectation] = await Promise.all([store.getLatest(jobKey), store.expectations.get(jobKey)]);
  return latest !== undefined || expectation !== undefined;
}

/** `mute <job> --until <time|duration> --reason <text>` */
export async function muteJob(
  ctx: OpsContext,
  jobKey: string,
  options: { until: string; reason: string },
): Promise<number> {
  checkedJobKey(jobKey);
  const now = ctx.io.now();
  const validation = validateMute(JSON.stringify({ until: untilArgument(options.until), reason: options.reason }), now);
  if (!validation.ok) throw new OpsUsageError(`--${validation.error}`);
  const { until, reason } = validation.value;
  await onStatusTable(ctx, async () => {
    if (!(await isKnown(ctx, jobKey))) throw unknownJob(ctx, jobKey);
    await ctx.backend.monitorEntries().mutes.put({ jobKey, until, reason, mutedAt: now.toISOString() });
  });
  if (ctx.json) ctx.io.out(JSON.stringify({ job_key: jobKey, muted: { until, reason } }, null, 2));
  else ctx.io.out(`muted ${jobKey} until ${formatInstant(until, ctx.utc)} in ${ctx.backend.label}: ${reason}`);
  return 0;
}

/** `unmute <job>`: the job counts again at once; its current error or lateness is published now. */
export async function unmuteJob(ctx: OpsContext, jobKey: string): Promise<number> {
  checkedJobKey(jobKey);
  const now = ctx.io.now();
  const { mutes } = ctx.backend.monitorEntries();
  const removed = await onStatusTable(ctx, () => mutes.delete(jobKey));
  if (!removed && !(await onStatusTable(ctx, () => isKnown(ctx, jobKey)))) throw unknownJob(ctx, jobKey);
  const wasMuted = isMuteActive(removed, now);
  if (!wasMuted) {
    if (ctx.json) ctx.io.out(JSON.stringify({ job_key: jobKey, was_muted: false }, null, 2));
    else ctx.io.out(`${jobKey} was not muted in ${ctx.backend.label}; nothing changed`);
    return 0;
  }
  const state = await onStatusTable(ctx, () => alarmStateOf({ store: ctx.backend.statusStore(), mutes }, jobKey, now));
  const published = await ctx.backend.publishMonitorMetrics(state.metrics);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ job_key: jobKey, was_muted: true, error: state.error, late: state.late }, null, 2));
  } else {
    const still = [state.error ? 'failing' : '', state.late ? 'late' : ''].filter(Boolean).join(' and ');
    ctx.io.out(`unmuted ${jobKey} in ${ctx.backend.label}${still ? `: still ${still}, ` : ': '}${published}`);
  }
  return 0;
}

/** `forget <job>`: deletes the job's status, history, expectation and mute, however long its history. */
export async function forgetJob(ctx: OpsContext, jobKey: string): Promise<number> {
  checkedJobKey(jobKey);
  const { forgetter } = ctx.backend.monitorEntries();
  let deleted = 0;
  let found = false;
  for (;;) {
    const result = await onStatusTable(ctx, () => forgetter.forget(jobKey, { budgetMs: 20_000 })).catch((error) => {
      if (error instanceof JobChangingError) throw new OpsError(error.message);
      throw error;
    });
    deleted += result.historyDeleted;
    found ||= result.found;
    if (result.complete) break;
    ctx.io.err(`${deleted} runs of ${jobKey} deleted so far ...`);
  }
  if (!found) throw unknownJob(ctx, jobKey);
  if (ctx.json) ctx.io.out(JSON.stringify({ job_key: jobKey, deleted: true, history_deleted: deleted }, null, 2));
  else ctx.io.out(`forgot ${jobKey} in ${ctx.backend.label}: status, expectation, mute and ${deleted} runs deleted`);
  if (ctx.jobs.some((job) => job.id === jobKey)) {
    ctx.io.err(
      `${jobKey} is still in the registry (lib/jobs.ts): the watchdog lists it again as not yet run at its next run`,
    );
  }
  return 0;
}
