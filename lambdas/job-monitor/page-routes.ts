import { type HttpRequest, type HttpResponse, htmlResponse } from '#shared/http/messages';
import { InvalidCursorError } from '#shared/job-status-store';
import { escapeHtml } from './html-format';
import { renderIncidentsPage, renderJobRow } from './incidents-page';
import { jobActions, NO_PAGE_SETTINGS } from './job-actions';
import { needsAction } from './job-display';
import { filterJobs, matchesFilter, parseJobFilter, STATUS_FILTERS } from './job-filters';
import { renderJobPage } from './job-page';
import { fitToBudget } from './job-pages';
import { buildJobViews, countJobs, type JobView, type RunView, toRunView, unknownJobView } from './job-views';
import { denyWithoutReadToken, type MonitorApiDeps } from './monitor-deps';
import { filterQuery } from './page-filters';
import { PAGE_HEADERS } from './page-shell';
import { loadOrderedJobs, pageOf, withDetails } from './read-routes';
import { jobKeyProblem } from './report-validation';
import { inFlightRunView } from './run-health';

/** The HTML pages: /incidents (every job, one dense row each) and /incidents/jobs/{job_key} (one job). */

/** Jobs per status page; the byte budget may cut a page shorter. */
const PAGE_JOBS = 50;
/**
 * Runs per job read for the timelines: a day of a 15-minute job (96) with room to spare. The status
 * row keeps only the newest 12 runs, without messages (its writes stay small), so the page reads the
 * history of the jobs it shows: one query per job on the page, 8 at a time.
 */
const TIMELINE_RUNS = 100;
/** History queries in flight at once while rendering the page. */
const HISTORY_CONCURRENCY = 8;
/** Runs per page of a job page's history. */
const JOB_PAGE_RUNS = 50;
/** Tags offered as chips at most (the most used first). */
const TAG_CHIPS = 20;

function htmlError(statusCode: number, message: string): HttpResponse {
  return htmlResponse(
    statusCode,
    `<!doctype html><html lang="ja"><meta charset="utf-8"><title>${statusCode}</title><p>${escapeHtml(message)}</p><p><a href="/incidents">障害情報へ</a></p></html>`,
  );
}

/** Recent runs, with their messages, of the jobs on this page that ever finished a run. */
async function timelineHistory(deps: MonitorApiDeps, jobs: readonly JobView[]): Promise<Map<string, RunView[]>> {
  const history = new Map<string, RunView[]>();
  const wanting = jobs.filter((job) => job.status !== null);
  for (let start = 0; start < wanting.length; start += HISTORY_CONCURRENCY) {
    const batch = wanting.slice(start, start + HISTORY_CONCURRENCY);
    const pages = await Promise.all(batch.map((job) => deps.store.listRuns(job.job_key, { limit: TIMELINE_RUNS })));
    for (const [index, job] of batch.entries()) history.set(job.job_key, pages[index].runs.map(toRunView));
  }
  return history;
}

function tagsOf(jobs: readonly JobView[]): string[] {
  const uses = new Map<string, number>();
  for (const job of jobs) for (const tag of job.tags ?? []) uses.set(tag, (uses.get(tag) ?? 0) + 1);
  return [...uses.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TAG_CHIPS)
    .map(([tag]) => tag);
}

/** A GET form sends `q=` when its box is empty (it cannot leave the field out): a blank filter is no filter. */
function withoutBlankSearch(query: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(query);
  for (const name of ['status', 'tag', 'q']) if (copy.get(name)?.trim() === '') copy.delete(name);
  return copy;
}

/** `GET /incidents?status=&tag=&q=&cursor=`: the status page, one page of the (filtered) jobs. */
export async function showIncidents(deps: MonitorApiDeps, request: HttpRequest): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'page');
  if (denied) return denied;
  const filtering = parseJobFilter(withoutBlankSearch(request.query));
  if (!filtering.ok) return htmlError(400, filtering.error);
  const { filter } = filtering;
  const { ordered, expectations } = await loadOrderedJobs(deps);
  const matching = filterJobs(ordered, filter);
  const cursor = request.query.get('cursor') ?? undefined;
  const page = pageOf(matching, { limit: PAGE_JOBS, cursor });
  if ('error' in page) return htmlError(400, page.error);
  const detailed = await withDetails(deps, page.jobs, expectations);
  const history = await timelineHistory(deps, detailed);
  const now = deps.now();
  const { jobs, nextCursor } = fitToBudget(page, detailed, (job) =>
    Buffer.byteLength(renderJobRow(job, history.get(job.job_key), now)),
  );
  const statusCounts = Object.fromEntries(
    STATUS_FILTERS.map((status) => [status, ordered.filter((job) => matchesFilter(job, { status })).length]),
  );
  const html = renderIncidentsPage({
    jobs,
    counts: countJobs(ordered),
    attentionTotal: ordered.filter(needsAction).length,
    history,
    now,
    filter,
    statusCounts,
    tags: tagsOf(ordered),
    matching: matching.length,
    nextPage: nextCursor ? `/incidents${filterQuery(filter, { cursor: nextCursor })}` : undefined,
    firstPage: cursor === undefined,
  });
  return htmlResponse(200, html, PAGE_HEADERS);
}

/** `GET /incidents/jobs/{job_key}?cursor=`: one job, its history paged newest first. */
export async function showJobPage(
  deps: MonitorApiDeps,
  request: HttpRequest,
  params: Record<string, string>,
): Promise<HttpResponse> {
  const denied = await denyWithoutReadToken(deps, request, 'page');
  if (denied) return denied;
  const jobKey = params.job_key;
  const keyProblem = jobKeyProblem(jobKey);
  if (keyProblem) return htmlError(400, keyProblem);
  const cursor = request.query.get('cursor') ?? undefined;
  const [latest, expectation] = await Promise.all([deps.store.getLatest(jobKey), deps.store.expectations.get(jobKey)]);
  let page: Awaited<ReturnType<MonitorApiDeps['store']['listRuns']>>;
  try {
    page = await deps.store.listRuns(jobKey, { limit: JOB_PAGE_RUNS, cursor });
  } catch (error) {
    if (error instanceof InvalidCursorError) return htmlError(400, `cursor is invalid: ${error.message}`);
    throw error;
  }
  if (!latest && !expectation && page.runs.length === 0)
    return htmlError(404, `job_key "${jobKey}" の報告も予定もありません`);
  const now = deps.now();
  const [job] = buildJobViews(latest ? [latest] : [], expectation ? [expectation] : [], now);
  const inFlight = latest && cursor === undefined ? inFlightRunView(latest) : undefined;
  const html = renderJobPage({
    job: job ?? unknownJobView(jobKey),
    // The first page starts with the run in flight, as the runs API lists it.
    runs: [...(inFlight ? [inFlight] : []), ...page.runs.map(toRunView)],
    actions: jobActions(jobKey, deps.page ?? NO_PAGE_SETTINGS, job?.failing_since ?? null, now),
    now,
    nextPage: page.nextCursor ? `?${new URLSearchParams({ cursor: page.nextCursor })}` : undefined,
    firstPage: cursor === undefined,
  });
  return htmlResponse(200, html, PAGE_HEADERS);
}
