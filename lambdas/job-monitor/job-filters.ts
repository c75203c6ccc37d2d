import { isTag, TAG_RULE } from './job-labels';
import type { JobView } from './job-views';

/**
 * The job list's filters, shared by `GET /api/monitor/jobs` and the status page (`/incidents`):
 * `?status=error|late|hung|running|muted`, `?tag=<tag>`, `?q=<text in job_key or title>`. They apply to
 * the ordered list before it is paged, so a page (and its cursor) is a page of the filtered list.
 */
export const STATUS_FILTERS = ['error', 'late', 'hung', 'running', 'muted'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface JobFilter {
  status?: StatusFilter;
  tag?: string;
  /** Lower-cased. */
  q?: string;
}

const MAX_QUERY_CHARS = 200;

/** The filter of a query string, or the message naming the parameter that is wrong. */
export function parseJobFilter(query: URLSearchParams): { ok: true; filter: JobFilter } | { ok: false; error: string } {
  const filter: JobFilter = {};
  const status = query.get('status');
  if (status !== null) {
    if (!(STATUS_FILTERS as readonly string[]).includes(status)) {
      return { ok: false, error: `status must be one of ${STATUS_FILTERS.join(', ')}` };
    }
    filter.status = status as StatusFilter;
  }
  const tag = query.get('tag');
  if (tag !== null) {
    if (!isTag(tag)) return { ok: false, error: `tag must be ${TAG_RULE}` };
    filter.tag = tag;
  }
  const q = query.get('q');
  if (q !== null) {
    if (q.trim() === '' || [...q].length > MAX_QUERY_CHARS) {
      return { ok: false, error: `q must be 1-${MAX_QUERY_CHARS} characters` };
    }
    filter.q = q.trim().toLowerCase();
  }
  return { ok: true, filter };
}

const MATCHES_STATUS: Record<StatusFilter, (job: JobView) => boolean> = {
  error: (job) => job.status === 'error',
  late: (job) => job.late,
  hung: (job) => job.hung === true,
  running: (job) => Boolean(job.running),
  muted: (job) => Boolean(job.muted),
};

export function matchesFilter(job: JobView, filter: JobFilter): boolean {
  if (filter.status && !MATCHES_STATUS[filter.status](job)) return false;
  if (filter.tag && !(job.tags ?? []).includes(filter.tag)) return false;
  if (filter.q && !job.job_key.toLowerCase().includes(filter.q) && !job.title.toLowerCase().includes(filter.q)) {
    return false;
  }
  return true;
}

export function filterJobs(jobs: readonly JobView[], filter: JobFilter): JobView[] {
  return Object.keys(filter).length === 0 ? [...jobs] : jobs.filter((job) => matchesFilter(job, filter));
}

/** The filter as query parameters, for the links to the next page. */
export function filterParams(filter: JobFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}
