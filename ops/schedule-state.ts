import { GetScheduleCommand, type ScheduleState, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { type JobSpec, scheduleGroupNameFor, scheduleNameFor } from '../lib/job-spec';
import type { OpsContext } from './ops-context';
import { explainAwsError } from './ops-errors';
import { renderTable } from './text-table';

interface ScheduleChange {
  schedule: string;
  before: string;
  after: string;
}

/**
 * `pause <job>` / `resume <job>`: sets every schedule of the job to DISABLED / ENABLED (the original
 * YouTube sync's emergency step, `disable-rule`, on EventBridge Scheduler). UpdateSchedule replaces the whole
 * schedule, so everything else is copied from GetSchedule unchanged.
 */
export async function setJobSchedulesState(ctx: OpsContext, job: JobSpec, state: ScheduleState): Promise<number> {
  const groupName = scheduleGroupNameFor(ctx.target.stage);
  const changes: ScheduleChange[] = [];
  for (const { name: scheduleId } of job.schedules) {
    const name = scheduleNameFor(job.id, scheduleId);
    try {
      const current = await ctx.clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: groupName }));
      const before = current.State ?? 'ENABLED';
      if (before !== state) {
        await ctx.clients.scheduler.send(
          new UpdateScheduleCommand({
            Name: name,
            GroupName: groupName,
            ScheduleExpression: current.ScheduleExpression,
            ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
            StartDate: current.StartDate,
            EndDate: current.EndDate,
            Description: current.Description,
            FlexibleTimeWindow: current.FlexibleTimeWindow,
            Target: current.Target,
            KmsKeyArn: current.KmsKeyArn,
            ActionAfterCompletion: current.ActionAfterCompletion,
            State: state,
          }),
        );
      }
      changes.push({ schedule: name, before, after: state });
    } catch (error) {
      throw explainAwsError(error, ctx.target, `schedule ${groupName}/${name}`);
    }
  }
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
    `${job.id} ${verb} in ${ctx.target.stage}${state === 'DISABLED' ? ` (resume: npm run ops -- resume ${job.id} --stage ${ctx.target.stage})` : ''}`,
  );
  return 0;
}
