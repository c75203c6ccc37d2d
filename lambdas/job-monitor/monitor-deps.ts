import type { Logger } from '@aws-lambda-powertools/logger';
import { errorResponse, type HttpRequest, type HttpResponse, htmlResponse } from '#shared/http/messages';
import { bearerOrBasicToken, matchesAnySecret } from '#shared/http/secret-check';
import type { JobForgetter } from '#shared/job-forget';
import type { JobMuteStore } from '#shared/job-mutes';
import type { JobStatusStore } from '#shared/job-status-store';
import type { Credentials } from './credentials';
import type { PageSettings } from './job-actions';

/** The ports of the monitor API: everything it touches outside itself, so tests and local mode pass their own. */
export interface MonitorApiDeps {
  store: JobStatusStore;
  /** Muted jobs (job-mutes.ts): their errors and lateness do not count toward the alarms. */
  mutes: JobMuteStore;
  /** Deletes a job with its history (job-forget.ts). */
  forgetter: Pick<JobForgetter, 'forget'>;
  credentials: Credentials;
  /** The monitor's alarm metrics (monitor-metrics.ts); late ones are the watchdog's, and unmuting publishes them at once. */
  metrics: {
    jobReportedError(jobKey: string): void;
    jobLate(jobKey: string): void;
    jobHung(jobKey: string): void;
    lateJobs(count: number): void;
  };
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => Date;
  /** What the job page needs to say what to do (stage, region, runbook URL, registry jobs); none: it names sections only. */
  page?: PageSettings;
}

/** The TC Portal's header name; API Gateway and the local server deliver header names lower-cased. */
export const WRITE_SECRET_HEADER = 'x-tc-portal-webhook-secret';

const CONFIGURATION_ERROR = 'Server configuration error';

/** Loads accepted values; a missing or unreadable secret is the TC Portal's 500, logged with the setting to fix. */
async function acceptedValues(
  deps: MonitorApiDeps,
  load: () => Promise<string[]>,
  what: string,
): Promise<string[] | HttpResponse> {
  try {
    const values = await load();
    if (values.length > 0) return values;
    deps.logger.error(`${what} is not configured`);
  } catch (error) {
    deps.logger.error(`${what} could not be read`, { error: error as Error });
  }
  return errorResponse(500, CONFIGURATION_ERROR);
}

/** undefined when the request carries a valid write secret, else the response to send (500 or 401, as in the TC Portal). */
export async function denyWithoutWriteSecret(
  deps: MonitorApiDeps,
  request: HttpRequest,
): Promise<HttpResponse | undefined> {
  const accepted = await acceptedValues(
    deps,
    () => deps.credentials.writeSecrets(),
    'the job-report write secret (JOB_REPORT_SECRET_NAME or JOB_REPORT_SECRET)',
  );
  if (!Array.isArray(accepted)) return accepted;
  if (!matchesAnySecret(request.headers[WRITE_SECRET_HEADER], accepted)) {
    return errorResponse(401, 'Invalid or missing webhook secret');
  }
  return undefined;
}

/**
 * undefined when the request carries a valid read token (Bearer, or Basic password), else the response.
 * For the page, a 401 asks the browser for a password (Basic challenge), so a person can open it.
 */
export async function denyWithoutReadToken(
  deps: MonitorApiDeps,
  request: HttpRequest,
  audience: 'api' | 'page',
): Promise<HttpResponse | undefined> {
  const accepted = await acceptedValues(
    deps,
    () => deps.credentials.readTokens(),
    'the read token (JOB_READ_TOKEN_SECRET_NAME or JOB_READ_TOKEN)',
  );
  if (!Array.isArray(accepted)) return accepted;
  if (matchesAnySecret(bearerOrBasicToken(request.headers.authorization), accepted)) return undefined;
  if (audience === 'page') {
    return htmlResponse(
      401,
      '<!doctype html><html lang="ja"><meta charset="utf-8"><title>認証が必要です</title><p>読み取りトークンをパスワードとして入力してください。</p></html>',
      { 'www-authenticate': 'Basic realm="nightshift"' },
    );
  }
  return errorResponse(401, 'Invalid or missing read token', { 'www-authenticate': 'Bearer realm="nightshift"' });
}
