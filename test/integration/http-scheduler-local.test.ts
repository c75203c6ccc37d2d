import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallEvent } from '../../lambdas/http-scheduler/call-job';
import { validateJobRequest } from '../../lambdas/http-scheduler/job-request';
import { HttpJobStore } from '../../lambdas/http-scheduler/job-store';
import { planSchedule } from '../../lambdas/http-scheduler/schedule-plan';
import { CronerJobScheduler } from '../../local/croner-job-scheduler';
import { LOCAL_HTTP_JOBS_TABLE, startLocalHttpScheduler } from '../../local/http-scheduler-local';
import { startHttpServer } from '../../local/http-server';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, testServices, uniqueName } from '../support/services';
import type { Json } from './http-scheduler-fixture';

const GENERATION = 'a0b1c2d3-0000-4000-8000-000000000001';

function specOf(jobId: string, body: Record<string, unknown>, now: Date) {
  const validation = validateJobRequest({ target_url: 'https://example.com/', ...body }, now);
  if (!validation.ok) throw new Error(validation.error);
  const plan = planSchedule(validation.job);
  return { jobId, generation: GENERATION, plan, enabled: true, misfireGraceSec: 60, anchorAt: now.toISOString() };
}

describe('local croner scheduler (the scheduling port in npm start)', () => {
  const start = new Date('2025-09-01T00:58:30Z'); // 09:58:30 in Tokyo
  let fired: CallEvent[];
  let scheduler: CronerJobScheduler;
  beforeEach(() => {
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate'] });
    fired = [];
    scheduler = new CronerJobScheduler((event) => fired.push(event));
  });
  afterEach(() => {
    scheduler.stop();
    jest.useRealTimers();
  });

  it('fires a cron job on its minute in the job time zone, with the scheduled time EventBridge would send', async () => {
    await scheduler.create(specOf('every-10', { schedule_type: 'cron', cron: { minute: '*/10' } }, start));

    await jest.advanceTimersByTimeAsync(60_000);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(fired).toEqual([
      {
        job_id: 'every-10',
        generation: GENERATION,
        scheduled_time: '2025-09-01T01:00:00.000Z',
        trigger: 'schedule',
      },
    ]);
    await jest.advanceTimersByTimeAsync(20 * 60_000);
    expect(fired.map((event) => event.scheduled_time)).toEqual([
      '2025-09-01T01:00:00.000Z',
      '2025-09-01T01:10:00.000Z',
      '2025-09-01T01:20:00.000Z',
    ]);
  });

  it('fires a one-shot job once, at run_at', async () => {
    await scheduler.create(specOf('once', { schedule_type: 'date', run_at: '2025-09-01T10:30:00+09:00' }, start));

    await jest.advanceTimersByTimeAsync(3 * 3_600_000);

    expect(fired).toEqual([
      { job_id: 'once', generation: GENERATION, scheduled_time: '2025-09-01T01:30:00.000Z', trigger: 'schedule' },
    ]);
    expect(scheduler.armed()).toEqual([]);
  });

  it('stops firing a paused (disabled) job and fires an interval job from its anchor', async () => {
    await scheduler.create(specOf('tick', { schedule_type: 'interval', interval: { minutes: 5 } }, start));
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    await scheduler.update({
      ...specOf('tick', { schedule_type: 'interval', interval: { minutes: 5 } }, start),
      enabled: false,
    });
    await jest.advanceTimersByTimeAsync(30 * 60_000);

    expect(fired.map((event) => event.scheduled_time)).toEqual(['2025-09-01T01:03:30.000Z']);
  });
});

/** A job-status table, a data folder and the environment local mode's HTTP scheduler runs with. */
async function localSchedulerSetup(jobPrefix: string) {
  const client = dynamoClient();
  const statusTable = uniqueName('job-status');
  await createJobStatusTable(client, statusTable);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'local-http-jobs-'));
  const env = {
    DYNAMODB_ENDPOINT: testServices().dynamodb.endpoint,
    AWS_REGION: process.env.AWS_REGION as string,
    JOB_STATUS_TABLE: statusTable,
    SCHEDULER_ADMIN_TOKEN: 'local-admin',
  };
  const jobId = uniqueName(jobPrefix);
  const auth = { authorization: 'Bearer local-admin', 'content-type': 'application/json' };
  return { client, dataDir, env, jobId, auth };
}

describe('local mode HTTP scheduler', () => {
  it('records a date job whose time passed while npm start was down as missed, and completes it', async () => {
    const { client, dataDir, env, jobId, auth } = await localSchedulerSetup('overdue');
    const runAt = new Date(Date.now() + 1500);
    try {
      const first = await startLocalHttpScheduler(env, dataDir, () => {});
      const server = await startHttpServer({ port: 0, handler: first.handler });
      const created = await fetch(`${server.url}/jobs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          job_id: jobId,
          schedule_type: 'date',
          run_at: runAt.toISOString(),
          misfire_grace_sec: 1,
          target_url: 'https://example.com/',
        }),
      });
      expect(created.status).toBe(201);
      await server.close();
      first.stop();
      await new Promise((resolve) => setTimeout(resolve, runAt.getTime() + 2000 - Date.now()));

      const second = await startLocalHttpScheduler(env, dataDir, () => {});
      const again = await startHttpServer({ port: 0, handler: second.handler });
      const read = async (suffix = '') =>
        (await (await fetch(`${again.url}/jobs/${jobId}${suffix}`, { headers: auth })).json()) as Json;
      for (let wait = 0; wait < 50 && (await read()).status !== 'completed'; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const shown = await read();
      const runs = await read('/runs');
      await again.close();
      second.stop();

      expect(shown).toMatchObject({ status: 'completed', next_run_time: null });
      expect(runs.runs).toEqual([
        expect.objectContaining({ status: 'missed', trigger: 'schedule', scheduled_time: runAt.toISOString() }),
      ]);
      const store = new HttpJobStore(DynamoDBDocumentClient.from(client), LOCAL_HTTP_JOBS_TABLE);
      await store.deleteJob(jobId, (await store.getJob(jobId))?.generation ?? '');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      client.destroy();
    }
  });

  it('keeps jobs across a restart of npm start and re-arms them', async () => {
    const { client, dataDir, env, jobId, auth } = await localSchedulerSetup('survivor');
    try {
      const first = await startLocalHttpScheduler(env, dataDir, () => {});
      const server = await startHttpServer({ port: 0, handler: first.handler });
      const created = await fetch(`${server.url}/jobs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          job_id: jobId,
          schedule_type: 'cron',
          cron: { hour: '3' },
          target_url: 'https://example.com/',
        }),
      });
      expect(created.status).toBe(201);
      await server.close();
      first.stop();

      const second = await startLocalHttpScheduler(env, dataDir, () => {});
      const again = await startHttpServer({ port: 0, handler: second.handler });
      const shown = await fetch(`${again.url}/jobs/${jobId}`, { headers: auth });
      await again.close();
      second.stop();

      expect(second.restored).toBeGreaterThanOrEqual(1);
      expect(await shown.json()).toMatchObject({ job_id: jobId, status: 'scheduled', trigger: "cron[hour='3']" });
      const store = new HttpJobStore(DynamoDBDocumentClient.from(client), LOCAL_HTTP_JOBS_TABLE);
      await store.deleteJob(jobId, (await store.getJob(jobId))?.generation ?? '');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      client.destroy();
    }
  });
});
