import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type OpenApiDocument, type PrefilledRequest, prefillRequests } from '../support/openapi-prefill';

/**
 * The examples a newcomer meets, against a real `npm start` (local mode on free ports, in a
 * temporary .local, no HTTP_JOBS_ALLOW_HOSTS): every operation of /openapi.json as Swagger UI's
 * "Try it out" prefills it, and the README's HTTP-scheduler example with local mode's echo target.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const START_ARGS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts.start
  .split(/\s+/)
  .slice(1);

const localDir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-examples-'));
// Embedded PostgreSQL may run as another user (when tests run as root): it must reach its data folder.
chmodSync(localDir, 0o755);
const env: NodeJS.ProcessEnv = { ...process.env, NIGHTSHIFT_LOCAL_DIR: localDir, PORT: '0' };
// The jest services must not leak in, and nothing may lift the outbound guard: plain `npm start`.
for (const name of [
  'DATABASE_URL',
  'DYNAMODB_ENDPOINT',
  'S3_ENDPOINT',
  'JOB_STATUS_TABLE',
  'HTTP_JOBS_ALLOW_HOSTS',
  'SCHEDULER_ADMIN_TOKEN',
  'JOB_REPORT_SECRET',
  'JOB_READ_TOKEN',
]) {
  delete env[name];
}

let start: ChildProcessWithoutNullStreams;
let startOutput = '';
let apiUrl: string;
let tokens: Record<string, string>;

beforeAll(async () => {
  start = spawn(process.execPath, START_ARGS, { cwd: ROOT, env });
  const collect = (chunk: Buffer) => {
    startOutput += chunk.toString('utf8');
  };
  start.stdout.on('data', collect);
  start.stderr.on('data', collect);
  const deadline = Date.now() + 150_000;
  while (!/Ctrl-C stops everything/.test(startOutput)) {
    if (start.exitCode !== null) throw new Error(`npm start exited ${start.exitCode}:\n${startOutput}`);
    if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${startOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const running = JSON.parse(readFileSync(path.join(localDir, 'env.json'), 'utf8')) as {
    apiUrl: string;
    env: Record<string, string>;
  };
  apiUrl = running.apiUrl;
  tokens = running.env;
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null) {
    const exited = new Promise((resolve) => start.once('exit', resolve));
    start.kill('SIGTERM');
    await exited;
  }
  rmSync(localDir, { recursive: true, force: true });
}, 60_000);

/** The credential each security scheme of the document asks for, as a reader enters it under "Authorize". */
function credentials(scheme: string): Record<string, string> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const byScheme: Record<string, Record<string, string>> = {
    adminBearer: bearer(tokens.SCHEDULER_ADMIN_TOKEN),
    readToken: bearer(tokens.JOB_READ_TOKEN),
    webhookSecret: { 'x-tc-portal-webhook-secret': tokens.JOB_REPORT_SECRET },
  };
  const headers = byScheme[scheme];
  if (!headers) throw new Error(`security scheme "${scheme}" is new: tell this test which local credential it takes`);
  return headers;
}

