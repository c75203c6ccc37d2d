import type { OpsContext } from './ops-context';
import { OpsUsageError } from './ops-errors';
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
  const api = await ctx.backend.smokeApi(options);
  const watchdog = ctx.jobs.find((job) => job.watchesRegistry);
  if (!watchdog) throw new OpsUsageError('the registry has no watchdog job (watchesRegistry) to run');
  const checks: Check[] = [];

  checks.push(
    await check(`${watchdog.id} runs`, async () => {
      const run = await ctx.backend.invoke(watchdog, watchdog.defaultPayload);
      if (!run.ok) throw new Error(run.error ?? String(run.outcome?.message));
      return String(run.outcome?.message ?? 'ok');
    }),
  );
  checks.push(
    await check('job list answers with the read token', async () => {
      const token = await api.readToken();
      const response = await fetch(`${api.baseUrl}/api/monitor/jobs`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (response.status !== 200) throw new Error(`GET /api/monitor/jobs answered ${response.status}`);
      const body = (await response.json()) as { jobs?: Array<{ job_key: string; status: string | null }> };
      const own = body.jobs?.find((job) => job.job_key === watchdog.id);
      if (own?.status !== 'success') {
        throw new Error(`${watchdog.id} is ${own ? `"${own.status}"` : 'missing'} in the job list`);
      }
      return `${body.jobs?.length} jobs, ${watchdog.id} success`;
    }),
  );
  const pager = ctx.backend.pagerCheck();
  checks.push(await check(pager.name, () => pager.run()));

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
    ctx.io.out(`\nsmoke test of ${ctx.backend.label}: ${passed ? 'passed' : 'FAILED'}`);
  }
  return passed ? 0 : 1;
}
