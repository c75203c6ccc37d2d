import { filterJobs, parseJobFilter } from '../../lambdas/job-monitor/job-filters';
import { parseLabels } from '../../lambdas/job-monitor/job-labels';
import { type JobView, unknownJobView } from '../../lambdas/job-monitor/job-views';

function job(jobKey: string, fields: Partial<JobView> = {}): JobView {
  return { ...unknownJobView(jobKey), status: 'success', ...fields };
}

const jobs = [
  job('sales-import', { status: 'error', title: '売上データ取込', tags: ['billing', 'daily'] }),
  job('ftp-export', { late: true, title: 'FTP Export', tags: ['daily'] }),
  job('backup', { hung: true, running: { run_id: 'r1', started_at: '2025-08-11T00:00:00Z', slot: null } }),
  job('minpaku-in-report', { muted: { until: '2025-08-12T00:00:00Z', reason: 'x' } }),
  job('never', { status: null }),
];

const keysOf = (query: string) => {
  const parsed = parseJobFilter(new URLSearchParams(query));
  if (!parsed.ok) throw new Error(parsed.error);
  return filterJobs(jobs, parsed.filter).map((view) => view.job_key);
};

describe('job list filters', () => {
  it.each([
    ['status=error', ['sales-import']],
    ['status=late', ['ftp-export']],
    ['status=hung', ['backup']],
    ['status=running', ['backup']],
    ['status=muted', ['minpaku-in-report']],
    ['tag=daily', ['sales-import', 'ftp-export']],
    ['tag=daily&status=late', ['ftp-export']],
    ['q=EXPORT', ['ftp-export']],
    ['q=売上', ['sales-import']],
    ['', ['sales-import', 'ftp-export', 'backup', 'minpaku-in-report', 'never']],
  ])('?%s keeps %j, in the order given', (query, expected) => {
    expect(keysOf(query)).toEqual(expected);
  });

  it.each([
    ['status=ok', 'status must be one of error, late, hung, running, muted'],
    ['tag=Billing', "tag must be 1-32 characters of a-z, 0-9, '-', '_', '.', ':'"],
    [`tag=${'a'.repeat(33)}`, "tag must be 1-32 characters of a-z, 0-9, '-', '_', '.', ':'"],
    ['q=', 'q must be 1-200 characters'],
    [`q=${'x'.repeat(201)}`, 'q must be 1-200 characters'],
  ])('refuses ?%s with "%s"', (query, error) => {
    expect(parseJobFilter(new URLSearchParams(query))).toEqual({ ok: false, error });
  });
});

describe('job labels', () => {
  it('reads tags (duplicates once) and a trimmed owner', () => {
    expect(parseLabels({ tags: ['billing', 'team:data', 'billing'], owner: ' 佐藤 ' })).toEqual({
      ok: true,
      value: { tags: ['billing', 'team:data'], owner: '佐藤' },
    });
  });

  it('leaves labels the body does not mention out, and reads null as "clear"', () => {
    expect(parseLabels({})).toEqual({ ok: true, value: {} });
    expect(parseLabels({ owner: null })).toEqual({ ok: true, value: { owner: null } });
  });

  it.each([
    [{ tags: 'billing' }, 'tags must be an array of at most 10 strings'],
    [{ tags: Array.from({ length: 11 }, (_, index) => `t${index}`) }, 'tags must be an array of at most 10 strings'],
    [{ tags: ['ok', 'Not OK'] }, "tags[1] must be 1-32 characters of a-z, 0-9, '-', '_', '.', ':'"],
    [{ owner: 42 }, 'owner must be a string of 1-100 characters, or null'],
    [{ owner: 'a\u0007b' }, 'owner must not contain control characters'],
  ])('refuses %j with "%s"', (body, error) => {
    expect(parseLabels(body as Record<string, unknown>)).toEqual({ ok: false, error });
  });
});
