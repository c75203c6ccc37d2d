import type { LatestStatus, LatestSummary } from '#shared/job-status-store';
import { decodeCursor, encodeCursor, exactObject } from '#shared/page-cursor';
import { type JobView, urgency } from './job-views';

/**
 * Paging of the job list and the status page. Lambda answers at most 6 MB, and a job's message may
 * be 4,000 characters, so neither lists every job at once: a page holds the most urgent jobs first
 * (errors, then late), then the most recent, at most `limit` of them and at most PAGE_BUDGET_BYTES;
 * its cursor is the position of its last job, so the next page starts right after it even when
 * jobs were added in between.
 */
export const JOBS_PAGE = { default: 100, max: 500 } as const;
/** Far below the 6 MB response limit, whatever the jobs hold. */
export const PAGE_BUDGET_BYTES = 1_000_000;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Where a job sorts: urgency (0 error, 1 late or unwatched, 2 the rest), last report (newest first), job_key. */
interface JobPosition {
  u: number;
  f: string;
  k: string;
}

function positionShape(value: unknown): JobPosition | undefined {
  const position = exactObject(value, ['u', 'f', 'k']);
  if (!position) return undefined;
  const { u, f, k } = position;
  if (u !== 0 && u !== 1 && u !== 2) return undefined;
  if (typeof f !== 'string' || (f !== '' && !ISO_UTC.test(f))) return undefined;
  if (typeof k !== 'string' || k.length === 0 || k.length > 1000) return undefined;
  return { u, f, k };
}

const positionOf = (job: JobView): JobPosition => ({ u: urgency(job), f: job.finished_at ?? '', k: job.job_key });

function comparePositions(a: JobPosition, b: JobPosition): number {
  // ISO UTC strings sort as time; never-reported jobs ('') go last in their group.
  return a.u - b.u || b.f.localeCompare(a.f) || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
}

/** A job's status summary as a view to sort and count; its text comes later, for the jobs of one page only. */
export function summaryAsLatest(summary: LatestSummary): LatestStatus {
  return {
    ...summary,
    id: '',
    title: summary.title ?? summary.jobKey,
    toolId: null,
    lastMessage: null,
    lastRunId: '',
    // Not read by the views; a row that only holds a start has no updatedAt either.
    createdAt: summary.updatedAt ?? '',
  };
}

export interface JobsPage {
  jobs: JobView[];
  /** The cursor of the next page; undefined on the last. */
  nextCursor: string | undefined;
}

/**
 * One page of `ordered` (already sorted by urgency, last report, job_key): the jobs after `cursor`, at most
 * `limit`. Throws InvalidCursorError for a cursor this API did not issue.
 */
export function selectPage(ordered: readonly JobView[], cursor: string | undefined, limit: number): JobsPage {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, positionShape, 'job list');
  const remaining = after ? ordered.filter((job) => comparePositions(positionOf(job), after) > 0) : ordered;
  const jobs = remaining.slice(0, limit);
  return { jobs, nextCursor: remaining.length > limit ? cursorAfter(jobs[jobs.length - 1]) : undefined };
}

export const cursorAfter = (job: JobView): string => encodeCursor(positionOf(job));

/**
 * The first jobs of a page (`detailed`: the page's jobs with their text) whose rendered size stays within
 * the budget, always at least one (a single job is a few tens of KB at most). A page cut short continues
 * after its last job shown, at the position that job was ordered by.
 */
export function fitToBudget(
  page: JobsPage,
  detailed: readonly JobView[],
  bytes: (job: JobView) => number,
  budget = PAGE_BUDGET_BYTES,
): JobsPage {
  let used = 0;
  for (const [index, job] of detailed.entries()) {
    used += bytes(job);
    if (used > budget && index > 0)
      return { jobs: detailed.slice(0, index), nextCursor: cursorAfter(page.jobs[index - 1]) };
  }
  return { jobs: [...detailed], nextCursor: page.nextCursor };
}
