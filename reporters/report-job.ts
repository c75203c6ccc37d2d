/**
 * A typed reporter for the job-report API, for TypeScript/Node programs (Node 18+, no dependency):
 *
 *   await reportJob({ url, secret, job_key: 'minpaku-in-report', title: 'minpaku-IN レポート作成', status: 'success' });
 *
 * It throws JobReportError when the report was not stored; a job that must not fail because its
 * report failed wraps the call in try/catch, as the TC Portal's Python reporter does.
 */
export interface ReportJobOptions {
  /** The endpoint, e.g. `https://<api>/api/monitor/job-report` (the Python reporter's TC_PORTAL_MONITOR_URL). */
  url: string;
  /** The write secret, sent as X-TC-Portal-Webhook-Secret. */
  secret: string;
  job_key: string;
  title: string;
  status: 'success' | 'error';
  message?: string | null;
  /** @default now */
  finished_at?: string | Date;
  tool_id?: string | null;
  /** @default 10000, as the Python reporter */
  timeoutMs?: number;
}

export interface JobReportAccepted {
  success: true;
  /** Stable id of the job's status row. */
  id: string;
  job_key: string;
}

export class JobReportError extends Error {
  override name = 'JobReportError';
  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
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
  const timeoutMs = options.timeoutMs ?? 10_000;
  const finishedAt = options.finished_at ?? new Date();
  const payload = {
    job_key: options.job_key,
    title: options.title,
    status: options.status,
    finished_at: finishedAt instanceof Date ? finishedAt.toISOString() : finishedAt,
    message: options.message ?? null,
    ...(options.tool_id ? { tool_id: options.tool_id } : {}),
  };
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-tc-portal-webhook-secret': options.secret },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : networkReason(error as Error);
    throw new JobReportError(`job report to ${options.url} failed: ${reason}`);
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
    throw new JobReportError(`job report rejected (HTTP ${response.status}): ${String(detail)}`, response.status);
  }
  return body as JobReportAccepted;
}
