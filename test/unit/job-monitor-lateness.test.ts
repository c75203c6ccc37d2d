import { parseBuiltInExpectations } from '../../lambdas/job-watchdog/built-in-expectations';
import { evaluateLateness, nextExpectedRun } from '../../lambdas/shared/expected-runs';
import { builtInExpectations, graceMinutesFor } from '../../lib/expectations';
import type { JobSpec } from '../../lib/job-spec';
import { JOBS } from '../../lib/jobs';

const daily9Jst = { crons: ['0 9 * * *'], timezone: 'Asia/Tokyo', graceMinutes: 10 };
const utc = (iso: string) => new Date(iso);

describe('evaluateLateness', () => {
  it('is late when a daily 09:00 JST run has not reported 10 minutes after it', () => {
    const lateness = evaluateLateness(daily9Jst, {
      lastCheckIn: utc('2025-08-10T00:02:00Z'), // 09:02 JST the day before
      createdAt: utc('2025-08-01T00:00:00Z'),
      now: utc('2025-08-11T00:10:00Z'),
    });

    expect(lateness).toEqual({ late: true, since: utc('2025-08-11T00:10:00Z') });
  });

  it('is not late while the run is still within its grace period', () => {
    const lateness = evaluateLateness(daily9Jst, {
      lastCheckIn: utc('2025-08-10T00:02:00Z'),
      createdAt: utc('2025-08-01T00:00:00Z'),
      now: utc('2025-08-11T00:09:59Z'),
    });

    expect(lateness).toEqual({ late: false, deadline: utc('2025-08-11T00:10:00Z') });
  });

  it('counts a report a few seconds before the scheduled minute for that run', () => {
    const lateness = evaluateLateness(daily9Jst, {
      lastCheckIn: utc('2025-08-10T23:59:58Z'), // the reporter clock runs 2 s fast
      createdAt: utc('2025-08-01T00:00:00Z'),
      now: utc('2025-08-11T00:30:00Z'),
    });

    expect(lateness.late).toBe(false);
  });

  it('ignores runs expected before the expectation existed', () => {
    const lateness = evaluateLateness(daily9Jst, {
      lastCheckIn: utc('2025-08-01T00:02:00Z'),
      createdAt: utc('2025-08-11T01:00:00Z'),
      now: utc('2025-08-11T02:00:00Z'),
    });

    expect(lateness).toEqual({ late: false, deadline: utc('2025-08-12T00:10:00Z') });
  });

  it('takes the earliest next run of several crons', () => {
    const schedule = { crons: ['0 18 * * *', '0 0,12 * * *'], timezone: 'Asia/Tokyo', graceMinutes: 0 };

    expect(nextExpectedRun(schedule, utc('2025-08-11T03:30:00Z'))).toEqual(utc('2025-08-11T09:00:00Z'));
  });

  it('expects an interval job every N minutes after its last report', () => {
    const lateness = evaluateLateness(
      { crons: [], everyMinutes: 30, timezone: 'Asia/Tokyo', graceMinutes: 5 },
      {
        lastCheckIn: utc('2025-08-11T00:00:00Z'),
        createdAt: utc('2025-08-01T00:00:00Z'),
        now: utc('2025-08-11T00:35:00Z'),
      },
    );

    expect(lateness).toEqual({ late: true, since: utc('2025-08-11T00:35:00Z') });
  });
});

