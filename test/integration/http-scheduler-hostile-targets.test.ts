import net from 'node:net';
import { callJob } from '../../lambdas/http-scheduler/call-job';
import { type SchedulerFixture, startSchedulerFixture } from './http-scheduler-fixture';

/**
 * Targets that break HTTP on purpose, as raw TCP servers: each run still ends in one recorded
 * outcome, retried only as the job's own rule says (network faults yes, unusable answers no), and
 * the caller never throws for them (on AWS a thrown error makes Lambda call the target again).
 */
type Behaviour = (socket: net.Socket) => void;

async function rawTarget(behaviour: Behaviour) {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      requests += 1;
      behaviour(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`,
    requests: () => requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const SHORT_BODY = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789';

const BEHAVIOURS: [string, Behaviour, { retried: boolean; error: RegExp }][] = [
  [
    'a 200 whose Content-Length is never sent (connection closed)',
    (socket) => socket.end(SHORT_BODY),
    { retried: true, error: /ECONNRESET|aborted|terminated/i },
  ],
  [
    'a 200 whose Content-Length is never sent (connection held open)',
    (socket) => socket.write(SHORT_BODY),
    { retried: true, error: /timed out after 300 ms/ },
  ],
  [
    'a redirect to `http://[bad`',
    (socket) => socket.end('HTTP/1.1 302 Found\r\nLocation: http://[bad\r\nContent-Length: 0\r\n\r\n'),
    { retried: false, error: /redirect to "http:\/\/\[bad", which is not a URL/ },
  ],
  [
    'an answer that is not HTTP',
    (socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'),
    { retried: true, error: /HPE_|Parse Error/i },
  ],
];

describe('HTTP job caller against hostile targets', () => {
  let fixture: SchedulerFixture;
  beforeAll(async () => {
    fixture = await startSchedulerFixture({ allowHosts: '127.0.0.1' });
  });
  afterAll(() => fixture.close());

  it.each(BEHAVIOURS)(
    'records %s once, retried as the job says, without throwing',
    async (_what, behaviour, expected) => {
      const target = await rawTarget(behaviour);
      try {
        const created = await fixture.request('POST', '/jobs', {
          schedule_type: 'interval',
          interval: { minutes: 10 },
          target_url: target.url,
          timeout_sec: 0.3,
          max_retries: 2,
          retry_backoff_sec: 0,
        });
        const jobId = created.json.job_id as string;
        const errorsBefore = fixture.reportedErrors.length;

        const run = await callJob(fixture.callerDeps, { job_id: jobId, scheduled_time: new Date().toISOString() });

        const attempts = expected.retried ? 3 : 1;
        expect(run).toMatchObject({ status: 'error', attempts });
        expect(run?.error).toMatch(expected.error);
        expect(target.requests()).toBe(attempts);
        const runs = (await fixture.request('GET', `/jobs/${jobId}/runs`)).json.runs;
        expect(runs).toEqual([expect.objectContaining({ run_id: run?.runId, status: 'error', attempts })]);
        expect(await fixture.statusStore.getLatest(`http-job:${jobId}`)).toMatchObject({
          lastStatus: 'error',
          lastRunId: run?.runId,
        });
        expect(fixture.reportedErrors.slice(errorsBefore)).toEqual([`http-job:${jobId}`]);
      } finally {
        await target.close();
      }
    },
  );
});
