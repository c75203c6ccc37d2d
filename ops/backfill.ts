import { mapWithConcurrency } from '#shared/map-with-concurrency';
import type { JobSpec } from '../lib/job-spec';
import { planBackfill } from './backfill-plan';
import type { OpsContext } from './ops-context';
import { OpsUsageError } from './ops-errors';
import { renderTable } from './text-table';

export interface BackfillOptions {
  from: string;
  to: string;
  concurrency: number;
  force: boolean;
  /** Extra payload fields sent with every run (e.g. `{"recipients":["acme"]}`). */
  payload: Record<string, unknown>;
}

type BackfillResult = 'succeeded' | 'failed' | 'skipped';

interface BackfillRow {
  value: string;
  result: BackfillResult;
  durationMs: number | null;
  message: string;
}

/** Values a successful run already covered: the job echoes its date or slot in the outcome details. */
async function alreadySucceeded(ctx: OpsContext, job: JobSpec, since: Date): Promise<Set<string>> {
  const field = job.backfill?.field ?? '';
  const store = ctx.backend.statusStore();
  const runs = await store.listRunsSince(job.id, since.toISOString()).catch((error: unknown) => {
    throw ctx.backend.explain(error, `job-status table ${ctx.backend.statusTable}`);
  });
  const done = new Set<string>();
  for (const run of runs) {
    const value = run.details?.[field];
    if (run.status === 'success' && typeof value === 'string' && run.details?.dryRun !== true) done.add(value);
  }
  return done;
}

/** Progress on stderr: one redrawn bar on a terminal, a line per run otherwise (CI logs). */
function progressReporter(ctx: OpsContext, total: number) {
  const counts: Record<BackfillResult, number> = { succeeded: 0, failed: 0, skipped: 0 };
  let finished = 0;
  return (row: BackfillRow) => {
    finished += 1;
    counts[row.result] += 1;
    const tally = `${finished}/${total} (${counts.succeeded} ok, ${counts.failed} failed, ${counts.skipped} skipped)`;
    if (ctx.io.isTty) {
      const width = 30;
      const filled = Math.round((finished / total) * width);
      ctx.io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tally} ${row.value}`);
      if (finished === total) ctx.io.err('');
    } else if (row.result !== 'skipped') {
      ctx.io.err(`${tally} ${row.value}: ${row.result}`);
    }
  };
}

/**
 * `backfill <job> --from --to`: one synchronous invocation per date or slot, at most `concurrency` at
 * a time, skipping what already succeeded unless --force; a summary table at the end, exit 1 if any failed.
 */
export async function backfillJob(ctx: OpsContext, job: JobSpec, options: BackfillOptions): Promise<number> {
  const backfill = job.backfill;
  if (!backfill) throw new OpsUsageError(`job "${job.id}" is not date- or slot-driven`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 20) {
    throw new OpsUsageError(`--concurrency must be 1-20, got ${options.concurrency}`);
  }
  const plan = planBackfill(job, options.from, options.to, ctx.io.now());
  const done = options.force ? new Set<string>() : await alreadySucceeded(ctx, job, plan.since);
  const report = progressReporter(ctx, plan.values.length);
  ctx.io.err(
    `backfill ${job.id} (${ctx.backend.label}): ${plan.values.length} ${backfill.unit}s, ${plan.values.filter((v) => done.has(v)).length} already succeeded, concurrency ${options.concurrency}`,
  );

  const rows = await mapWithConcurrency(plan.values, options.concurrency, async (value): Promise<BackfillRow> => {
    let row: BackfillRow;
    if (done.has(value)) {
      row = { value, result: 'skipped', durationMs: null, message: 'already succeeded' };
    } else {
      const payload = { ...options.payload, [backfill.field]: value };
      // A refused invocation (throttling, a timeout) fails this value only; the others go on.
      const run = await ctx.backend.invoke(job, payload, { backfill: true }).catch((error: Error) => ({
        ok: false,
        outcome: undefined,
        error: error.message,
        durationMs: 0,
      }));
      row = {
        value,
        result: run.ok ? 'succeeded' : 'failed',
        durationMs: run.durationMs,
        message: run.ok ? String(run.outcome?.message ?? 'ok') : (run.error ?? 'failed'),
      };
    }
    report(row);
    return row;
  });

  const count = (result: BackfillResult) => rows.filter((row) => row.result === result).length;
  const summary = { succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped') };
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ job: job.id, from: options.from, to: options.to, summary, runs: rows }, null, 2));
  } else {
    const table = rows.map((row) => [
      row.value,
      row.result,
      row.durationMs === null ? '' : (row.durationMs / 1000).toFixed(1),
      row.message,
    ]);
    ctx.io.out(renderTable([backfill.field, 'result', 'seconds', 'message'], table));
    ctx.io.out(
      `\n${job.id} ${options.from}..${options.to}: ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped` +
        (summary.skipped > 0 ? ' (already succeeded; --force runs them again)' : ''),
    );
  }
  return summary.failed > 0 ? 1 : 0;
}