describe('built-in expectations', () => {
  const job: JobSpec = {
    id: 'youtube-sync',
    title: 'YouTube → PostgreSQL',
    entry: 'lambdas/youtube-sync/handler.ts',
    schedules: [
      { name: 'midnight', cron: '0 0 * * *' },
      { name: 'noon', cron: '0 12 * * *' },
    ],
    memoryMb: 512,
    timeoutSeconds: 301,
    inVpc: true,
    defaultPayload: {},
  };

  it('derives one entry per schedule, with a grace of the timeout plus 5 minutes and the timeout as max runtime', () => {
    expect(builtInExpectations([job])).toEqual([
      {
        job_key: 'youtube-sync',
        title: 'YouTube → PostgreSQL',
        cron: '0 0 * * *',
        timezone: 'Asia/Tokyo',
        grace_minutes: 11,
        max_runtime_minutes: 6,
      },
      {
        job_key: 'youtube-sync',
        title: 'YouTube → PostgreSQL',
        cron: '0 12 * * *',
        timezone: 'Asia/Tokyo',
        grace_minutes: 11,
        max_runtime_minutes: 6,
      },
    ]);
    expect(graceMinutesFor({ timeoutSeconds: 60 })).toBe(6);
  });

  it('merges a job’s schedules into one expectation in the watchdog', () => {
    const parsed = parseBuiltInExpectations(JSON.stringify(builtInExpectations([job])));

    expect(parsed).toEqual([
      {
        jobKey: 'youtube-sync',
        title: 'YouTube → PostgreSQL',
        crons: ['0 0 * * *', '0 12 * * *'],
        timezone: 'Asia/Tokyo',
        graceMinutes: 11,
        maxRuntimeMinutes: 6,
        source: 'registry',
      },
    ]);
  });

  it('titles a registry job with its Japanese display title, the status page’s language', () => {
    const titled = builtInExpectations([{ ...job, displayTitle: 'YouTube 同期' }]);

    expect(titled.map((entry) => entry.title)).toEqual(['YouTube 同期', 'YouTube 同期']);
  });

  it('gives every job of the registry a Japanese display title', () => {
    for (const registered of JOBS)
      expect(registered.displayTitle).toMatch(/[\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Han}]/u);
  });

  it('names the bad entry of an invalid BUILT_IN_EXPECTATIONS', () => {
    const raw = JSON.stringify([{ job_key: 'a', cron: 'every day', grace_minutes: 5 }]);

    expect(() => parseBuiltInExpectations(raw)).toThrow('BUILT_IN_EXPECTATIONS.0.cron: not a five-field cron');
  });
});

describe('evaluateLateness in a time zone with daylight saving', () => {
  // New York, 2025-11-02: clocks fall back at 02:00 EDT, so 01:00-01:59 happens twice (EDT, then EST).
  const daily0130NewYork = { crons: ['30 1 * * *'], timezone: 'America/New_York', graceMinutes: 10 };
  const createdAt = utc('2025-11-01T12:00:00Z');

  it('does not mark a run in the repeated hour late while its second pass is within the grace period', () => {
    // EventBridge runs 01:30 once; whether at the first pass (05:30Z) or the second (06:30Z), it is not late before 06:40Z.
    expect(evaluateLateness(daily0130NewYork, { createdAt, now: utc('2025-11-02T06:39:00Z') })).toEqual({
      late: false,
      deadline: utc('2025-11-02T06:40:00Z'),
    });
    expect(evaluateLateness(daily0130NewYork, { createdAt, now: utc('2025-11-02T06:40:00Z') })).toEqual({
      late: true,
      since: utc('2025-11-02T06:40:00Z'),
    });
  });

  it('is satisfied by a report at the first pass and then expects the next day', () => {
    const lateness = evaluateLateness(daily0130NewYork, {
      lastCheckIn: utc('2025-11-02T05:31:00Z'), // 01:31 EDT
      createdAt,
      now: utc('2025-11-02T07:00:00Z'),
    });

    expect(lateness).toEqual({ late: false, deadline: utc('2025-11-03T06:40:00Z') });
  });

  it('expects nothing at a time the spring-forward gap skips, so the job is not late that day', () => {
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT; EventBridge skips a 02:30 run, the next is 2025-03-10 02:30 EDT.
    const lateness = evaluateLateness(
      { crons: ['30 2 * * *'], timezone: 'America/New_York', graceMinutes: 10 },
      { createdAt: utc('2025-03-08T12:00:00Z'), now: utc('2025-03-09T12:00:00Z') },
    );

    expect(lateness).toEqual({ late: false, deadline: utc('2025-03-10T06:40:00Z') });
  });
});
