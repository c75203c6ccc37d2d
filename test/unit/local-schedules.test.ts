import { JOBS } from '../../lib/jobs';
import { schedulePayload } from '../../local/local-schedules';
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
});
