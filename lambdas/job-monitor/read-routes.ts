import type { Expectation } from '#shared/expectation-store';
import { errorResponse, type HttpRequest, type HttpResponse, jsonResponse } from '#shared/http/messages';
import { InvalidCursorError } from '#shared/job-status-store';
import { filterJobs, filterParams, type JobFilter, parseJobFilter } from './job-filters';
import { withLifecycleFields } from './job-lifecycle-view';
import { fitToBudget, JOBS_PAGE, selectPage, summaryAsLatest } from './job-pages';
import { buildJobViews, countJobs, fromLatest, type JobView, toRunView } from './job-views';
import { denyWithoutReadToken, type MonitorApiDeps } from './monitor-deps';
import { jobKeyProblem } from './report-validation';
import { inFlightRunView } from './run-health';

/** The read side: every job's status and one job's history (the HTML pages: page-routes.ts). */

const RUNS_PAGE = { default: 20, max: 100 } as const;

/** Every job in page order, from status summaries (no text): cheap to hold and sort at any job count. */
export async function loadOrderedJobs(
  deps: MonitorApiDeps,
): Promise<{ ordered: JobView[]; expectations: Expectation[] }> {
  const now = deps.now();
  const [summaries, expectations, mutes] = await Promise.all([
    deps.store.listLatestSummaries(),
    deps.store.expectations.list(),
    deps.mutes.activeAt(now),
  ]);
  const views = buildJobViews(summaries.map(summaryAsLatest), expectations, now);
  const reportLabels = new Map(summaries.map(({ jobKey, tags, owner }) => [jobKey, { tags, owner }]));
  return { ordered: withLifecycleFields(views, { mutes, expectations, reportLabels, now }), expectations };
}

/** The full views (title, message...) of one page's jobs, in the page's order. */
export async function withDetails(
  deps: MonitorApiDeps,
  page: readonly JobView[],
  expectations: readonly Expectation[],
) {
  // Never-reported jobs too: a start may have landed since the summaries were read.
  const latest = new Map(
    (await deps.store.getLatestMany(page.map((job) => job.job_key))).map((row) => [row.jobKey, row]),
  );
  const byJob = new Map(expectations.map((expectation) => [expectation.jobKey, expectation]));
  const now = deps.now();
  return page.map((job) => {
    const row = latest.get(job.job_key);
    if (!row) return job;
    // The summary's view keeps what was derived for every job (mute, labels, next run); the row adds the text.
    // A row that holds only a start is viewed as the summaries view it (fromLatest: no status, the run in flight).
    return { ...job, ...fromLatest(row, byJob.get(job.job_key), now) };
  });
}

export interface PageWanted {
  limit: number;
  cursor: string | undefined;
}
type PageRequest = PageWanted | { error: string };

function pageRequest(request: HttpRequest, defaultLimit: number): PageRequest {
  const limit = parseLimit(request.query.get('limit'), defaultLimit, JOBS_PAGE.max);
  if (limit === undefined) return { error: `limit must be an integer from 1 to ${JOBS_PAGE.max}` };
  return { limit, cursor: request.query.get('cursor') ?? undefined };
}

export function pageOf(ordered: readonly JobView[], request: PageWanted) {
  try {
    return selectPage(ordered, request.cursor, request.limit);
  } catch (error) {
    if (error instanceof InvalidCursorError) return { error: `cursor is invalid: ${error.message}` };
    throw error;
  }
}

const nextLink = (path: string, limit: number, cursor: string, filter: JobFilter) =>
  `${path}?${new URLSearchParams({ ...filterParams(filter), limit: String(limit), cursor })}`;

/** `GET /api/monitor/jobs?limit=100&cursor=...`: one page; `next_cursor` (and the Link header) fetch the next. */
export async function listJobs(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'api');
  if (denied) return denied;
  const wanted = pageRequest(request, JOBS_PAGE.default);
  if ('error' in wanted) return errorResponse(400, wanted.error);
  const filtering = parseJobFilter(request.query);
  if (!filtering.ok) return errorResponse(400, filtering.error);
  const { ordered, expectations } = await loadOrderedJobs(deps);
  const page = pageOf(filterJobs(ordered, filtering.filter), wanted);
  if ('error' in page) return errorResponse(400, page.error);
  const detailed = await withDetails(deps, page.jobs, expectations);
  const { jobs, nextCursor } = fitToBudget(page, detailed, (job) => Buffer.byteLength(JSON.stringify(job)));
  const body = {
    jobs,
    counts: countJobs(ordered),
    generated_at: deps.now().toISOString(),
    next_cursor: nextCursor ?? null,
  };
  const headers: Record<string, string> = {};
  if (nextCursor) {
    headers.link = `<${nextLink('/api/monitor/jobs', wanted.limit, nextCursor, filtering.filter)}>; rel="next"`;
  }
  return jsonResponse(200, body, headers);
}

export function parseLimit(raw: string | null, defaultLimit: number, max: number): number | undefined {
  if (raw === null) return defaultLimit;
  const limit = Number(raw);
  return /^\d+$/.test(raw) && limit >= 1 && limit <= max ? limit : undefined;
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
  const limit = parseLimit(request.query.get('limit'), RUNS_PAGE.default, RUNS_PAGE.max);
  if (limit === undefined) return errorResponse(400, `limit must be an integer from 1 to ${RUNS_PAGE.max}`);
  const cursor = request.query.get('cursor') ?? undefined;
  let page: Awaited<ReturnType<MonitorApiDeps['store']['listRuns']>>;
  try {
    page = await deps.store.listRuns(jobKey, { limit, cursor });
  } catch (error) {
    if (error instanceof InvalidCursorError) return errorResponse(400, `cursor is invalid: ${error.message}`);
    throw error;
  }
  // The first page starts with the run in flight, if any (a started job has runs before its first report).
  const latest = cursor ? undefined : await deps.store.getLatest(jobKey);
  if (page.runs.length === 0 && !cursor && !latest) {
    return errorResponse(404, `job_key "${jobKey}" has no reports`);
  }
  const inFlight = latest ? inFlightRunView(latest) : undefined;
  const runs = [...(inFlight ? [inFlight] : []), ...page.runs.map(toRunView)];
  return jsonResponse(200, { job_key: jobKey, runs, next_cursor: page.nextCursor ?? null });
}
