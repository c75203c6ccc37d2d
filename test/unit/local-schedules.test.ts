import { JOBS } from '../../lib/jobs';
import { formatJstMinute, LocalSchedule, schedulePayload, startLocalSchedules } from '../../local/local-schedules';
import { TEST_JOBS } from '../support/test-registry';

describe('local schedules', () => {
  it('send the schedule payload, or the default payload, like EventBridge Scheduler', () => {
    const [job] = TEST_JOBS;
    const fired = new Date('2025-08-11T00:15:04.321Z');
    expect(schedulePayload(job, job.schedules[0], fired)).toEqual({ rows: 3 });
    expect(schedulePayload(job, job.schedules[1], fired)).toEqual({ rows: 10 });
  });

  it('add the minute the schedule fired as scheduled_time for jobs that ask for it', () => {
    const ftpExport = JOBS.find((job) => job.id === 'ftp-export')!;
    const payload = schedulePayload(ftpExport, ftpExport.schedules[0], new Date('2025-08-11T00:15:04.321Z'));
    expect(payload).toEqual({ scheduled_time: '2025-08-11T00:15:00.000Z' });
  });

  it('print an instant as the Japan wall-clock minute', () => {
    expect(formatJstMinute(new Date('2026-11-24T00:15:00Z'))).toBe('2026-11-24 09:15 JST');
    expect(formatJstMinute(new Date('2026-11-23T15:00:59Z'))).toBe('2026-11-24 00:00 JST');
  });

  it('give the next run of a schedule in JST, as npm start prints it', () => {
    const schedule = new LocalSchedule('daily/morning', '15 9 * * *', async () => {});
    const next = schedule.nextRun(new Date('2026-11-23T23:20:00Z'));
    expect(next && formatJstMinute(next)).toBe('2026-11-24 09:15 JST');
  });

  it('skip the run of a paused schedule and say so, as a DISABLED schedule does', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-24T00:04:59Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const lines: string[] = [];
    const job = { ...TEST_JOBS[0], schedules: [{ name: 'often', cron: '*/5 * * * *' }] };
    const [schedule] = startLocalSchedules(
      [job],
      (line) => lines.push(line),
      (name) => name === `${job.id}/often`,
    );
    try {
      await jest.advanceTimersByTimeAsync(2000);
    } finally {
      schedule.stop();
      jest.useRealTimers();
    }
    expect(lines).toEqual([
      `2026-11-24 09:05:00 JST ${job.id}/often: paused, not run (npm run ops -- resume ${job.id})`,
    ]);
  });

  it('run a job at its times in Japan time and skip a run while the previous one is still going', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-24T00:00:30Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const started: string[] = [];
    let finish = () => {};
    const schedule = new LocalSchedule('every-5/minutes', '*/5 * * * *', () => {
      started.push(new Date().toISOString());
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    }).start();
    try {
      await jest.advanceTimersByTimeAsync(11 * 60_000); // 09:05 starts; 09:10 is skipped: 09:05 still runs
      finish();
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      expect(started).toEqual(['2026-11-24T00:05:00.000Z', '2026-11-24T00:15:00.000Z']);
    } finally {
      schedule.stop();
      jest.useRealTimers();
    }
  });
});
