import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeJobScheduler } from '../../lambdas/http-scheduler/job-scheduler';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

/**
 * Jobs through the API onto EventBridge Scheduler (its client mocked), checked on what AWS receives:
 * when the schedule starts, in which zone, and that a schedule that never fires is not created.
 */
describe('HTTP jobs on EventBridge Scheduler', () => {
  const schedulerClient = mockClient(SchedulerClient);
  let fixture: SchedulerFixture;
  const settings = {
    groupName: 'nightshift-dev-http-jobs',
    targetArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:nightshift-dev-http-job-caller',
    roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    deadLetterArn: 'arn:aws:sqs:ap-northeast-1:123456789012:nightshift-dev-http-jobs-dlq',
  };
  const expectedInput = (
    state: 'ENABLED' | 'DISABLED',
    startDate: string,
    generation: string,
  ): CreateScheduleCommandInput => ({
    Name: 'health',
    GroupName: settings.groupName,
    ScheduleExpression: 'rate(10 minutes)',
    ScheduleExpressionTimezone: 'Asia/Tokyo',
    StartDate: new Date(startDate),
    Description: 'interval[0:10:00]',
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: state,
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: settings.targetArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify({ job_id: 'health', generation, scheduled_time: '<aws.scheduler.scheduled-time>' }),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
      DeadLetterConfig: { Arn: settings.deadLetterArn },
    },
  });

  beforeEach(async () => {
    schedulerClient.reset();
    // The adapter reads the API's clock.
    const jobScheduler = new EventBridgeJobScheduler(
      new SchedulerClient({ region: 'ap-northeast-1' }),
      settings,
      () => new Date(fixture.clock.now),
    );
    fixture = await startSchedulerFixture({ now: new Date('2025-09-01T00:00:00Z'), jobScheduler });
  });
  afterEach(() => fixture.close());

  // A rate() schedule without StartDate fires at once, on every create and every update.
  it('starts an interval job one period after creation and after each resume, where next_run_time puts the run', async () => {
    const created = await fixture.request('POST', '/jobs', {
      job_id: 'health',
      schedule_type: 'interval',
      interval: { minutes: 10 },
      target_url: 'https://example.com/health',
    });
    expect(created.json.next_run_time).toBe('2025-09-01T09:10:00+09:00');
    const generation = (await fixture.store.getJob('health'))?.generation as string;
    expect(schedulerClient.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input)).toEqual([
      expectedInput('ENABLED', '2025-09-01T00:10:00Z', generation),
    ]);

    fixture.clock.now = new Date('2025-09-01T03:07:00Z');
    expect((await fixture.request('POST', '/jobs/health/pause')).status).toBe(200);
    fixture.clock.now = new Date('2025-09-02T05:21:30Z');
    expect((await fixture.request('POST', '/jobs/health/resume')).status).toBe(200);
    const shown = await fixture.request('GET', '/jobs/health');

    expect(shown.json.next_run_time).toBe('2025-09-02T14:31:30+09:00');
    expect(schedulerClient.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input)).toEqual([
      // Paused: the next run on the old grid, so the StartDate is never in the past (EventBridge refuses that).
      expectedInput('DISABLED', '2025-09-01T03:10:00Z', generation),
      // Resumed: counting starts again from the resume.
      expectedInput('ENABLED', '2025-09-02T05:31:30Z', generation),
    ]);
  });

  it('refuses a cron that never fires with 400 naming cron, and creates nothing', async () => {
    for (const cron of [
      { month: '2', day: '30' },
      { month: '4', day: '31', hour: '9' },
    ]) {
      const response = await fixture.request('POST', '/jobs', {
        schedule_type: 'cron',
        cron,
        target_url: 'https://example.com/run',
      });

      expect(response.status).toBe(400);
      expect(response.json.error).toBe(
        'cron: has no run within the next year (in Asia/Tokyo): it would never be called',
      );
    }
    expect(schedulerClient.commandCalls(CreateScheduleCommand)).toEqual([]);
    expect(await fixture.store.listJobs()).toEqual([]);
  });

  it('stores and schedules a time zone as the time-zone database spells it, whatever its letter case', async () => {
    const created = await fixture.request('POST', '/jobs', {
      job_id: 'tokyo',
      schedule_type: 'cron',
      cron: { hour: '10', minute: '30' },
      timezone: 'asia/tokyo',
      target_url: 'https://example.com/run',
    });
    expect(created.status).toBe(201);

    expect((await fixture.request('GET', '/jobs/tokyo')).json.timezone).toBe('Asia/Tokyo');
    expect((await fixture.store.getJob('tokyo'))?.plan.timezone).toBe('Asia/Tokyo');
    expect(schedulerClient.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpressionTimezone).toBe(
      'Asia/Tokyo',
    );
    // The watchdog's expectation of the job too.
    const expectations = await fixture.statusStore.expectations.list();
    expect(expectations.map((expectation) => expectation.timezone)).toEqual(['Asia/Tokyo']);
  });
});
