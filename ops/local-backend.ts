import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobForgetter } from '#shared/job-forget';
import { JobMuteStore } from '#shared/job-mutes';
import { JobStatusStore } from '#shared/job-status-store';
import { LOCAL_LOG_DIR_ENV, LOCAL_LOG_FORMAT_ENV, readableLogLine } from '#shared/local-mode-logger';
import type { JobSpec } from '../lib/job-spec';
import { localLogDir, type RunningLocalMode } from '../local/local-env';
import { localScheduleName } from '../local/local-schedules';
import { migrateDatabase } from '../local/migrate';
import { runJobLocally } from '../local/run-job';
import { pausedSchedulesFile, setSchedulesPaused } from '../local/schedule-pauses';
import type { Invocation, LogEvent, OpsBackend } from './ops-backend';
import { OpsError } from './ops-errors';

/** The JSON lines local mode's logger wrote for one service, oldest first. */
function readLogFile(file: string): Array<{ event: LogEvent; attributes: Record<string, unknown> }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        const attributes = JSON.parse(line) as Record<string, unknown>;
        return [{ event: { timestamp: Date.parse(String(attributes.timestamp)), message: line }, attributes }];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}

/**
 * A running `npm start` (local/start.ts): the job-status table in its dynalite, its JSON lines logs,
 * jobs run in this process through the same handler runner as `npm run invoke` with local mode's
 * environment (their log lines land in the same files), and its schedule pause file.
 */
export function localBackend(mode: RunningLocalMode): OpsBackend {
  const logDir = mode.env[LOCAL_LOG_DIR_ENV] ?? localLogDir(mode.dir);
  const logFile = (functionId: string) => path.join(logDir, `nightshift-${functionId}.jsonl`);
  const documentClient = () => {
    const dynamo = new DynamoDBClient({
      endpoint: mode.env.DYNAMODB_ENDPOINT,
      region: mode.env.AWS_REGION,
      credentials: { accessKeyId: mode.env.AWS_ACCESS_KEY_ID, secretAccessKey: mode.env.AWS_SECRET_ACCESS_KEY },
    });
    return DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  };
  const useLocalEnvironment = () => {
    // The jobs read their endpoints, tables and tokens from the environment, as on Lambda.
    Object.assign(process.env, mode.env, { [LOCAL_LOG_DIR_ENV]: logDir, [LOCAL_LOG_FORMAT_ENV]: 'file' });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  };
  return {
    label: `local mode (pid ${mode.pid})`,
    stage: 'local',
    statusTable: mode.env.JOB_STATUS_TABLE,
    statusStore: () => new JobStatusStore(documentClient(), mode.env.JOB_STATUS_TABLE),
    monitorEntries() {
      const [db, table] = [documentClient(), mode.env.JOB_STATUS_TABLE];
      const mutes = new JobMuteStore(db, table);
      return { mutes, forgetter: new JobForgetter(db, table, new JobStatusStore(db, table), mutes) };
    },
    // Local mode has no CloudWatch alarms (its metrics are off): the status page is what reflects an unmute.
    publishMonitorMetrics: async () => 'local mode has no alarms to publish to',
    explain: (error, resource) =>
      error instanceof OpsError
        ? error
        : new OpsError(`${resource} in local mode: ${(error as Error).message} (is npm start still running?)`),

    logSource: (functionId) => path.relative(process.cwd(), logFile(functionId)) || logFile(functionId),
    async readLogs(functionId, query) {
      return readLogFile(logFile(functionId))
        .filter(({ event }) => event.timestamp >= query.startTime && event.timestamp <= query.endTime)
        .filter(({ event }) => !query.run || event.message.includes(JSON.stringify(query.run)))
        .map(({ event }) => event)
        .slice(0, query.limit + 1);
    },

    runnerName: (job) => `local:${job.id}`,
    runnerLabel: (job) => `${job.id} in local mode (pid ${mode.pid})`,
    async invoke(job: JobSpec, payload, options = {}): Promise<Invocation> {
      useLocalEnvironment();
      const started = Date.now();
      try {
        // A deployed job never creates tables: bring the database up to date first, as the deploy does.
        if (mode.env.DATABASE_URL && job.secrets?.includes('database')) await migrateDatabase(mode.env.DATABASE_URL);
        const outcome = await runJobLocally(job, payload, options);
        const durationMs = Date.now() - started;
        const ok = outcome.status === 'success';
        const logTail = ok
          ? undefined
          : readLogFile(logFile(job.id))
              .filter(({ attributes }) => attributes.runId === outcome.runId)
              .slice(-10)
              .map(({ attributes }) => readableLogLine(attributes))
              .join('\n');
        return {
          ok,
          outcome: outcome as unknown as Record<string, unknown>,
          ...(ok ? {} : { error: outcome.message }),
          logTail,
          requestId: outcome.runId,
          durationMs,
        };
      } catch (error) {
        return { ok: false, error: (error as Error).message, durationMs: Date.now() - started };
      }
    },

    scheduleGroup: pausedSchedulesFile(mode.dir),
    async setSchedulesState(job, state) {
      const names = job.schedules.map((schedule) => localScheduleName(job, schedule));
      const before = setSchedulesPaused(mode.dir, names, state === 'DISABLED');
      return names.map((name) => ({ schedule: name, before: before.get(name) ? 'DISABLED' : 'ENABLED', after: state }));
    },

    async smokeApi(options) {
      const baseUrl = (options.apiUrl ?? mode.apiUrl ?? '').replace(/\/+$/, '');
      if (!baseUrl) throw new OpsError('local mode did not publish its API URL: restart npm start, or pass --api-url');
      return { baseUrl, readToken: async () => mode.env.JOB_READ_TOKEN };
    },
    pagerCheck: () => ({
      // Local mode has no alarms; the status page is what a person on call looks at there.
      name: 'status page answers',
      async run() {
        const url = `${mode.apiUrl}/incidents`;
        const response = await fetch(url, { redirect: 'manual' });
        if (response.status >= 500) throw new Error(`GET /incidents answered ${response.status}`);
        return `GET /incidents answered ${response.status}`;
      },
    }),
  };
}
