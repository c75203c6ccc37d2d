/**
 * The shape of one scheduled job in the registry (lib/jobs.ts).
 * Plain typed data, no aws-cdk-lib import: local mode and the CLI read it without loading CDK.
 */
import type { TablePrivilege } from '../contracts/database-roles';
import { cronProblem } from './cron';

/** The secrets a job may read. Each maps to one Secrets Manager secret created or imported by the stacks. */
export type JobSecret = 'database' | 'ftp' | 'youtube';

export interface JobSchedule {
  /** Stable name, part of the EventBridge schedule name (`<job>-<name>`). */
  readonly name: string;
  /** Five-field cron (minute hour day-of-month month day-of-week), evaluated in Asia/Tokyo. */
  readonly cron: string;
  /** Payload the schedule sends. @default the job's defaultPayload */
  readonly payload?: Record<string, unknown>;
}

export interface JobAlarmThresholds {
  /** Errors alarm fires at this many failed invocations in 5 minutes. @default 1 */
  readonly errors?: number;
  /** Duration alarm fires above this share of the timeout. @default 0.8 */
  readonly durationShareOfTimeout?: number;
  /** Duration alarm fires above this many seconds, whatever the timeout; wins over durationShareOfTimeout. @default none */
  readonly durationSeconds?: number;
}

/**
 * How `npm run ops -- backfill` drives a date- or slot-driven job: one payload per date
 * (`unit: 'date'`, `YYYY-MM-DD`) or per schedule slot (`unit: 'slot'`, JST `YYYY-MM-DDTHH:mm`, the
 * times the job's crons fire) in `field`. The job echoes the value in its outcome details under the
 * same name, so a backfill can skip what already succeeded.
 */
export interface JobBackfill {
  readonly field: string;
  readonly unit: 'date' | 'slot';
}

/**
 * What a database job's own PostgreSQL role may do (lib/database-roles.ts turns it into the role the
 * migrations create). The job signs in as that role, never as the database's admin user.
 */
export interface JobDatabaseAccess {
  /** Tables the migrations create, with exactly these privileges. */
  readonly tables: Readonly<Record<string, readonly TablePrivilege[]>>;
  /**
   * Tables the job only reads, named by its settings (`jobSettings.<job>`), e.g. ftp-export's source tables:
   * granted SELECT when they exist. @default none
   */
  readonly settingsTables?: (settings: Readonly<Record<string, unknown>>) => readonly string[];
  /** May create temporary tables (TEMPORARY on the database). @default false */
  readonly temporaryTables?: boolean;
}

export interface JobSpec {
  /** kebab-case id: the one name of the job in code, config, logs, metrics and docs. */
  readonly id: string;
  /** One line for people: shown in alarms, the dashboard and the runbook (English, like them). */
  readonly title: string;
  /**
   * The title on the status page, which is Japanese throughout (as the TC Portal it stands beside); it
   * reaches the monitor as the title of the job's built-in expectation. @default title
   */
  readonly displayTitle?: string;
  /** Handler file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly schedules: readonly JobSchedule[];
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Runs in the VPC's private subnets (needed to reach the database). */
  readonly inVpc: boolean;
  /** Secrets the job may read; nothing else is granted. 'database' is the job's own role secret. @default [] */
  readonly secrets?: readonly JobSecret[];
  /** Required with the 'database' secret: what its PostgreSQL role may do. @default none */
  readonly database?: JobDatabaseAccess;
  /**
   * Access to the job-status table. Every job records its outcome there ('record');
   * the watchdog also reads and marks jobs ('read-write'). @default 'record'
   */
  readonly jobStatusTable?: 'record' | 'read-write';
  /** Access to the analytics bucket. @default none */
  readonly analyticsBucket?: 'read' | 'read-write';
  /** Limits the analytics bucket grants to object keys under this prefix (and listing to it). @default the whole bucket */
  readonly analyticsPrefix?: string;
  /** Query access to the messages table (config `dailyParquet.messagesTable`), nothing else on it. @default none */
  readonly messagesTable?: 'query';
  /**
   * Schedules add `scheduled_time` (the slot's own time, ISO 8601) to the payload, so a late or
   * retried run processes its slot rather than the wall clock's. The job's payload must accept it.
   * @default false
   */
  readonly scheduledTimeInPayload?: boolean;
  /** Receives every registry job's expected schedule as BUILT_IN_EXPECTATIONS (the watchdog). @default false */
  readonly watchesRegistry?: boolean;
  /** Extra environment variables (non-secret). @default {} */
  readonly environment?: Record<string, string>;
  /** Payload used when a schedule gives none, and in the re-run command of the alarms. */
  readonly defaultPayload: Record<string, unknown>;
  readonly alarms?: JobAlarmThresholds;
  /** Makes the job backfillable by date or slot. @default not backfillable */
  readonly backfill?: JobBackfill;
}

// Shared with the job monitor's job page (Lambda code cannot import lib/).
export { functionNameFor, lambdaLogGroupName, logGroupNameFor, rerunCommand } from '../contracts/job-commands';

/** nightshift functions that are not registry jobs; their names come from functionNameFor too. */
export const SERVICE_FUNCTION_IDS = {
  jobMonitor: 'job-monitor',
  manualTrigger: 'manual-trigger',
  httpScheduler: 'http-scheduler',
  databaseMigrations: 'db-migrate',
  demoMessages: 'demo-messages',
} as const;

/** EventBridge Scheduler refuses a schedule name over 64 characters, or with other characters than these. */
export const SCHEDULE_NAME_LIMIT = 64;
const SCHEDULE_NAME_CHARACTERS = /^[0-9A-Za-z_.-]+$/;

