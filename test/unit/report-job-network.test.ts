import { createServer } from 'node:net';
import { JobReportError, reportJob } from '../../reporters/report-job';

/** A port nothing listens on: bind a free one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('reportJob network errors', () => {
  it('names the host, port and reason of a refused connection instead of "fetch failed"', async () => {
    const port = await closedPort();
    const report = reportJob({
      url: `http://127.0.0.1:${port}/api/monitor/job-report`,
      secret: 's',
      job_key: 'k',
      title: 't',
      status: 'success',
    });
    await expect(report).rejects.toThrow(JobReportError);
    await expect(report).rejects.toThrow(new RegExp(`ECONNREFUSED \\(127\\.0\\.0\\.1:${port}\\)`));
  });

  it('names the host that does not resolve', async () => {
    const report = reportJob({
      url: 'http://no-such-host.invalid/api/monitor/job-report',
      secret: 's',
      job_key: 'k',
      title: 't',
      status: 'success',
    });
    await expect(report).rejects.toThrow(/ENOTFOUND.*no-such-host\.invalid/);
  });
});
