/**
 * `npm start`: local mode. Embedded PostgreSQL, DynamoDB (dynalite), S3 (s3rver) and FTPS
 * (ftp-srv) with data kept in .local/, the job monitor API and status page on localhost, and
 * every registry job on its schedule (croner, Asia/Tokyo), all running the deployed code.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_LOG_DIR_ENV, LOCAL_LOG_FORMAT_ENV } from '../lambdas/shared/local-mode-logger';
import { builtInJobInfos } from '../lib/built-in-jobs';
import { builtInExpectations } from '../lib/expectations';
import { JOBS } from '../lib/jobs';
import { LOCAL_MESSAGES_TABLE, localTenants, seedDemoMessages } from './daily-parquet-local';
import { seedOutsideJobReports, seedVisitorCounts } from './demo-data';
import { createJobStatusTable } from './job-status-table';
import { startLocalApi } from './local-api';
import { LOCAL_DIR, LOCAL_ENV_FILE, LOCAL_RESOURCES, localLogDir } from './local-env';
import { formatJstMinute, startLocalSchedules } from './local-schedules';
import { migrateDatabase } from './migrate';
import { storeRegistryExpectations } from './registry-expectations';
import { readPausedSchedules } from './schedule-pauses';
import { describeServices, servicesEnv, startLocalServices } from './services';
import { type BannerRow, renderBanner } from './start-banner';
import { startLocalYoutube } from './youtube-local';

const secret = () => randomBytes(24).toString('base64url');

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const unknown = argv.filter((arg) => arg !== '--json');
  if (unknown.length > 0) {
    console.error(`npm start: unknown option ${unknown.join(' ')} (usage: npm start [-- --json])`);
    process.exit(2);
  }
  mkdirSync(LOCAL_DIR, { recursive: true });
  const logDir = localLogDir();
  console.log('nightshift local mode: starting embedded services (data in .local/) ...');
  const services = await startLocalServices({ baseDir: path.join(LOCAL_DIR, 'data'), persistent: true });
  const generated: string[] = [];
  const orGenerate = (name: string) => {
    if (process.env[name]) return process.env[name];
    generated.push(name);
    return secret();
  };
  // Variables the caller set win: DATABASE_URL, FTP_* etc. can point at real services (docs/architecture.md).
  const env: Record<string, string> = {
    ...servicesEnv(describeServices(services)),
    JOB_STATUS_TABLE: LOCAL_RESOURCES.jobStatusTable,
    ANALYTICS_BUCKET: LOCAL_RESOURCES.analyticsBucket,
    MESSAGES_TABLE: LOCAL_MESSAGES_TABLE,
    TENANT_ID: localTenants(),
    JOB_REPORT_SECRET: orGenerate('JOB_REPORT_SECRET'),
    JOB_READ_TOKEN: orGenerate('JOB_READ_TOKEN'),
    SCHEDULER_ADMIN_TOKEN: orGenerate('SCHEDULER_ADMIN_TOKEN'),
    POWERTOOLS_METRICS_DISABLED: 'true',
    BUILT_IN_EXPECTATIONS: JSON.stringify(builtInExpectations(JOBS)),
    BUILT_IN_JOBS: JSON.stringify(builtInJobInfos(JOBS)),
    // Every log event also goes to .local/logs as JSON lines; the terminal gets readable lines unless --json.
    [LOCAL_LOG_DIR_ENV]: logDir,
    ...(json ? { [LOCAL_LOG_FORMAT_ENV]: 'json' } : {}),
  };
  const youtube = await startLocalYoutube();
  Object.assign(env, youtube.env);
  for (const [name, value] of Object.entries(env)) process.env[name] ||= value;
  for (const name of Object.keys(env)) env[name] = process.env[name] as string;

  const dynamo = new DynamoDBClient({ endpoint: env.DYNAMODB_ENDPOINT, region: env.AWS_REGION });
  await createJobStatusTable(dynamo, env.JOB_STATUS_TABLE);
  await createBucketIfMissing(env);
  // The demo source table first, as a source system's table exists before a deploy grants ftp-export on it.
  const demoRows = await seedVisitorCounts(env.DATABASE_URL);
  // Jobs sign in as their own roles (DATABASE_URL_<JOB>), as deployed; DATABASE_URL stays the admin's.
  const { jobEnv } = await migrateDatabase(env.DATABASE_URL, { jobSettings: process.env.JOB_SETTINGS });
  for (const [name, value] of Object.entries(jobEnv)) env[name] = process.env[name] ||= value;
  await seedOutsideJobReports(dynamo, env.JOB_STATUS_TABLE);
  await storeRegistryExpectations(dynamo, env.JOB_STATUS_TABLE, env.BUILT_IN_EXPECTATIONS);
  const demoMessages = await seedDemoMessages(dynamo, env.MESSAGES_TABLE, env.TENANT_ID.split(','));

  const port = Number(process.env.PORT ?? 3000);
  const http = await startLocalApi({ port, env, dataDir: LOCAL_DIR, log: (line) => console.log(line) });
  writeFileSync(LOCAL_ENV_FILE, JSON.stringify({ pid: process.pid, apiUrl: http.url, env }, null, 2), {
    mode: 0o600,
  });

  const schedules = startLocalSchedules(
    JOBS,
    (line) => console.log(line),
    (name) => readPausedSchedules(LOCAL_DIR).has(name),
  );

  const cronWidth = Math.max(...schedules.map((cron) => cron.getPattern().length));
  const rows: BannerRow[] = [
    ['status page', `${http.url}/incidents   (browser login: any user, password = JOB_READ_TOKEN)`],
    ['job report', `POST ${http.url}/api/monitor/job-report   (header X-TC-Portal-Webhook-Secret)`],
    ['job list', `GET  ${http.url}/api/monitor/jobs   (Authorization: Bearer <JOB_READ_TOKEN>)`],
    [
      'HTTP jobs',
      `${http.url}/jobs   (Bearer <SCHEDULER_ADMIN_TOKEN>; ${http.httpJobs.restored} restored)   API docs ${http.url}/docs`,
    ],
    ['echo target', `${http.echoUrl}   (GET/POST; HTTP jobs may call it, other local URLs need HTTP_JOBS_ALLOW_HOSTS)`],
    ['PostgreSQL', `${env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}   (visitor_counts: ${demoRows} demo rows)`],
    [
      'DynamoDB',
      `${env.DYNAMODB_ENDPOINT}   (tables ${env.JOB_STATUS_TABLE}, ${env.MESSAGES_TABLE}: ${demoMessages} demo messages added for ${env.TENANT_ID})`,
    ],
    ['S3', `${env.S3_ENDPOINT}   (bucket ${env.ANALYTICS_BUCKET})`],
    [
      'FTPS',
      `${env.FTP_HOST}:${env.FTP_PORT}   (user ${env.FTP_USER}, files in ${path.join(LOCAL_DIR, 'data', 'ftp')})`,
    ],
    ['YouTube API', youtube.description],
    [
      'logs',
      `${logDir}/<service>.jsonl   (npm run ops -- logs <job>; terminal ${json ? 'JSON' : 'readable'}, --json for JSON)`,
    ],
    ...generated.map((name): BannerRow => [name, `${env[name]}   (generated; set it to keep it fixed)`]),
    ['schedules (Asia/Tokyo, pause: npm run ops -- pause <job>):'],
    ...schedules.map((cron): BannerRow => {
      const next = cron.nextRun();
      return [
        `  ${cron.name}`,
        `${cron.getPattern().padEnd(cronWidth)}   next ${next ? formatJstMinute(next) : 'never'}`,
      ];
    }),
    ["run a job now: npm run invoke -- <job> '<json payload>'      Ctrl-C stops everything."],
  ];
  console.log(`\n${renderBanner(rows)}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping ...');
    for (const cron of schedules) cron.stop();
    rmSync(LOCAL_ENV_FILE, { force: true });
    await http.close();
    await youtube.stop();
    await services.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function createBucketIfMissing(env: Record<string, string>): Promise<void> {
  const s3 = new S3Client({ endpoint: env.S3_ENDPOINT, region: env.AWS_REGION, forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: env.ANALYTICS_BUCKET }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  // One line per cause: which embedded service failed and why, not only "failed to start".
  const causes = error instanceof AggregateError ? error.errors.map((cause: Error) => `\n  ${cause.message}`) : [];
  console.error(`npm start failed: ${error.message}${causes.join('')}`);
  process.exit(1);
});
