/**
 * A typed client of the job monitor for TypeScript/Node programs (Node 18+, no dependency):
 *
 *   await reportJob({ url, secret, job_key: 'minpaku-in-report', title: 'minpaku-IN レポート作成', status: 'success' });
 *   const { run_id } = await startJob({ url, secret, job_key: 'minpaku-in-report' });  // optional: runs get a duration
 *   const exitStatus = await runJob({ url, secret, job_key: 'backup', title: '夜間バックアップ' }, './backup.sh', ['--full']);
 *
 * `url` is always the job-report URL (`https://<api>/api/monitor/job-report`, the Python reporter's
 * TC_PORTAL_MONITOR_URL). reportJob and startJob throw JobReportError when the monitor did not store
 * the call; runJob never throws for the monitor's sake (it warns on stderr and returns the exit status).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';

export interface MonitorConnection {
  /** The job-report endpoint, e.g. `https://<api>/api/monitor/job-report`. */
  url: string;
  /** The write secret, sent as X-TC-Portal-Webhook-Secret. */
  secret: string;
  /** @default 10000, as the Python reporter */
  timeoutMs?: number;
}

export interface ReportJobOptions extends MonitorConnection {
  job_key: string;
  title: string;
  status: 'success' | 'error';
  message?: string | null;
  /** @default now */
  finished_at?: string | Date;
  tool_id?: string | null;
  /** The run id startJob returned: the report closes that run and records its duration. */
  run_id?: string | null;
}

export interface StartJobOptions extends MonitorConnection {
  job_key: string;
  title?: string;
  /** @default now */
  started_at?: string | Date;
}

export interface JobReportAccepted {
  success: true;
  /** Stable id of the job's status row. */
  id: string;
  job_key: string;
}

export interface JobStartAccepted {
  success: true;
  job_key: string;
  /** Pass it to reportJob (`run_id`) so the report closes this run. */
  run_id: string;
}

export class JobReportError extends Error {
  override name = 'JobReportError';
  /** HTTP status, when the server answered. */
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * fetch says only "fetch failed"; the reason (refused, unknown host, TLS) is in its cause:
 * "ECONNREFUSED (127.0.0.1:3000): connect ECONNREFUSED 127.0.0.1:3000".
 */
function networkReason(error: Error): string {
  const cause = error.cause as { code?: string; address?: string; port?: number; hostname?: string; message?: string };
  if (!cause || typeof cause !== 'object') return error.message;
  const where = cause.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : cause.hostname;
  if (cause.code && where) return `${cause.code} (${where}): ${cause.message ?? error.message}`;
  return `${error.message}: ${cause.message ?? String(cause)}`;
}

export async function reportJob(options: ReportJobOptions): Promise<JobReportAccepted> {
  const finishedAt = options.finished_at ?? new Date();
  return postJson<JobReportAccepted>(options, options.url, 'job report', {
    job_key: options.job_key,
    title: options.title,
    status: options.status,
    finished_at: finishedAt instanceof Date ? finishedAt.toISOString() : finishedAt,
    message: options.message ?? null,
    ...(options.tool_id ? { tool_id: options.tool_id } : {}),
    ...(options.run_id ? { run_id: options.run_id } : {}),
  });
}

/** Tells the monitor a run started (`POST /api/monitor/job-start`, next to the job-report URL). */
export async function startJob(options: StartJobOptions): Promise<JobStartAccepted> {
  const startedAt = options.started_at ?? new Date();
  return postJson<JobStartAccepted>(options, jobStartUrl(options.url), 'job start', {
    job_key: options.job_key,
    ...(options.title ? { title: options.title } : {}),
    started_at: startedAt instanceof Date ? startedAt.toISOString() : startedAt,
  });
}

/** `…/api/monitor/job-report` → `…/api/monitor/job-start`. */
export function jobStartUrl(reportUrl: string): string {
  const url = new URL(reportUrl);
  if (!url.pathname.endsWith('/job-report')) {
    throw new JobReportError(`the monitor URL must end with /api/monitor/job-report: ${reportUrl}`);
  }
  url.pathname = `${url.pathname.slice(0, -'/job-report'.length)}/job-start`;
  return url.toString();
}

export interface RunJobOptions extends MonitorConnection {
  job_key: string;
  title: string;
  /** Output lines kept in the report. @default 20 */
  tailLines?: number;
  /** Where the reporter's own lines go (never stdout: that is the command's). @default process.stderr */
  log?: (line: string) => void;
}

/** The job monitor refuses a message over 4,000 characters; room is kept for the exit line. */
const MESSAGE_LIMIT = 3900;
const LINE_LIMIT = 500;
// Colours and control characters other than tab and newline make a message unreadable.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]/g;

/**
 * Reports the start, runs the command (its output passes through), reports success or error with
 * the exit status and the last lines of its output, and resolves to the command's exit status
 * (127 when it cannot be found, 128 + n when signal n stopped it).
 */
export async function runJob(options: RunJobOptions, command: string, args: readonly string[] = []): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let runId: string | undefined;
  try {
    runId = (await startJob(options)).run_id;
    log(`[nightshift] start reported: ${options.job_key} (run ${runId})`);
  } catch (error) {
    log(`[nightshift] start not reported, the run goes on: ${(error as Error).message}`);
  }
  const started = Date.now();
  const { exitStatus, problem, tail } = await runCommand(command, args, options.tailLines ?? 20);
  const message = runMessage([command, ...args].join(' '), exitStatus, problem, (Date.now() - started) / 1000, tail);
  try {
    await reportJob({ ...options, status: exitStatus === 0 ? 'success' : 'error', message, run_id: runId });
    log(`[nightshift] result reported: ${exitStatus === 0 ? 'success' : 'error'} (exit ${exitStatus})`);
  } catch (error) {
    log(`[nightshift] result not reported: ${(error as Error).message}`);
  }
  return exitStatus;
}

