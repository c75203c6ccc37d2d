import { InvalidCursorError } from '#shared/job-status-store';
import { errorResponse, type HttpRequest, type HttpResponse, htmlResponse, jsonResponse } from './http-messages';
import { renderIncidentsPage } from './incidents-page';
import { buildJobViews, countJobs, type JobView, type RunView, toRunView } from './job-views';
import { denyWithoutReadToken, type MonitorApiDeps } from './monitor-deps';
import { jobKeyProblem } from './report-validation';

/** The read side: every job's status, one job's history, and the HTML status page. */

const RUNS_PAGE = { default: 20, max: 100 } as const;
/** Runs shown per job on the page; the API gives the full history. */
const PAGE_HISTORY_RUNS = 5;
/** History queries in flight at once while rendering the page. */
const HISTORY_CONCURRENCY = 8;

async function loadJobViews(deps: MonitorApiDeps): Promise<JobView[]> {
  const [latest, expectations] = await Promise.all([deps.store.listLatest(), deps.store.expectations.list()]);
  return buildJobViews(latest, expectations);
}

/** `GET /api/monitor/jobs` */
export async function listJobs(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'api');
  if (denied) return denied;
  const jobs = await loadJobViews(deps);
  return jsonResponse(200, { jobs, counts: countJobs(jobs), generated_at: deps.now().toISOString() });
}

function parseLimit(raw: string | null): number | undefined {
  if (raw === null) return RUNS_PAGE.default;
  const limit = Number(raw);
  return /^\d+$/.test(raw) && limit >= 1 && limit <= RUNS_PAGE.max ? limit : undefined;
}

/** `GET /api/monitor/jobs/{job_key}/runs?limit=20&cursor=...`: newest first; `next_cursor` fetches the next page. */
export async function listJobRuns(
  deps: MonitorApiDeps,
  request: HttpRequest,
  params: Record<string, string>,
): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'api');
  if (denied) return denied;
  const jobKey = params.job_key;
  const keyProblem = jobKeyProblem(jobKey);
  if (keyProblem) return errorResponse(400, keyProblem);
  const limit = parseLimit(request.query.get('limit'));
  if (limit === undefined) return errorResponse(400, `limit must be an integer from 1 to ${RUNS_PAGE.max}`);
  const cursor = request.query.get('cursor') ?? undefined;
  let page: Awaited<ReturnType<MonitorApiDeps['store']['listRuns']>>;
  try {
    page = await deps.store.listRuns(jobKey, { limit, cursor });
  } catch (error) {
    if (error instanceof InvalidCursorError) return errorResponse(400, `cursor is invalid: ${error.message}`);
    throw error;
  }
  if (page.runs.length === 0 && !cursor && !(await deps.store.getLatest(jobKey))) {
    return errorResponse(404, `job_key "${jobKey}" has no reports`);
  }
  return jsonResponse(200, { job_key: jobKey, runs: page.runs.map(toRunView), next_cursor: page.nextCursor ?? null });
}

async function recentHistory(deps: MonitorApiDeps, jobs: readonly JobView[]): Promise<Map<string, RunView[]>> {
  const history = new Map<string, RunView[]>();
  const reported = jobs.filter((job) => job.status !== null);
  for (let start = 0; start < reported.length; start += HISTORY_CONCURRENCY) {
    const batch = reported.slice(start, start + HISTORY_CONCURRENCY);
    const pages = await Promise.all(batch.map((job) => deps.store.listRuns(job.job_key, { limit: PAGE_HISTORY_RUNS })));
    for (const [index, job] of batch.entries()) history.set(job.job_key, pages[index].runs.map(toRunView));
  }
  return history;
}

/** `GET /incidents`: the status page; a browser is asked for the read token as a Basic password. */
export async function showIncidents(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'page');
  if (denied) return denied;
  const jobs = await loadJobViews(deps);
  const history = await recentHistory(deps, jobs);
  return htmlResponse(200, renderIncidentsPage({ jobs, counts: countJobs(jobs), history, now: deps.now() }));
}
