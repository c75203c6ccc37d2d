import { readFileSync } from 'node:fs';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { jobReadTokenSecretName, unhealthyAlarmName } from '../lib/resource-names';
import type { OpsContext } from './ops-context';
import { explainAwsError, OpsUsageError } from './ops-errors';
import { invokeJob } from './rerun';
import { renderTable } from './text-table';

export interface SmokeOptions {
  /** `cdk deploy --outputs-file` JSON: the API URL is read from the Api stack's JobReportUrl. */
  outputs?: string;
  /** The API's base URL, instead of --outputs (the read token is then read by its fixed name). */
  apiUrl?: string;
}

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

const REPORT_PATH = '/api/monitor/job-report';

/** The API base URL and the read token's secret id, from --api-url or the deploy's outputs file. */
function apiOf(ctx: OpsContext, options: SmokeOptions): { baseUrl: string; readTokenSecret: string } {
  const fixedName = jobReadTokenSecretName(ctx.target.stage);
  if (options.apiUrl) return { baseUrl: options.apiUrl.replace(/\/+$/, ''), readTokenSecret: fixedName };
  if (!options.outputs) throw new OpsUsageError('smoke needs --outputs <cdk outputs file> or --api-url <url>');
  const stack = `Nightshift-${ctx.target.stage}-Api`;
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = JSON.parse(readFileSync(options.outputs, 'utf8'));
  } catch (error) {
    throw new OpsUsageError(`--outputs ${options.outputs}: ${(error as Error).message}`);
  }
  const reportUrl = outputs[stack]?.JobReportUrl;
  if (!reportUrl) throw new OpsUsageError(`--outputs ${options.outputs} has no ${stack}.JobReportUrl`);
  return {
    baseUrl: reportUrl.endsWith(REPORT_PATH) ? reportUrl.slice(0, -REPORT_PATH.length) : reportUrl,
    readTokenSecret: outputs[stack]?.ReadTokenSecret ?? fixedName,
  };
}

/** Runs one check; an exception is that check's failure, so every check reports. */
async function check(name: string, run: () => Promise<string>): Promise<Check> {
  try {
    return { check: name, ok: true, detail: await run() };
  } catch (error) {
    return { check: name, ok: false, detail: (error as Error).message };
  }
}

/**
 * `smoke`: after a deploy, proves the stage works end to end — the watchdog runs and succeeds, the job
 * list answers with the read token and shows that run, and the stage's pager alarm exists. Exit 1 if not.
 */
export async function smokeTest(ctx: OpsContext, options: SmokeOptions): Promise<number> {
  const { stage, region } = ctx.target;
  const { baseUrl, readTokenSecret } = apiOf(ctx, options);
  const watchdog = ctx.jobs.find((job) => job.watchesRegistry);
  if (!watchdog) throw new OpsUsageError('the registry has no watchdog job (watchesRegistry) to run');
  const checks: Check[] = [];

  checks.push(
    await check(`${watchdog.id} runs`, async () => {
      const run = await invokeJob(ctx.clients, ctx.target, watchdog, watchdog.defaultPayload);
      if (!run.ok) throw new Error(run.error ?? String(run.outcome?.message));
      return String(run.outcome?.message ?? 'ok');
    }),
  );
  checks.push(
    await check('job list answers with the read token', async () => {
      const secretId = readTokenSecret;
      const secret = await ctx.clients.secrets
        .send(new GetSecretValueCommand({ SecretId: secretId }))
        .catch((error) => {
          throw explainAwsError(error, ctx.target, `secret ${secretId}`);
        });
      const token = JSON.parse(secret.SecretString ?? '{}').current;
      const response = await fetch(`${baseUrl}/api/monitor/jobs`, { headers: { Authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`GET /api/monitor/jobs answered ${response.status}`);
      const body = (await response.json()) as { jobs?: Array<{ job_key: string; status: string | null }> };
      const own = body.jobs?.find((job) => job.job_key === watchdog.id);
      if (own?.status !== 'success') {
        throw new Error(`${watchdog.id} is ${own ? `"${own.status}"` : 'missing'} in the job list`);
      }
      return `${body.jobs?.length} jobs, ${watchdog.id} success`;
    }),
  );
  checks.push(
    await check('pager alarm readable', async () => {
      const alarmName = unhealthyAlarmName(stage);
      const found = await ctx.clients.cloudwatch
        .send(new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['CompositeAlarm', 'MetricAlarm'] }))
        .catch((error) => {
          throw explainAwsError(error, ctx.target, `alarm ${alarmName}`);
        });
      const alarm = found.CompositeAlarms?.[0] ?? found.MetricAlarms?.[0];
      if (!alarm) throw new Error(`alarm ${alarmName} does not exist`);
      return `${alarmName} is ${alarm.StateValue}`;
    }),
  );

  const passed = checks.every((result) => result.ok);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ stage, region, passed, checks }, null, 2));
  } else {
    ctx.io.out(
      renderTable(
        ['check', 'result', 'detail'],
        checks.map((result) => [result.check, result.ok ? 'ok' : 'FAILED', result.detail]),
        120,
      ),
    );
    ctx.io.out(`\nsmoke test of ${stage} (${region}): ${passed ? 'passed' : 'FAILED'}`);
  }
  return passed ? 0 : 1;
}
