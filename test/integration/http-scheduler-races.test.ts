import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { callJob } from '../../lambdas/http-scheduler/call-job';
import type { JobScheduler } from '../../lambdas/http-scheduler/job-scheduler';
import type { JobSecrets } from '../../lambdas/http-scheduler/job-secrets';
import type { HttpJobStore } from '../../lambdas/http-scheduler/job-store';
import { scheduleFor } from '../../lambdas/http-scheduler/schedule-sync';
import { createSchedulerApi } from '../../lambdas/http-scheduler/scheduler-api';
import { verifySignature } from '../../lambdas/http-scheduler/signature';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

/**
 * Many requests for one job_id at once, through the real API core on dynalite and the local
 * encrypted secret store, each port call delayed by a random few milliseconds so the requests
 * interleave differently every round, and (in some rounds) one step of each request failing.
 * Whatever happens, the end state is one working job or none: the row, its secret and its
 * schedule agree, no secret is left behind, and the job's calls carry a signature the winning
 * request's signing_secret verifies.
 */
type Step = 'secrets.put' | 'store.putJob' | 'scheduler.write' | 'store.getJob';
const STEPS: (Step | undefined)[] = [undefined, 'secrets.put', 'store.putJob', 'scheduler.write', 'store.getJob'];

/** A small seeded generator: rounds differ from each other, and a failing seed can be re-run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Wraps every method of a port: a random pause first, and the request's chosen step fails once. */
function jittered<T extends object>(
  port: T,
  name: string,
  next: () => number,
  fails: { step?: Step; done: boolean },
): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 4)));
        const step = `${name}.${String(property)}`;
        const isWrite = name === 'scheduler' && (property === 'create' || property === 'update');
        if (!fails.done && (fails.step === step || (fails.step === 'scheduler.write' && isWrite))) {
          fails.done = true;
          throw new Error(`injected failure at ${step}`);
        }
        return value.apply(target, args);
      };
    },
  });
}

function apiEvent(method: string, rawPath: string, token: string, body?: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requestContext: { http: { method }, requestId: 'race' },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('HTTP job scheduler under racing requests', () => {
  let fixture: SchedulerFixture;
  let target: http.Server;
  let targetUrl: string;
  const received: { signature: string; timestamp: string; body: string }[] = [];
  beforeAll(async () => {
    target = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push({
          signature: String(request.headers['x-nightshift-signature']),
          timestamp: String(request.headers['x-nightshift-timestamp']),
          body: '',
        });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));
  beforeEach(async () => {
    fixture = await startSchedulerFixture();
    received.length = 0;
  });
  afterEach(() => fixture.close());

  /** One request through its own handler, over ports that pause at random and may fail one step. */
  function send(seed: number, step: Step | undefined, method: string, path: string, body?: unknown) {
    const next = random(seed);
    const fails = { step, done: false };
    const deps = fixture.apiDeps;
    const handler = createSchedulerApi({
      ...deps,
      store: jittered<HttpJobStore>(deps.store, 'store', next, fails),
      secrets: jittered<JobSecrets>(deps.secrets, 'secrets', next, fails),
      scheduler: jittered<JobScheduler>(deps.scheduler, 'scheduler', next, fails),
    });
    return handler(apiEvent(method, path, fixture.token, body));
  }

  /** The job's row, secret and schedule agree and nothing else of it is stored; returns the row. */
  async function expectOneWorkingJobOrNone(jobId: string) {
    const row = await fixture.store.getJob(jobId);
    const stored = fixture.secrets.list().filter((ref) => ref.jobId === jobId);
    if (!row) {
      expect(stored).toEqual([]);
      expect(fixture.scheduler.schedules.has(jobId)).toBe(false);
      return undefined;
    }
    expect(stored).toEqual([{ jobId, generation: row.generation }]);
    expect(fixture.scheduler.schedules.get(jobId)).toEqual(scheduleFor(row));
    return row;
  }

  /** Runs the job as its schedule would fire it and returns the signature check against `secret`. */
  async function runsSignedWith(jobId: string, secret: string) {
    const spec = fixture.scheduler.schedules.get(jobId);
    received.length = 0;
    const outcome = await callJob(fixture.callerDeps, {
      job_id: jobId,
      generation: spec?.generation,
      scheduled_time: new Date().toISOString(),
    });
    expect(outcome).toMatchObject({ status: 'success', attempts: 1 });
    const [call] = received;
    return verifySignature({ secret, ...call });
  }

  const jobBody = (jobId: string, minutes: number, replace: boolean) => ({
    job_id: jobId,
    schedule_type: 'interval',
    interval: { minutes },
    target_url: targetUrl,
    replace_existing: replace,
  });

  it('leaves exactly one working job when many creates of one job_id race, with or without replace_existing', async () => {
    for (let round = 0; round < 4; round += 1) {
      const jobId = `race-${round}`;
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          send(round * 100 + index, undefined, 'POST', '/jobs', jobBody(jobId, index + 1, index % 2 === 1)),
        ),
      );

      const statuses = answers.map((answer) => answer.statusCode ?? 0);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      expect(statuses).toContain(201);
      const row = await expectOneWorkingJobOrNone(jobId);
      // The row's interval names the request whose generation won; that request answered 201 with its secret.
      const winner = answers[(row?.definition.interval?.minutes ?? 0) - 1];
      expect(winner.statusCode).toBe(201);
      expect(await runsSignedWith(jobId, JSON.parse(winner.body as string).signing_secret)).toBe(true);
    }
  });

  it('leaves one working job or none when each racing request fails at a different step', async () => {
    for (let round = 0; round < 6; round += 1) {
      const jobId = `faults-${round}`;
      const answers = await Promise.all(
        Array.from({ length: 15 }, (_, index) =>
          send(round * 1000 + index, STEPS[(index + round) % STEPS.length], 'POST', '/jobs', {
            ...jobBody(jobId, index + 1, index % 3 !== 0),
          }),
        ),
      );

      const statuses = answers.map((answer) => answer.statusCode ?? 0);
      expect(statuses.every((status) => [201, 409, 500, 502].includes(status))).toBe(true);
      const row = await expectOneWorkingJobOrNone(jobId);
      if (!row) {
        expect(statuses).not.toContain(201);
        continue;
      }
      const winner = answers[(row.definition.interval?.minutes ?? 0) - 1];
      expect(winner.statusCode).toBe(201);
      expect(await runsSignedWith(jobId, JSON.parse(winner.body as string).signing_secret)).toBe(true);
    }
  });

  it('keeps row, secret and schedule together when deletes race replacements', async () => {
    for (let round = 0; round < 4; round += 1) {
      const jobId = `churn-${round}`;
      expect((await send(round, undefined, 'POST', '/jobs', jobBody(jobId, 100, false))).statusCode).toBe(201);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          index % 3 === 0
            ? send(round * 100 + index, undefined, 'DELETE', `/jobs/${jobId}`)
            : send(round * 100 + index, undefined, 'POST', '/jobs', jobBody(jobId, index + 1, true)),
        ),
      );

      expect(answers.every((answer) => [200, 201, 404, 409].includes(answer.statusCode ?? 0))).toBe(true);
      const row = await expectOneWorkingJobOrNone(jobId);
      if (row) {
        const winner =
          row.definition.interval?.minutes === 100 ? undefined : answers[(row.definition.interval?.minutes ?? 0) - 1];
        expect(winner?.statusCode ?? 201).toBe(201);
        const secret = (await fixture.secretsOf(jobId))?.signingSecret as string;
        expect(await runsSignedWith(jobId, secret)).toBe(true);
      }
    }
  });
});
