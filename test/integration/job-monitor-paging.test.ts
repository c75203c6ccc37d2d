import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type MonitorFixture, startMonitorFixture, validReport } from './job-monitor-fixture';

/** The job list and the status page stay far below Lambda's 6 MB response limit, however many jobs report. */
describe('paging the job list and the status page', () => {
  const now = new Date('2025-08-11T06:00:00Z');
  let api: MonitorFixture;
  beforeEach(async () => {
    api = await startMonitorFixture({ now });
  });
  afterEach(async () => {
    await api.close();
  });

  const jobKey = (index: number) => `job-${String(index).padStart(4, '0')}`;
  /** Job i finished i minutes before `now`: job-0000 is the newest. */
  const finishedAt = (index: number) => new Date(now.getTime() - (index + 1) * 60_000).toISOString();

  /** Status rows as the store writes them, 25 per BatchWriteItem, a few requests in flight. */
  async function seedJobs(count: number, kindOf: (index: number) => 'error' | 'late' | 'success', message: string) {
    const rows = Array.from({ length: count }, (_, index) => ({
      pk: `JOB#${jobKey(index)}`,
      sk: 'LATEST',
      kind: 'latest',
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      jobKey: jobKey(index),
      title: `ジョブ ${index}`,
      toolId: null,
      lastStatus: kindOf(index) === 'error' ? 'error' : 'success',
      lastFinishedAt: finishedAt(index),
      lastMessage: message,
      lastRunId: `run-${index}`,
      late: kindOf(index) === 'late',
      ...(kindOf(index) === 'late' ? { lateSince: finishedAt(index) } : {}),
      createdAt: finishedAt(index),
      updatedAt: finishedAt(index),
      lastReceivedAt: finishedAt(index),
    }));
    const batches: (typeof rows)[] = [];
    for (let start = 0; start < rows.length; start += 25) batches.push(rows.slice(start, start + 25));
    const writeNext = async (): Promise<void> => {
      const batch = batches.shift();
      if (!batch) return;
      let items = batch.map((Item) => ({ PutRequest: { Item } }));
      while (items.length > 0) {
        const result = await api.db.send(new BatchWriteCommand({ RequestItems: { [api.tableName]: items } }));
        items = (result.UnprocessedItems?.[api.tableName] ?? []) as typeof items;
      }
      return writeNext();
    };
    await Promise.all(Array.from({ length: 8 }, writeNext));
  }

  type JobsBody = {
    jobs: Array<{ job_key: string; status: string; late: boolean; message: string }>;
    counts: { total: number; error: number; late: number };
    next_cursor: string | null;
  };

  // Every 100th job failed, every 100th (offset 50) is late: 50 + 50 urgent jobs among 5,000.
  const kindOf = (index: number) => (index % 100 === 7 ? 'error' : index % 100 === 57 ? 'late' : 'success');
  const longMessage = 'ディスク容量が不足しています。'.repeat(200); // 3,000 characters, 9 KB in UTF-8
  // 3,000 characters too; one byte each keeps 5,000 of them quick to write into dynalite.
  const asciiMessage = 'No space left on device. '.repeat(120);

  it('answers 5,000 jobs with 3,000-character messages in pages far below 6 MB, urgent jobs first', async () => {
    await seedJobs(5000, kindOf, asciiMessage);

    const response = await api.read('/api/monitor/jobs');
    const text = await response.text();
    const body = JSON.parse(text) as JobsBody;

    expect(response.status).toBe(200);
    expect(Buffer.byteLength(text)).toBeLessThan(1_100_000);
    expect(body.counts).toMatchObject({ total: 5000, error: 50, late: 50 });
    expect(body.jobs.slice(0, 50).every((job) => job.status === 'error')).toBe(true);
    expect(body.jobs.slice(50, 100).every((job) => job.late)).toBe(true);
    expect(body.jobs[0]).toMatchObject({ job_key: 'job-0007', message: asciiMessage });
    expect(body.next_cursor).toEqual(expect.any(String));
    expect(response.headers.get('link')).toBe(
      `</api/monitor/jobs?limit=100&cursor=${encodeURIComponent(body.next_cursor!)}>; rel="next"`,
    );

    const next = (await (await api.read(`/api/monitor/jobs?cursor=${body.next_cursor}`)).json()) as JobsBody;
    expect(next.jobs.slice(0, 3).map((job) => job.job_key)).toEqual(['job-0000', 'job-0001', 'job-0002']);

    const page = await api.read('/incidents');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(Buffer.byteLength(html)).toBeLessThan(1_100_000);
    expect(html).toContain('要対応 (100)');
    expect(html).toMatch(/<a id="next-page" href="\/incidents\?cursor=[A-Za-z0-9_%-]+">/);
  });

  it('cuts a page short to stay within its byte budget and continues right after its last job', async () => {
    await seedJobs(300, () => 'success', longMessage);

    const body = (await (await api.read('/api/monitor/jobs?limit=500')).json()) as JobsBody;
    const rest = (await (await api.read(`/api/monitor/jobs?limit=500&cursor=${body.next_cursor}`)).json()) as JobsBody;

    expect(body.jobs.length).toBeLessThan(300);
    expect(rest.jobs[0].job_key).toBe(jobKey(body.jobs.length));
  });

  it('visits every job exactly once when following next_cursor', async () => {
    await seedJobs(7, (index) => (index === 4 ? 'error' : 'success'), 'ok');
    await api.report(validReport(api, { job_key: 'reported-now', finished_at: now.toISOString() }));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const body = (await (await api.read(`/api/monitor/jobs?limit=3${query}`)).json()) as JobsBody;
      seen.push(...body.jobs.map((job) => job.job_key));
      cursor = body.next_cursor;
    } while (cursor);

    expect(seen).toEqual(['job-0004', 'reported-now', ...[0, 1, 2, 3, 5, 6].map(jobKey)]);
  });

  it.each(['/api/monitor/jobs', '/incidents'])('rejects a forged cursor on %s with 400', async (path) => {
    const forged = Buffer.from(JSON.stringify({ u: 9, f: 'x', k: '' })).toString('base64url');

    const response = await api.read(`${path}?cursor=${forged}`);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('cursor is invalid');
  });
});
