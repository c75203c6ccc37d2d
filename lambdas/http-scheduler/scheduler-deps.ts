import type { Logger } from '@aws-lambda-powertools/logger';
import type { ExpectationStore } from '#shared/expectation-store';
import { errorResponse, type HttpRequest, type HttpResponse } from '#shared/http/messages';
import { bearerToken, matchesAnySecret } from '#shared/http/secret-check';
import type { JobForgetter } from '#shared/job-forget';
import type { CallEvent } from './call-job';
import type { JobScheduler } from './job-scheduler';
import type { JobSecrets } from './job-secrets';
import type { HttpJobStore } from './job-store';

/** The scheduler API's ports, so tests and local mode pass their own. */
export interface SchedulerApiDeps {
  store: HttpJobStore;
  scheduler: JobScheduler;
  secrets: JobSecrets;
  /** The job-status store's expectations: cron and interval jobs are watched for lateness like any job. */
  expectations: Pick<ExpectationStore, 'put' | 'delete'>;
  /** The job monitor's entries: a deleted job leaves /incidents with its history, expectation and mute. */
  monitorEntries: Pick<JobForgetter, 'forget'>;
  /** Starts one run without waiting for it (async Lambda invoke on AWS, in-process locally). */
  runNow: (event: CallEvent) => Promise<void>;
  /** Accepted admin tokens (current and previous); [] = not configured. */
  adminTokens: () => Promise<string[]>;
  allowHosts: ReadonlySet<string>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => Date;
  /** The target_url of the documented POST /jobs example (local mode: its echo target). @default 'https://example.com/' */
  exampleTargetUrl?: string;
}

/** undefined when the request carries an accepted admin token; else the 401 (or 500 when unconfigured). */
export async function denyWithoutAdminToken(
  deps: SchedulerApiDeps,
  request: HttpRequest,
): Promise<HttpResponse | undefined> {
  let accepted: string[];
  try {
    accepted = await deps.adminTokens();
  } catch (error) {
    deps.logger.error('scheduler admin token could not be read', { error: error as Error });
    return errorResponse(500, 'Server configuration error');
  }
  if (accepted.length === 0) {
    deps.logger.error('scheduler admin token is not configured (SCHEDULER_ADMIN_TOKEN)');
    return errorResponse(500, 'Server configuration error');
  }
  if (matchesAnySecret(bearerToken(request.headers.authorization), accepted)) return undefined;
  return errorResponse(401, 'Invalid or missing admin token', { 'www-authenticate': 'Bearer' });
}
