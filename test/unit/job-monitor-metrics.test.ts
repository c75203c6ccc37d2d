import { publishLateMetrics } from '../../lambdas/job-watchdog/watchdog-job';
import { MonitorMetric, publishMonitorCount } from '../../lambdas/shared/monitor-metrics';

/** The EMF lines the alarms depend on: namespace, metric name and dimension sets. */
function captureEmf(publish: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    publish();
  } finally {
    write.mockRestore();
  }
  return lines.map((line) => JSON.parse(line));
}

const dimensionsOf = (emf: Record<string, unknown>) =>
  (emf._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0];

describe('monitor metrics', () => {
  it('publishes JobReportedError once for all jobs and once per job', () => {
    const emf = captureEmf(() => publishMonitorCount(MonitorMetric.jobReportedError, 1, 'minpaku'));

    expect(emf.map(dimensionsOf)).toEqual([
      { Namespace: 'Nightshift', Dimensions: [['service']], Metrics: [{ Name: 'JobReportedError', Unit: 'Count' }] },
      {
        Namespace: 'Nightshift',
        Dimensions: [['service', 'job']],
        Metrics: [{ Name: 'JobReportedError', Unit: 'Count' }],
      },
    ]);
    expect(emf.map((line) => [line.service, line.job, line.JobReportedError])).toEqual([
      ['nightshift', undefined, 1],
      ['nightshift', 'minpaku', 1],
    ]);
  });

  it('publishes LateJobs as 0 when no job is late, so the alarm has data', () => {
    const emf = captureEmf(() => publishLateMetrics([]));

    expect(emf).toEqual([expect.objectContaining({ service: 'nightshift', LateJobs: 0 })]);
  });

  it('publishes JobLate for each late job and LateJobs in total', () => {
    const late = [
      { jobKey: 'a', since: '2025-08-11T00:10:00.000Z', neverReported: false },
      { jobKey: 'b', since: '2025-08-11T00:20:00.000Z', neverReported: true },
    ];

    const emf = captureEmf(() => publishLateMetrics(late));

    expect(emf.filter((line) => line.job !== undefined).map((line) => [line.job, line.JobLate])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(emf.find((line) => 'LateJobs' in line)).toMatchObject({ LateJobs: 2 });
  });
});
