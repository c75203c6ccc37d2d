import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFtpExportJob } from '../../lambdas/ftp-export/ftp-export-job';
import { type CallerDeps, callJob } from '../../lambdas/http-scheduler/call-job';
import { type JobOutcome, runJob } from '../../lambdas/shared/job-runner';
import { type ExportFixture, exportFixture } from './ftp-export-fixture';
import { startSchedulerFixture } from './http-scheduler-fixture';
import { type MonitorFixture, startMonitorFixture } from './job-monitor-fixture';

/**
 * A status that cannot lie: a built-in or HTTP job's status is the latest run of its newest slot.
 * Re-runs of older slots, backfills and dry runs go into the history with their slot and kind only.
 */

// 2025-08-12 10:07 JST: the current ftp-export slot is 2025-08-12T10:00 JST.
const NOW = new Date('2025-08-12T01:07:00Z');
const CURRENT_SLOT = '2025-08-12T01:00:00.000Z';
const VISIT = { store_id: 'S001', store_name: '渋谷店', counted_at: '2025-08-11 09:00+09', visitors: 12 };

describe('ftp-export (a built-in job through the shared runner)', () => {
  let exportWorld: ExportFixture;
  let monitor: MonitorFixture;
  let clock: Date;

  beforeEach(async () => {
    exportWorld = await exportFixture('status-rule');
    await exportWorld.insertVisits([VISIT]);
    monitor = await startMonitorFixture({ now: NOW });
    clock = NOW;
  });
  afterEach(async () => {
    await exportWorld.close();
    await monitor.close();
  });

  /** One run as `npm run invoke -- ftp-export '<payload>'` makes it, `minutes` after NOW. */
  function invoke(payload: Record<string, unknown>, minutes: number, options: { backfill?: boolean } = {}) {
    clock = new Date(NOW.getTime() + minutes * 60_000);
    monitor.clock.now = clock;
    const job = createFtpExportJob(() => exportWorld.ports({ now: clock }));
    return runJob(job, payload, {
      store: monitor.store,
      logger: exportWorld.logger,
      now: () => clock,
      publishMetrics: false,
      ...options,
    });
  }

  async function jobInApi() {
    const body = (await (await monitor.read('/api/monitor/jobs')).json()) as { jobs: Array<Record<string, unknown>> };
    return body.jobs.find((job) => job.job_key === 'ftp-export');
  }

  it('stays error after its current slot failed and a re-run of the old slot 2025-08-11T09:15 succeeded', async () => {
    const failed = await invoke({ recipients: ['nope'] }, 0);
    const rerun = await invoke({ slot: '2025-08-11T09:15' }, 2);

    expect(failed).toMatchObject({ status: 'error', kind: 'manual', slot: CURRENT_SLOT });
    expect(rerun).toMatchObject({ status: 'success', kind: 'rerun', slot: '2025-08-11T00:15:00.000Z' });
    expect(await jobInApi()).toMatchObject({ status: 'error', message: failed.message });
    const page = await (await monitor.read('/incidents')).text();
    const attention = page.slice(page.indexOf('要対応'), page.indexOf('ftp-export') + 200);
    expect(attention).toContain('ftp-export');
    expect(page).toContain('unknown recipient');
    const runs = (await (await monitor.read('/api/monitor/jobs/ftp-export/runs')).json()) as {
      runs: Array<Record<string, unknown>>;
    };
    expect(runs.runs.map((run) => [run.status, run.kind, run.slot])).toEqual([
      ['success', 'rerun', '2025-08-11T00:15:00.000Z'],
      ['error', 'manual', CURRENT_SLOT],
    ]);
  });

  it('keeps the status through a dry run and a backfill, and a successful re-run of the newest slot clears it', async () => {
    await invoke({ recipients: ['nope'] }, 0);
    const dryRun = await invoke({ dry_run: true }, 1);
    const backfill = await invoke({ slot: '2025-08-11T09:30' }, 2, { backfill: true });

    expect(dryRun).toMatchObject({ status: 'success', kind: 'dry-run', slot: CURRENT_SLOT });
    expect(backfill).toMatchObject({ status: 'success', kind: 'backfill' });
    expect(await jobInApi()).toMatchObject({ status: 'error' });

    const newest = await invoke({ slot: '2025-08-12T10:00' }, 3);

    expect(newest).toMatchObject({ status: 'success', kind: 'rerun', slot: CURRENT_SLOT });
    expect(await jobInApi()).toMatchObject({ status: 'success', message: newest.message });
  });

  it('lets the next slot move the status, whatever the outcome of the slot before', async () => {
    await invoke({ slot: '2025-08-12T10:00' }, 0);
    const scheduled: JobOutcome = await invoke({ recipients: ['nope'], scheduled_time: '2025-08-12T01:15:00Z' }, 9);

    expect(scheduled).toMatchObject({ kind: 'scheduled', slot: '2025-08-12T01:15:00.000Z', status: 'error' });
    expect(await jobInApi()).toMatchObject({ status: 'error' });
  });
});

describe('an HTTP job (the caller)', () => {
  it('keeps a failed newest slot when an older slot is delivered late and succeeds; a manual run clears it', async () => {
    const fixture = await startSchedulerFixture();
    const answers = [500, 200, 200];
    const target = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.statusCode = answers.shift() ?? 200;
        response.end('answer');
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
      const created = await fixture.request('POST', '/jobs', {
        schedule_type: 'interval',
        interval: { minutes: 10 },
        target_url: url,
        misfire_grace_sec: 3600,
        max_retries: 0,
      });
      expect(created.status).toBe(201);
      const jobId = created.json.job_id as string;
      const deps: CallerDeps = { ...fixture.callerDeps, now: () => new Date() };
      const base = Date.now();
      const newer = new Date(base - 60_000).toISOString();
      const older = new Date(base - 11 * 60_000).toISOString();

      const failed = await callJob(deps, { job_id: jobId, scheduled_time: newer, trigger: 'schedule' });
      const late = await callJob(deps, { job_id: jobId, scheduled_time: older, trigger: 'schedule' });

      expect([failed?.status, late?.status]).toEqual(['error', 'success']);
      const latest = await fixture.statusStore.getLatest(`http-job:${jobId}`);
      expect(latest).toMatchObject({ lastStatus: 'error', lastRunId: failed?.runId, lastSlot: newer });
      const { runs } = await fixture.statusStore.listRuns(`http-job:${jobId}`);
      expect(runs.map((run) => [run.runId, run.kind, run.slot])).toEqual(
        expect.arrayContaining([
          [failed?.runId, 'scheduled', newer],
          [late?.runId, 'scheduled', older],
        ]),
      );

      const manual = await callJob(deps, { job_id: jobId, trigger: 'manual' });

      expect(manual?.status).toBe('success');
      expect(await fixture.statusStore.getLatest(`http-job:${jobId}`)).toMatchObject({
        lastStatus: 'success',
        lastRunId: manual?.runId,
      });
    } finally {
      target.closeAllConnections();
      target.close();
      await fixture.close();
    }
  });
});
