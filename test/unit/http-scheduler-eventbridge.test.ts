import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { validateJobRequest } from '../../lambdas/http-scheduler/job-request';
import { EventBridgeJobScheduler } from '../../lambdas/http-scheduler/job-scheduler';
import { planSchedule } from '../../lambdas/http-scheduler/schedule-plan';

const settings = {
  groupName: 'nightshift-dev-http-jobs',
  targetArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:nightshift-dev-http-job-caller',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:ap-northeast-1:123456789012:nightshift-dev-http-jobs-dlq',
};
const now = new Date('2025-09-01T00:00:00Z');
const GENERATION = '6f1c2b0e-8d7a-4c1e-9b3f-2a5d4e6f7a8b';

function planOf(body: Record<string, unknown>) {
  const validation = validateJobRequest({ target_url: 'https://example.com/run', ...body }, now);
  if (!validation.ok) throw new Error(validation.error);
  return planSchedule(validation.job);
}

const target = (misfireSec: number, jobId: string) => ({
  Arn: settings.targetArn,
  RoleArn: settings.roleArn,
  Input: JSON.stringify({ job_id: jobId, generation: GENERATION, scheduled_time: '<aws.scheduler.scheduled-time>' }),
  RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: misfireSec },
  DeadLetterConfig: { Arn: settings.deadLetterArn },
});

describe('EventBridge Scheduler adapter', () => {
  const mock = mockClient(SchedulerClient);
  const scheduler = new EventBridgeJobScheduler(new SchedulerClient({ region: 'ap-northeast-1' }), settings);
  beforeEach(() => mock.reset());

  it('creates a cron job as one recurring schedule in the group, in the job time zone', async () => {
    const plan = planOf({ schedule_type: 'cron', cron: { hour: '10', minute: '30' } });
    await scheduler.create({
      jobId: 'daily-report',
      plan,
      enabled: true,
      misfireGraceSec: 60,
      generation: GENERATION,
      anchorAt: now.toISOString(),
    });

    expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input).toEqual({
      Name: 'daily-report',
      GroupName: 'nightshift-dev-http-jobs',
      ScheduleExpression: 'cron(30 10 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Description: "cron[hour='10', minute='30']",
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      Target: target(60, 'daily-report'),
    });
  });

  it('creates a date job as a one-shot at() schedule that EventBridge deletes after its run', async () => {
    const plan = planOf({ schedule_type: 'date', run_at: '2025-09-20T15:00:00+09:00', timezone: 'Europe/London' });
    await scheduler.create({
      jobId: 'billing',
      plan,
      enabled: true,
      misfireGraceSec: 600,
      generation: GENERATION,
      anchorAt: now.toISOString(),
    });

    expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input).toMatchObject({
      ScheduleExpression: 'at(2025-09-20T07:00:00)',
      ScheduleExpressionTimezone: 'Europe/London',
      ActionAfterCompletion: 'DELETE',
      Description: 'date[2025-09-20 07:00:00 BST]',
      Target: target(600, 'billing'),
    });
  });

  it('creates an interval job as a rate() schedule in the largest whole unit', async () => {
    for (const [interval, expression] of [
      [{ minutes: 10 }, 'rate(10 minutes)'],
      [{ hours: 2 }, 'rate(2 hours)'],
      [{ hours: 1, minutes: 30 }, 'rate(90 minutes)'],
      [{ weeks: 1 }, 'rate(7 days)'],
      [{ days: 1 }, 'rate(1 day)'],
    ] as const) {
      mock.reset();
      await scheduler.create({
        jobId: 'health',
        plan: planOf({ schedule_type: 'interval', interval }),
        enabled: true,
        misfireGraceSec: 60,
        generation: GENERATION,
        anchorAt: now.toISOString(),
      });
      expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpression).toBe(expression);
    }
  });

  it('pauses by updating the whole schedule with state DISABLED', async () => {
    const plan = planOf({ schedule_type: 'interval', interval: { minutes: 10 } });
    await scheduler.update({
      jobId: 'health',
      generation: GENERATION,
      plan,
      enabled: false,
      misfireGraceSec: 60,
      anchorAt: now.toISOString(),
    });

    expect(mock.commandCalls(UpdateScheduleCommand)[0].args[0].input).toEqual({
      Name: 'health',
      GroupName: 'nightshift-dev-http-jobs',
      ScheduleExpression: 'rate(10 minutes)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Description: 'interval[0:10:00]',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'DISABLED',
      ActionAfterCompletion: 'NONE',
      Target: target(60, 'health'),
    });
  });

  it('deletes the schedule from the group, and treats an already deleted one as done', async () => {
    mock
      .on(DeleteScheduleCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    await expect(scheduler.delete('billing')).resolves.toBeUndefined();
    expect(mock.commandCalls(DeleteScheduleCommand)[0].args[0].input).toEqual({
      Name: 'billing',
      GroupName: 'nightshift-dev-http-jobs',
    });
  });

  it('passes other delete failures on', async () => {
    mock.on(DeleteScheduleCommand).rejects(new Error('throttled'));
    await expect(scheduler.delete('billing')).rejects.toThrow('throttled');
  });
});
