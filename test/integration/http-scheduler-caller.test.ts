import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallerDeps, callJob } from '../../lambdas/http-scheduler/call-job';
import { verifySignature } from '../../lambdas/http-scheduler/signature';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local target answering from a script of responses (the last one repeats), recording each request. */
async function startTarget(script: { status: number; body?: string; delayMs?: number; location?: string }[]) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const step = script[Math.min(received.length, script.length) - 1];
      setTimeout(() => {
        response.writeHead(step.status, step.location ? { location: step.location } : {});
        response.end(step.body ?? '');
      }, step.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('HTTP job caller', () => {
  let fixture: SchedulerFixture;
  let targets: Awaited<ReturnType<typeof startTarget>>[];
  beforeEach(async () => {
    // Creation admits these literals so that the caller's own guard is what the tests below exercise.
    fixture = await startSchedulerFixture({ allowHosts: '127.0.0.1,[::1],10.0.0.1,169.254.169.254' });
    targets = [];
  });
  afterEach(async () => {
    await Promise.all(targets.map((target) => target.close()));
    await fixture.close();
  });

  async function target(script: Parameters<typeof startTarget>[0]) {
    const started = await startTarget(script);
    targets.push(started);
    return started;
  }

  async function createJob(body: Record<string, unknown>) {
    const schedule = body.schedule_type ? {} : { schedule_type: 'interval', interval: { minutes: 10 } };
    const response = await fixture.request('POST', '/jobs', { ...schedule, ...body });
    if (response.status !== 201) throw new Error(JSON.stringify(response.json));
    return response.json as { job_id: string; signing_secret: string };
  }

  const run = (jobId: string, deps: Partial<CallerDeps> = {}, scheduledTime = new Date().toISOString()) =>
    callJob({ ...fixture.callerDeps, ...deps }, { job_id: jobId, scheduled_time: scheduledTime });

  it('retries a 500 with exponential backoff and records the 200 that followed', async () => {
    const server = await target([{ status: 500 }, { status: 503 }, { status: 200, body: 'done' }]);
    const job = await createJob({ target_url: `${server.url}/run`, max_retries: 3, retry_backoff_sec: 1.5 });
    const waits: number[] = [];

    const outcome = await run(job.job_id, { sleep: async (ms) => void waits.push(ms) });

    expect(outcome).toMatchObject({ status: 'success', attempts: 3, httpStatus: 200, responseSnippet: 'done' });
    expect(waits).toEqual([1500, 3000]);
    expect(server.received.map((request) => request.headers['x-nightshift-attempt'])).toEqual(['1', '2', '3']);
    const runs = await fixture.request('GET', `/jobs/${job.job_id}/runs`);
    expect(runs.json.runs).toEqual([expect.objectContaining({ status: 'success', attempts: 3, http_status: 200 })]);
  });

  it('retries a 429 but fails at once on a 404', async () => {
    const limited = await target([{ status: 429 }, { status: 200 }]);
    const missing = await target([{ status: 404, body: 'no such report' }]);
    const retried = await createJob({ target_url: limited.url, max_retries: 2 });
    const failed = await createJob({ target_url: missing.url, max_retries: 5 });

    expect(await run(retried.job_id)).toMatchObject({ status: 'success', attempts: 2 });
    expect(await run(failed.job_id)).toMatchObject({
      status: 'error',
      attempts: 1,
      httpStatus: 404,
      error: 'HTTP 404',
      responseSnippet: 'no such report',
    });
    expect(missing.received).toHaveLength(1);
    expect(fixture.reportedErrors).toEqual([`http-job:${failed.job_id}`]);
  });

  it('gives up after max_retries when every attempt times out', async () => {
    const slow = await target([{ status: 200, delayMs: 2000 }]);
    const job = await createJob({ target_url: slow.url, timeout_sec: 0.2, max_retries: 1 });

    const outcome = await run(job.job_id);

    expect(outcome).toMatchObject({ status: 'error', attempts: 2, httpStatus: null, error: 'timed out after 200 ms' });
  });

  it('records an overlapping run as skipped while the first one holds the lease', async () => {
    const slow = await target([{ status: 200, delayMs: 400 }]);
    const job = await createJob({ target_url: slow.url });
    const first = run(job.job_id);
    while (slow.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const second = await run(job.job_id);

    expect(second).toMatchObject({
      status: 'skipped',
      attempts: 0,
      error: 'another run of this job was still in progress',
    });
    expect(await first).toMatchObject({ status: 'success' });
    expect(slow.received).toHaveLength(1);
    expect(await run(job.job_id)).toMatchObject({ status: 'success' });
  });

  it('signs each call so the receiver can verify it, and names the job, run and scheduled time', async () => {
    const receiver = await target([{ status: 204 }]);
    const job = await createJob({
      target_url: `${receiver.url}/hook`,
      method: 'POST',
      body: { report: 'daily', projectId: 123 },
      headers: { Authorization: 'Bearer XXX', 'X-Tenant': 't1' },
    });
    const scheduled = new Date().toISOString();

    const outcome = await run(job.job_id, {}, scheduled);

    const [request] = receiver.received;
    expect(request).toMatchObject({ method: 'POST', url: '/hook', body: '{"report":"daily","projectId":123}' });
    expect(request.headers).toMatchObject({
      authorization: 'Bearer XXX',
      'x-tenant': 't1',
      'content-type': 'application/json',
      'x-nightshift-job-id': job.job_id,
      'x-nightshift-run-id': outcome?.runId,
      'x-nightshift-scheduled-time': scheduled,
    });
    const signed = {
      body: request.body,
      timestamp: request.headers['x-nightshift-timestamp'] as string,
      signature: request.headers['x-nightshift-signature'] as string,
    };
    expect(verifySignature({ secret: job.signing_secret, ...signed })).toBe(true);
    expect(verifySignature({ secret: 'nss_other', ...signed })).toBe(false);
    expect(verifySignature({ secret: job.signing_secret, ...signed, body: `${request.body} ` })).toBe(false);
    expect(fixture.logLines.join('\n')).not.toContain('Bearer XXX');
  });

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`],
    ['[::1]', (port: number) => `http://[::1]:${port}/`],
    ['10.0.0.1', () => 'http://10.0.0.1/'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a host name resolving to loopback', (port: number) => `http://localhost:${port}/`],
  ])('refuses to call %s unless it is allow-listed', async (_what, url) => {
    const server = await target([{ status: 200 }]);
    const job = await createJob({ target_url: url(server.port) });

    const outcome = await run(job.job_id, { allowHosts: new Set() });

    expect(outcome).toMatchObject({ status: 'error', attempts: 1 });
    expect(outcome?.error).toMatch(/loopback, private, link-local or metadata/);
    expect(server.received).toHaveLength(0);
  });

  it('refuses a redirect to a private address, even from an allow-listed host', async () => {
    const inside = await target([{ status: 200 }]);
    for (const location of [`http://localhost:${inside.port}/admin`, 'http://10.0.0.1/admin']) {
      const redirecting = await target([{ status: 302, location }]);
      const job = await createJob({ target_url: redirecting.url });

      const outcome = await run(job.job_id, { allowHosts: new Set(['127.0.0.1']) });

      expect(outcome).toMatchObject({ status: 'error', attempts: 1 });
      expect(outcome?.error).toMatch(/loopback, private, link-local or metadata/);
    }
    expect(inside.received).toHaveLength(0);
  });

  it('follows a redirect to an allowed host', async () => {
    const final = await target([{ status: 200, body: 'landed' }]);
    const redirecting = await target([{ status: 307, location: `${final.url}/next` }]);
    const job = await createJob({ target_url: redirecting.url, method: 'POST', body: 'raw text' });

    expect(await run(job.job_id)).toMatchObject({ status: 'success', responseSnippet: 'landed' });
    expect(final.received[0]).toMatchObject({ method: 'POST', url: '/next', body: 'raw text' });
  });

  it('drops secret and credential-like headers when a redirect leaves the origin, and keeps them on the same origin', async () => {
    const elsewhere = await target([{ status: 200 }]);
    const redirecting = await target([
      { status: 307, location: '/same-origin' },
      { status: 307, location: `${elsewhere.url}/other-origin` },
    ]);
    const headers = {
      Authorization: 'Bearer XXX',
      'X-Auth-Token': 'auth-token-value',
      'Api-Key': 'api-key-value',
      'X-Amz-Security-Token': 'amz-token-value',
      'X-Private': 'declared-secret',
      'X-Tenant': 't1',
    };
    const job = await createJob({ target_url: redirecting.url, headers, secret_headers: ['X-Private'] });

    expect(await run(job.job_id)).toMatchObject({ status: 'success' });

    const sameOrigin = redirecting.received[1];
    expect(sameOrigin.url).toBe('/same-origin');
    expect(sameOrigin.headers).toMatchObject({ 'x-auth-token': 'auth-token-value', 'x-private': 'declared-secret' });
    const [other] = elsewhere.received;
    expect(other.url).toBe('/other-origin');
    expect(other.headers['x-tenant']).toBe('t1');
    for (const name of ['authorization', 'x-auth-token', 'api-key', 'x-amz-security-token', 'x-private']) {
      expect([name, other.headers[name]]).toEqual([name, undefined]);
    }
  });

  it('records a run fired later than misfire_grace_sec as missed, without calling', async () => {
    const server = await target([{ status: 200 }]);
    const job = await createJob({ target_url: server.url, misfire_grace_sec: 60 });

    const outcome = await run(job.job_id, {}, new Date(Date.now() - 10 * 60_000).toISOString());

    expect(outcome?.status).toBe('missed');
    expect(outcome?.error).toMatch(/beyond misfire_grace_sec 60/);
    expect(server.received).toHaveLength(0);
    expect(await fixture.statusStore.getLatest(`http-job:${job.job_id}`)).toMatchObject({ lastStatus: 'error' });
  });

  it('reports every outcome to the job-status store, so the status page shows HTTP jobs', async () => {
    const server = await target([{ status: 200 }]);
    const job = await createJob({ target_url: server.url, name: 'Health check' });

    await run(job.job_id);

    const [latest] = (await fixture.statusStore.listLatest()).filter((row) => row.jobKey === `http-job:${job.job_id}`);
    expect(latest).toMatchObject({ title: 'Health check', lastStatus: 'success' });
  });

  it('marks a one-shot job completed after its scheduled run', async () => {
    const server = await target([{ status: 200 }]);
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const job = await createJob({ schedule_type: 'date', run_at: runAt, target_url: server.url });

    await run(job.job_id, {}, runAt.replace(/\.\d+Z$/, 'Z'));
    // run_at is an hour ahead: the misfire check sees an early run, which is on time.
    const shown = await fixture.request('GET', `/jobs/${job.job_id}`);

    expect(shown.json).toMatchObject({ status: 'completed', next_run_time: null });
  });

  it('completes a one-shot job whose scheduled run was missed or skipped: it has no other run coming', async () => {
    const server = await target([{ status: 200, delayMs: 300 }]);
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const missed = await createJob({ schedule_type: 'date', run_at: runAt, target_url: server.url });
    const skipped = await createJob({ schedule_type: 'date', run_at: runAt, target_url: server.url });

    expect(await run(missed.job_id, {}, new Date(Date.now() - 600_000).toISOString())).toMatchObject({
      status: 'missed',
    });
    const manual = callJob(fixture.callerDeps, { job_id: skipped.job_id, trigger: 'manual' });
    while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await run(skipped.job_id)).toMatchObject({ status: 'skipped' });
    await manual;

    for (const job of [missed, skipped]) {
      expect((await fixture.request('GET', `/jobs/${job.job_id}`)).json).toMatchObject({
        status: 'completed',
        next_run_time: null,
      });
    }
  });

  it('gives a job created again under a deleted id neither the old run history nor its status', async () => {
    const server = await target([{ status: 500 }]);
    const job = await createJob({ job_id: 'reborn', target_url: server.url, max_retries: 0 });
    await run(job.job_id);
    expect((await fixture.request('GET', '/jobs/reborn/runs')).json.runs).toHaveLength(1);
    expect(await fixture.statusStore.getLatest('http-job:reborn')).toMatchObject({ lastStatus: 'error' });

    expect((await fixture.request('DELETE', '/jobs/reborn')).status).toBe(200);
    expect(await fixture.statusStore.getLatest('http-job:reborn')).toBeUndefined();
    fixture.clock.now = new Date(Date.now() + 1000);
    await createJob({ job_id: 'reborn', target_url: server.url, max_retries: 0 });

    expect((await fixture.request('GET', '/jobs/reborn/runs')).json.runs).toEqual([]);
    expect(await fixture.statusStore.getLatest('http-job:reborn')).toBeUndefined();
  });

  it('runs a job now through the API and pages its history newest first', async () => {
    const server = await target([{ status: 200 }]);
    const job = await createJob({ target_url: server.url });
    const started = await fixture.request('POST', `/jobs/${job.job_id}/run`);
    expect(started).toMatchObject({ status: 202, json: { status: 'started' } });
    const since = new Date(0).toISOString();
    while ((await fixture.store.listRuns(job.job_id, { limit: 1, since })).runs.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await run(job.job_id);

    const first = await fixture.request('GET', `/jobs/${job.job_id}/runs?limit=1`);
    const second = await fixture.request('GET', `/jobs/${job.job_id}/runs?limit=1&cursor=${first.json.next_cursor}`);

    expect(first.json.runs[0].trigger).toBe('schedule');
    expect(second.json.runs[0]).toMatchObject({ trigger: 'manual', run_id: started.json.run_id });
    expect((await fixture.request('GET', `/jobs/${job.job_id}/runs?limit=0`)).status).toBe(400);
    expect((await fixture.request('GET', `/jobs/${job.job_id}/runs?cursor=bogus`)).status).toBe(400);
  });

  it('answers a forged runs cursor with 400, never passing it on to DynamoDB', async () => {
    const job = await createJob({ target_url: 'https://example.com/' });
    const forge = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const overLongKey = forge({ pk: `JOB#${job.job_id}`, sk: `RUN#${'z'.repeat(1100)}` });
    const extraKey = forge({ pk: `JOB#${job.job_id}`, sk: 'RUN#2025-08-11T00:00:00.000Z#r1', other: 'x' });

    for (const cursor of [overLongKey, extraKey]) {
      const answer = await fixture.request('GET', `/jobs/${job.job_id}/runs?cursor=${cursor}`);
      expect(answer.status).toBe(400);
      expect(answer.json.detail ?? answer.json.error).toMatch(/cursor/);
    }
  });
});
