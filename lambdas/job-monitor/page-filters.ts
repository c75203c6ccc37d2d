import { displayTitle, healthOf } from './job-display';
import type { JobView } from './job-views';

/**
 * The page's filters (`?status=`, `?tag=`, `?q=`), parsed and applied as a pure function of the views.
 * A local version until the lifecycle work's filter for the API lands; the page then uses that one.
 */
export const STATUS_FILTERS = ['error', 'late', 'hung', 'running', 'muted'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface JobFilter {
  status?: StatusFilter;
  tag?: string;
  q?: string;
}

const MAX_FILTER_CHARS = 200;

/** The filter of a query string, or the message naming the bad field. */
export function parseJobFilter(query: URLSearchParams): JobFilter | { error: string } {
  const filter: JobFilter = {};
  const status = query.get('status');
  if (status !== null && status !== '') {
    if (!(STATUS_FILTERS as readonly string[]).includes(status))
      return { error: `status must be one of ${STATUS_FILTERS.join(', ')}` };
    filter.status = status as StatusFilter;
  }
  for (const field of ['tag', 'q'] as const) {
    const value = query.get(field)?.trim();
    if (!value) continue;
    if (value.length > MAX_FILTER_CHARS) return { error: `${field} must be at most ${MAX_FILTER_CHARS} characters` };
    filter[field] = value;
  }
  return filter;
}

export function matchesStatus(job: JobView, status: StatusFilter): boolean {
  switch (status) {
    case 'error':
      return healthOf(job) === 'error';
    case 'late':
      return job.late || healthOf(job) === 'late';
    case 'hung':
      return job.hung === true || healthOf(job) === 'hung';
    case 'running':
      return job.running != null || healthOf(job) === 'running';
    case 'muted':
      return job.muted != null;
  }
}

export function matchesFilter(job: JobView, filter: JobFilter): boolean {
  if (filter.status && !matchesStatus(job, filter.status)) return false;
  if (filter.tag && !(job.tags ?? []).includes(filter.tag)) return false;
  if (filter.q) {
    const needle = filter.q.toLowerCase();
    const haystack = [job.job_key, job.title, displayTitle(job)].map((text) => text.toLowerCase());
    if (!haystack.some((text) => text.includes(needle))) return false;
  }
  return true;
}

export const filterJobs = (jobs: readonly JobView[], filter: JobFilter): JobView[] =>
  jobs.filter((job) => matchesFilter(job, filter));

/** The query string of a filter (and more parameters), for links that keep it. */
export function filterQuery(filter: JobFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.tag) params.set('tag', filter.tag);
  if (filter.q) params.set('q', filter.q);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
