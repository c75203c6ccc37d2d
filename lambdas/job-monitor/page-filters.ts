import type { JobFilter } from './job-filters';

/** Links that keep the page's filter (job-filters.ts parses and applies it, for the API and the page alike). */
export function filterQuery(filter: JobFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.tag) params.set('tag', filter.tag);
  if (filter.q) params.set('q', filter.q);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
