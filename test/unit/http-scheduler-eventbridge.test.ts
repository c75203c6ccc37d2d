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
import { nextRunAfter, planSchedule } from '../../lambdas/http-scheduler/schedule-plan';

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
  let clock = now;
  const scheduler = new EventBridgeJobScheduler(
    new SchedulerClient({ region: 'ap-northeast-1' }),
    settings,
    () => clock,
  );
  beforeEach(() => {
    mock.reset();
    clock = now;
  });

  it('creates a cron job as one recurring schedule in the group, in the job time zone', async () => {
    const plan = planOf({ schedule_type: 'cron', cron: { hour: '10', minute: '30' } });
    await scheduler.create({
      jobId: 'daily-report',
      generation: GENERATION,
      plan,
      enabled: true,
      misfireGraceSec: 60,
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
      generation: GENERATION,
      plan,
      enabled: true,
      misfireGraceSec: 600,
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
        generation: GENERATION,
        plan: planOf({ schedule_type: 'interval', interval }),
        enabled: true,
        misfireGraceSec: 60,
        anchorAt: now.toISOString(),
      });
      expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpression).toBe(expression);
    }
  });

  it('starts an interval job one period after its creation (StartDate), not at once as a rate() schedule without one does', async () => {
    const plan = planOf({ schedule_type: 'interval', interval: { minutes: 10 } });
    await scheduler.create({
      jobId: 'health',
      generation: GENERATION,
      plan,
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: now.toISOString(),
    });

    expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input).toEqual({
      Name: 'health',
      GroupName: 'nightshift-dev-http-jobs',
      ScheduleExpression: 'rate(10 minutes)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      StartDate: new Date('2025-09-01T00:10:00Z'),
      Description: 'interval[0:10:00]',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      Target: target(60, 'health'),
    });
  });

  it('pauses by updating the whole schedule with state DISABLED, its StartDate the next run on the job grid (never in the past)', async () => {
    const plan = planOf({ schedule_type: 'interval', interval: { minutes: 10 } });
    clock = new Date('2025-09-01T05:03:00Z');
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
      StartDate: new Date('2025-09-01T05:10:00Z'),
      Description: 'interval[0:10:00]',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'DISABLED',
      ActionAfterCompletion: 'NONE',
      Target: target(60, 'health'),
    });
  });

  it('resumes an interval job one period after the resume, where next_run_time and local mode put its next run', async () => {
    const plan = planOf({ schedule_type: 'interval', interval: { hours: 2 } });
    const resumedAt = new Date('2025-09-03T07:21:09.500Z');
    clock = resumedAt;
    await scheduler.update({
      jobId: 'health',
      generation: GENERATION,
      plan,
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: resumedAt.toISOString(),
    });

    const input = mock.commandCalls(UpdateScheduleCommand)[0].args[0].input;
    expect(input).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'rate(2 hours)' });
    expect(input.StartDate).toEqual(new Date('2025-09-03T09:21:09.500Z'));
    expect(input.StartDate).toEqual(nextRunAfter(plan, resumedAt, resumedAt));
  });

  it('sends no StartDate for cron and date jobs: they fire on their own times', async () => {
    await scheduler.create({
      jobId: 'daily',
      generation: GENERATION,
      plan: planOf({ schedule_type: 'cron', cron: { hour: '10' } }),
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: now.toISOString(),
    });
    await scheduler.create({
      jobId: 'once',
      generation: GENERATION,
      plan: planOf({ schedule_type: 'date', run_at: '2025-09-20T15:00:00+09:00' }),
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: now.toISOString(),
    });

    for (const call of mock.commandCalls(CreateScheduleCommand))
      expect(call.args[0].input).not.toHaveProperty('StartDate');
  });

  it('sends a date job whose wall-clock time occurs twice in its zone as at() in UTC, so EventBridge runs it at that instant', async () => {
    // New York falls back at 02:00 EDT on 2025-11-02: 01:30 is 05:30Z (EDT) and again 06:30Z (EST).
    for (const [runAt, utcWall] of [
      ['2025-11-02T01:30:00-04:00', '2025-11-02T05:30:00'],
      ['2025-11-02T01:30:00-05:00', '2025-11-02T06:30:00'],
    ]) {
      mock.reset();
      const plan = planOf({ schedule_type: 'date', run_at: runAt, timezone: 'America/New_York' });
      await scheduler.create({
        jobId: 'once',
        generation: GENERATION,
        plan,
        enabled: true,
        misfireGraceSec: 60,
        anchorAt: now.toISOString(),
      });

      expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input).toMatchObject({
        ScheduleExpression: `at(${utcWall})`,
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'DELETE',
      });
    }
    // An hour that occurs once keeps the job's own zone.
    mock.reset();
    const plan = planOf({ schedule_type: 'date', run_at: '2025-11-02T03:30:00-05:00', timezone: 'America/New_York' });
    await scheduler.create({
      jobId: 'once',
      generation: GENERATION,
      plan,
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: now.toISOString(),
    });
    expect(mock.commandCalls(CreateScheduleCommand)[0].args[0].input).toMatchObject({
      ScheduleExpression: 'at(2025-11-02T03:30:00)',
      ScheduleExpressionTimezone: 'America/New_York',
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