function runCommand(
  command: string,
  args: readonly string[],
  tailLines: number,
): Promise<{ exitStatus: number; problem?: string; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line.replace(UNPRINTABLE, '').slice(0, LINE_LIMIT));
      if (tail.length > tailLines) tail.shift();
    };
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    for (const [source, target] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      let partial = '';
      // A chunk may end inside a multi-byte character: the decoder keeps the rest for the next one.
      const decoder = new StringDecoder('utf8');
      source.on('data', (chunk: Buffer) => {
        target.write(chunk);
        const lines = (partial + decoder.write(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) keep(line.replace(/\r$/, ''));
      });
      source.on('end', () => {
        partial += decoder.end();
        if (partial) keep(partial);
      });
    }
    // Schedulers stop a job with SIGTERM: pass it on and report the run as stopped. Ctrl-C reaches
    // the command from the terminal by itself, so the wrapper only waits for it.
    const forwardTerm = () => child.kill('SIGTERM');
    const ignoreInt = () => {};
    process.on('SIGTERM', forwardTerm);
    process.on('SIGINT', ignoreInt);
    const done = (result: { exitStatus: number; problem?: string }) => {
      process.off('SIGTERM', forwardTerm);
      process.off('SIGINT', ignoreInt);
      resolve({ ...result, tail });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') done({ exitStatus: 127, problem: `command not found: ${command}` });
      else done({ exitStatus: 126, problem: `cannot run ${command}: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      if (signal) {
        const number = constants.signals[signal] ?? 0;
        done({ exitStatus: 128 + number, problem: `stopped by ${signal}` });
      } else done({ exitStatus: code ?? 1 });
    });
  });
}

function runMessage(
  commandLine: string,
  exitStatus: number,
  problem: string | undefined,
  seconds: number,
  tail: string[],
) {
  const head = problem
    ? `${problem} (exit ${exitStatus})`
    : `exit ${exitStatus} after ${seconds.toFixed(1)} s: ${commandLine}`.slice(0, LINE_LIMIT);
  const lines = [...tail];
  while (lines.length > 0 && head.length + lines.reduce((sum, line) => sum + line.length + 1, 0) + 40 > MESSAGE_LIMIT) {
    lines.shift();
  }
  return lines.length === 0 ? head : `${head}\n--- last ${lines.length} lines ---\n${lines.join('\n')}`;
}

async function postJson<T>(connection: MonitorConnection, url: string, what: string, payload: unknown): Promise<T> {
  const timeoutMs = connection.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-tc-portal-webhook-secret': connection.secret },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : networkReason(error as Error);
    throw new JobReportError(`${what} to ${url} failed: ${reason}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 200) {
    const detail = (body as { error?: unknown } | undefined)?.error ?? text.slice(0, 200);
    throw new JobReportError(`${what} rejected (HTTP ${response.status}): ${String(detail)}`, response.status);
  }
  return body as T;
}