async function submit(request: PrefilledRequest): Promise<string | undefined> {
  const response = await fetch(`${apiUrl}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.security[0] ? credentials(request.security[0]) : {}),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  if (response.ok) return undefined;
  return `${request.route} (${request.method} ${request.path}) answered ${response.status}: ${text.slice(0, 300)}`;
}

async function waitForRun(jobId: string, auth: Record<string, string>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = (await (await fetch(`${apiUrl}/jobs/${jobId}/runs`, { headers: auth })).json()) as {
      runs: { status: string; http_status: number | null; error: string | null; response_snippet: string | null }[];
    };
    if (page.runs.length > 0 || Date.now() > deadline) return page.runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The README section of the HTTP job scheduler: its code blocks, as a reader pastes them. */
function readmeSchedulerBlocks(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## HTTP job scheduler.*$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe('examples against plain npm start', () => {
  it('lists the echo target in the start banner', () => {
    expect(startOutput).toMatch(new RegExp(`^\\s+echo target\\s+${apiUrl}/echo\\s`, 'm'));
  });

  it('answers every operation of /openapi.json, prefilled as Swagger UI does, with a 2xx', async () => {
    const document = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as OpenApiDocument;
    const { requests, problems } = prefillRequests(document);
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(15);

    // Then the creates, reads and changes once more: a reader may send one again, also after the
    // deletes (POST /jobs must replace its job, not answer 409). A delete, once done, is done.
    const again = requests.filter((request) => request.method !== 'DELETE');
    const refused: string[] = [];
    for (const [round, batch] of [
      ['first', requests],
      ['again', again],
    ] as const) {
      for (const request of batch) {
        const failure = await submit(request);
        if (failure) refused.push(`${round}: ${failure}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it("runs the README's HTTP-scheduler example against the echo target, and refuses another local port naming HTTP_JOBS_ALLOW_HOSTS", async () => {
    const blocks = readmeSchedulerBlocks();
    const startCommand = blocks.flatMap((block) => block.split('\n')).find((line) => /npm start/.test(line));
    expect(startCommand).toBeDefined();
    expect(startCommand).not.toMatch(/HTTP_JOBS_ALLOW_HOSTS/);
    const readmeUrl = /^URL=(\S+?);/m.exec(blocks.join('\n'))?.[1];
    expect(readmeUrl).toBe('http://127.0.0.1:3000');
    const bodies = blocks
      .flatMap((block) => [...block.matchAll(/-d '(\{[\s\S]*?\})'/g)])
      .map((match) => JSON.parse(match[1]) as Record<string, unknown>);
    const echoJob = bodies.find((body) => String(body.target_url).endsWith('/echo'));
    expect(echoJob).toBeDefined();
    // The README shows npm start's default port; this npm start listens on a free one.
    const job: Record<string, unknown> = {
      ...echoJob,
      target_url: String(echoJob?.target_url).replace(readmeUrl as string, apiUrl),
    };
    const auth = { authorization: `Bearer ${tokens.SCHEDULER_ADMIN_TOKEN}`, 'content-type': 'application/json' };

    const created = await fetch(`${apiUrl}/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(job) });
    expect(created.status).toBe(201);
    const jobId = ((await created.json()) as { job_id: string }).job_id;
    expect((await fetch(`${apiUrl}/jobs/${jobId}/run`, { method: 'POST', headers: auth })).status).toBe(202);
    const runs = await waitForRun(jobId, auth);

    expect(runs[0]).toMatchObject({ status: 'success', http_status: 200, error: null });
    expect(JSON.parse(runs[0].response_snippet ?? '{}')).toMatchObject({
      echo: true,
      method: job.method ?? 'GET',
      headers: expect.objectContaining({ 'x-nightshift-job-id': jobId }),
    });

    const otherPort = new URL(apiUrl).port === '65535' ? '65534' : String(Number(new URL(apiUrl).port) + 1);
    const refused = await fetch(`${apiUrl}/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ ...job, job_id: 'not-the-echo', target_url: `http://127.0.0.1:${otherPort}/echo` }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /^target_url: points to a loopback.*HTTP_JOBS_ALLOW_HOSTS.*restart npm start/,
    );
  });

  it('refuses at run time the same server under another name: the exemption is the echo origin, not loopback', async () => {
    const auth = { authorization: `Bearer ${tokens.SCHEDULER_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const byName = `http://localhost:${new URL(apiUrl).port}/echo`;
    // A host name passes creation (DNS may change before the run); the caller checks what it resolves to.
    const created = await fetch(`${apiUrl}/jobs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ job_id: 'by-name', schedule_type: 'cron', cron: { hour: '3' }, target_url: byName }),
    });
    expect(created.status).toBe(201);
    await fetch(`${apiUrl}/jobs/by-name/run`, { method: 'POST', headers: auth });
    const runs = await waitForRun('by-name', auth);

    expect(runs[0]).toMatchObject({ status: 'error', http_status: null });
    expect(runs[0].error).toMatch(/^localhost resolves to .*HTTP_JOBS_ALLOW_HOSTS/);
  });
});
