import type { JobSpec } from '../lib/job-spec';
import type { ScheduleState } from './ops-backend';
import type { OpsContext } from './ops-context';
import { renderTable } from './text-table';

/**
 * `pause <job>` / `resume <job>`: sets every schedule of the job to DISABLED / ENABLED (the original
 * YouTube sync's emergency step, `disable-rule`, on EventBridge Scheduler; a pause file in local mode).
 */
export async function setJobSchedulesState(ctx: OpsContext, job: JobSpec, state: ScheduleState): Promise<number> {
  const groupName = ctx.backend.scheduleGroup;
  const changes = await ctx.backend.setSchedulesState(job, state);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ job: job.id, group: groupName, schedules: changes }, null, 2));
    return 0;
  }
  ctx.io.out(
    renderTable(
      ['schedule', 'was', 'now'],
      changes.map((change) => [change.schedule, change.before, change.after]),
    ),
  );
  const verb = state === 'DISABLED' ? 'paused' : 'resumed';
  ctx.io.err(
    `${job.id} ${verb} in ${ctx.backend.label}${state === 'DISABLED' ? ` (resume: npm run ops -- resume ${job.id} --stage ${ctx.backend.stage})` : ''}`,
  );
  return 0;
}
