import type { JobForgetter } from '#shared/job-forget';
import type { JobMuteStore } from '#shared/job-mutes';
import type { JobStatusStore } from '#shared/job-status-store';
import type { MonitorCount } from '../lambdas/job-monitor/alarm-state';
import type { JobSpec } from '../lib/job-spec';

/** One run of a job through a backend's runner. */
export interface Invocation {
  ok: boolean;
  /** The job's outcome (what the handler returned), when it succeeded. */
  outcome?: Record<string, unknown>;
  /** The error the handler threw (`errorType: errorMessage`), when it failed. */
  error?: string;
  /** The last lines of the run's log. */
  logTail?: string;
  /** The id `ops logs --run` finds the run's lines by. */
  requestId?: string;
  durationMs: number;
}

export interface LogEvent {
  timestamp: number;
  message: string;
}

export interface LogQuery {
  startTime: number;
  endTime: number;
  /** Only lines containing this run id. */
  run?: string;
  limit: number;
}

export interface ScheduleChange {
  schedule: string;
  before: string;
  after: string;
}

export type ScheduleState = 'ENABLED' | 'DISABLED';

/** The third smoke check, after the watchdog run and the job list: what proves the stage is watched. */
export interface SmokeCheck {
  name: string;
  run(): Promise<string>;
}

/**
 * Where the ops commands act: a deployed stage on AWS (aws-backend.ts) or a running `npm start`
 * (local-backend.ts). The commands (status.ts, logs.ts, ...) are written once against this port.
 */
export interface OpsBackend {
  /** `stage dev (ap-northeast-1)` or `local mode (pid 1234)`, for messages. */
  readonly label: string;
  /** The `--stage` that reaches this backend again, for the commands ops suggests. */
  readonly stage: string;
  /** The job-status table's name. */
  readonly statusTable: string;
  /** The job-status table (DynamoDB, or local mode's dynalite). */
  statusStore(): JobStatusStore;
  /** The job monitor's mutes and job forgetting, on the same table (mute, unmute, forget). */
  monitorEntries(): { mutes: JobMuteStore; forgetter: JobForgetter };
  /** Publishes the monitor's alarm metrics now (after an unmute); says what it did, for the summary line. */
  publishMonitorMetrics(metrics: readonly MonitorCount[]): Promise<string>;
  /** Explains a failure of statusStore() in one line. */
  explain(error: unknown, resource: string): Error;
  /** What `logs` reads from, for its summary line. */
  logSource(functionId: string): string;
  readLogs(functionId: string, query: LogQuery): Promise<LogEvent[]>;
  /** The function (AWS) or runner (local) a run goes to, in --json output. */
  runnerName(job: Pick<JobSpec, 'id'>): string;
  /** What `rerun` says it invokes. */
  runnerLabel(job: Pick<JobSpec, 'id'>): string;
  /** `backfill`: the run is part of a backfill, and the job monitor records it so. */
  invoke(job: JobSpec, payload: Record<string, unknown>, options?: { backfill?: boolean }): Promise<Invocation>;
  /** The schedule group (AWS) or file (local) `pause`/`resume` change. */
  readonly scheduleGroup: string;
  setSchedulesState(job: JobSpec, state: ScheduleState): Promise<ScheduleChange[]>;
  /** The job monitor API and a read token for the smoke test. */
  smokeApi(options: { outputs?: string; apiUrl?: string }): Promise<{ baseUrl: string; readToken(): Promise<string> }>;
  pagerCheck(): SmokeCheck;
}
