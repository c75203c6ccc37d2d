import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { nextRunAfter, type SchedulePlan } from './schedule-plan';

/**
 * The scheduling port: one schedule per job. EventBridge Scheduler on AWS (below); croner in
 * local mode (local/croner-job-scheduler.ts). Both fire the caller with the same event.
 */
export interface ScheduleSpec {
  jobId: string;
  /** The job row's generation: in the event, so the caller reads that generation's secret while it reads the row. */
  generation: string;
  plan: SchedulePlan;
  enabled: boolean;
  /** Runs later than this are recorded as missed; EventBridge stops retrying delivery then too. */
  misfireGraceSec: number;
  /** Interval jobs run at anchorAt + k × period, k ≥ 1 (on EventBridge through the schedule's StartDate). */
  anchorAt: string;
}

export interface JobScheduler {
  create(spec: ScheduleSpec): Promise<void>;
  /** Replaces the whole schedule (expression, state); pause and resume are updates. */
  update(spec: ScheduleSpec): Promise<void>;
  /** Deleting a schedule that is already gone (a one-shot job after its run) is not an error. */
  delete(jobId: string): Promise<void>;
}

export interface EventBridgeSchedulerSettings {
  groupName: string;
  /** The caller function. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the caller (and nothing else). */
  roleArn: string;
  /** Events EventBridge could not deliver. */
  deadLetterArn: string;
}

export class EventBridgeJobScheduler implements JobScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: EventBridgeSchedulerSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * rate() schedules: without a StartDate EventBridge fires at once, on every create and update. The
   * first run after now on the job's anchor grid (anchor + period on create and resume) keeps AWS on the
   * times next_run_time shows and local mode fires; never in the past, which EventBridge refuses.
   */
  private startDate(spec: ScheduleSpec): { StartDate?: Date } {
    if (!spec.plan.everyMinutes) return {};
    return { StartDate: nextRunAfter(spec.plan, new Date(spec.anchorAt), this.now()) as Date };
  }

  private input(spec: ScheduleSpec) {
    return {
      Name: spec.jobId,
      GroupName: this.settings.groupName,
      ScheduleExpression: spec.plan.expression,
      ScheduleExpressionTimezone: spec.plan.expressionTimezone ?? spec.plan.timezone,
      ...this.startDate(spec),
      Description: spec.plan.trigger,
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: spec.enabled ? ('ENABLED' as const) : ('DISABLED' as const),
      ActionAfterCompletion: spec.plan.oneShot ? ('DELETE' as const) : ('NONE' as const),
      Target: {
        Arn: this.settings.targetArn,
        RoleArn: this.settings.roleArn,
        // The caller compares the scheduled time with its own clock for misfire_grace_sec.
        Input: JSON.stringify({
          job_id: spec.jobId,
          generation: spec.generation,
          scheduled_time: '<aws.scheduler.scheduled-time>',
        }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: Math.max(60, spec.misfireGraceSec) },
        DeadLetterConfig: { Arn: this.settings.deadLetterArn },
      },
    };
  }

  async create(spec: ScheduleSpec): Promise<void> {
    await this.client.send(new CreateScheduleCommand(this.input(spec)));
  }

  async update(spec: ScheduleSpec): Promise<void> {
    await this.client.send(new UpdateScheduleCommand(this.input(spec)));
  }

  async delete(jobId: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: jobId, GroupName: this.settings.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