/** EventBridge Scheduler group holding every registry schedule of a stage. */
export function scheduleGroupNameFor(stage: string): string {
  return `nightshift-${stage}`;
}

/** EventBridge Scheduler name of one of a job's schedules (unique within the stage's group). */
export function scheduleNameFor(jobId: string, scheduleName: string): string {
  return `${jobId}-${scheduleName}`;
}

/**
 * The event that runs a registry job by hand through EventBridge (default bus): Source and DetailType
 * below, Detail `{"stage": "<stage>", "job": "<id>", "payload": {...}}`. The stage scopes it: every
 * stage of an account and region shares the bus, so an event without one would start the job in all of
 * them. The original command (no stage in the detail) is answered by the one stage whose config sets
 * `originalManualTrigger` (prod in cdk.json), and by local mode.
 */
export const MANUAL_TRIGGER = { source: 'nightshift', detailType: 'manual-trigger' } as const;

/** The stage's manual-trigger rule pattern (EventBridge event-pattern syntax). */
export function manualTriggerEventPattern(stage: string, answersOriginalCommand: boolean) {
  const ownStage = { stage: [stage] };
  return {
    source: [MANUAL_TRIGGER.source],
    'detail-type': [MANUAL_TRIGGER.detailType],
    detail: answersOriginalCommand ? { $or: [ownStage, { stage: [{ exists: false }] }] } : ownStage,
  };
}

/**
 * `aws events put-events` starting `jobId` with `payload` in `stage`. `stage` may be a shell variable
 * (`$STAGE`, as the runbook writes it): the entry is double-quoted for the shell, and Detail is a
 * single-quoted value of the CLI's shorthand syntax.
 */
export function manualTriggerCommand(stage: string, jobId: string, payload: Record<string, unknown>): string {
  const placeholder = '__nightshift_stage__';
  const detail = JSON.stringify({ stage: placeholder, job: jobId, payload });
  const shorthand = detail.replace(/[\\']/g, (char) => `\\${char}`);
  const forShell = shorthand.replace(/[\\"$`]/g, (char) => `\\${char}`).replace(placeholder, stage);
  return `aws events put-events --entries "Source=${MANUAL_TRIGGER.source},DetailType=${MANUAL_TRIGGER.detailType},Detail='${forShell}'"`;
}

const JOB_ID = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

/** What is wrong with a job id, or undefined: kebab-case, 3-40 characters (its names are built from it). */
export function jobIdProblem(id: string): string | undefined {
  return JOB_ID.test(id) ? undefined : `job id "${id}" must be kebab-case, 3-40 characters`;
}

/** Registry invariants checked at load time, so a bad entry fails synth and tests with a clear message. */
export function validateRegistry(jobs: readonly JobSpec[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    const idProblem = jobIdProblem(job.id);
    if (idProblem) problems.push(idProblem);
    if (seen.has(job.id)) problems.push(`job id "${job.id}" is registered twice`);
    seen.add(job.id);
    if (job.schedules.length === 0) problems.push(`job ${job.id}: needs at least one schedule`);
    const names = new Set(job.schedules.map((s) => s.name));
    if (names.size !== job.schedules.length) problems.push(`job ${job.id}: schedule names must be unique`);
    for (const schedule of job.schedules) {
      const problem = cronProblem(schedule.cron);
      if (problem) problems.push(`job ${job.id}: schedule ${schedule.name}: ${problem}`);
      const scheduleName = scheduleNameFor(job.id, schedule.name);
      if (scheduleName.length > SCHEDULE_NAME_LIMIT) {
        problems.push(
          `job ${job.id}: schedule ${schedule.name}: its EventBridge Scheduler name "${scheduleName}" has ${scheduleName.length} characters, over the ${SCHEDULE_NAME_LIMIT} allowed; shorten the schedule name`,
        );
      }
      if (!SCHEDULE_NAME_CHARACTERS.test(scheduleName)) {
        problems.push(
          `job ${job.id}: schedule "${schedule.name}": EventBridge Scheduler names allow letters, digits, "-", "_" and "." only`,
        );
      }
    }
    if (job.timeoutSeconds < 1 || job.timeoutSeconds > 900) problems.push(`job ${job.id}: timeoutSeconds 1-900`);
    if (job.memoryMb < 128 || job.memoryMb > 10240) problems.push(`job ${job.id}: memoryMb 128-10240`);
    const durationSeconds = job.alarms?.durationSeconds;
    if (durationSeconds !== undefined && (durationSeconds <= 0 || durationSeconds >= job.timeoutSeconds)) {
      problems.push(`job ${job.id}: alarms.durationSeconds must be above 0 and below timeoutSeconds`);
    }
    const usesDatabase = (job.secrets ?? []).includes('database');
    if (usesDatabase && !job.inVpc) {
      problems.push(`job ${job.id}: reads the database secret, so it must run inVpc`);
    }
    if (usesDatabase !== (job.database !== undefined)) {
      problems.push(`job ${job.id}: the 'database' secret and \`database\` (its role's grants) go together`);
    }
    for (const [table, privileges] of Object.entries(job.database?.tables ?? {})) {
      if (privileges.length === 0) problems.push(`job ${job.id}: database.tables.${table} grants nothing`);
    }
    if ((Object.values(SERVICE_FUNCTION_IDS) as string[]).includes(job.id)) {
      problems.push(`job id "${job.id}" is taken by a nightshift function of the same name`);
    }
    if (job.backfill && !/^[a-z_][a-z0-9_]*$/.test(job.backfill.field)) {
      problems.push(`job ${job.id}: backfill.field "${job.backfill.field}" must be a payload field name (snake_case)`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid job registry:\n  ${problems.join('\n  ')}`);
}
