import { backoffSec } from './job-request';
import type { JobSecretValue } from './job-secrets';
import type { JobRecord } from './job-store';
import {
  AddressRefusedError,
  NetworkError,
  type OutboundCall,
  type OutboundResponse,
  UnusableResponseError,
} from './outbound-request';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature';

/**
 * The calls of one run: signed, with the job's retries (5xx, 429 and network errors, exponential
 * backoff; other answers fail at once). Whatever the target does, this returns an outcome and never
 * throws: a target's fault is the run's error, recorded once, never a failed invocation that Lambda
 * would retry by calling the target again.
 */
export interface Attempted {
  status: 'success' | 'error';
  attempts: number;
  response?: OutboundResponse;
  error?: string;
}

export interface CallTargetDeps {
  call: OutboundCall;
  allowHosts: ReadonlySet<string>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

function requestBody(job: JobRecord): string | undefined {
  const { body } = job.definition;
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** What one failed attempt says, and whether the job's rule retries it. */
function classify(error: unknown): { error: string; retryable: boolean } {
  if (error instanceof NetworkError) return { error: error.message, retryable: true };
  if (error instanceof AddressRefusedError || error instanceof UnusableResponseError) {
    return { error: error.message, retryable: false };
  }
  // Anything else the call threw is a target the client could not make sense of: not retried.
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { error: `the call failed: ${name}: ${message}`, retryable: false };
}

export async function callTarget(
  deps: CallTargetDeps,
  job: JobRecord,
  secrets: JobSecretValue,
  run: { runId: string; scheduledTime: string },
): Promise<Attempted> {
  const body = requestBody(job);
  const { definition } = job;
  const isJson = body !== undefined && typeof definition.body !== 'string';
  const baseHeaders: Record<string, string> = {
    ...(isJson ? { 'content-type': 'application/json' } : {}),
    ...definition.headers,
    ...secrets.headers,
    'user-agent': 'nightshift-http-scheduler',
    'x-nightshift-job-id': job.jobId,
    'x-nightshift-run-id': run.runId,
    'x-nightshift-scheduled-time': run.scheduledTime,
  };
  const maxAttempts = definition.max_retries + 1;
  let last: Attempted = { status: 'error', attempts: 0 };
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const headers = {
      ...baseHeaders,
      'x-nightshift-attempt': String(attempt),
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signBody(secrets.signingSecret, timestamp, body ?? ''),
    };
    let retryable: boolean;
    try {
      const response = await deps.call({
        url: definition.target_url,
        method: definition.method,
        headers,
        originBoundHeaders: Object.keys(secrets.headers),
        body,
        timeoutMs: definition.timeout_sec * 1000,
        allowHosts: deps.allowHosts,
      });
      if (response.status < 400) return { status: 'success', attempts: attempt, response };
      retryable = response.status >= 500 || response.status === 429;
      last = { status: 'error', attempts: attempt, response, error: `HTTP ${response.status}` };
    } catch (error) {
      const failure = classify(error);
      retryable = failure.retryable;
      last = { status: 'error', attempts: attempt, error: failure.error };
    }
    if (!retryable || attempt === maxAttempts) break;
    await deps.sleep(backoffSec(definition.retry_backoff_sec, attempt) * 1000);
  }
  return last;
}
