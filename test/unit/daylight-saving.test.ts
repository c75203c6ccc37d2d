import fc from 'fast-check';
import type { CallEvent } from '../../lambdas/http-scheduler/call-job';
import { validateJobRequest } from '../../lambdas/http-scheduler/job-request';
import { nextRunAfter, planSchedule } from '../../lambdas/http-scheduler/schedule-plan';
import { nextExpectedRun } from '../../lambdas/shared/expected-runs';
import { CronerJobScheduler } from '../../local/croner-job-scheduler';
import { eventBridgeFireTimesWithDst, offsetTransitions } from '../support/eventbridge-cron-oracle';

/**
 * EventBridge Scheduler, in a zone with daylight saving: a cron time that does not exist (clocks spring
 * forward) is skipped, one that occurs twice (clocks fall back) runs once. next_run_time, local mode and
 * the watchdog's expected runs must all read schedules that way. Fixed seed and run count.
 */
const settings = { seed: 20_251_123, numRuns: 100 };
const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney'] as const;
const iso = (dates: readonly (Date | null)[]) => dates.map((date) => date?.toISOString() ?? null);

function planOf(cron: Record<string, string>, timezone: string) {
  const validation = validateJobRequest(
    { schedule_type: 'cron', cron, timezone, target_url: 'https://example.com/' },
    new Date('2025-01-01T00:00:00Z'),
  );
  if (!validation.ok) throw new Error(validation.error);
  return planSchedule(validation.job);
}

/** next_run_time, asked again after each run: the times the API shows one after another. */
function nextRunTimes(plan: ReturnType<typeof planOf>, from: Date, until: Date): Date[] {
  const runs: Date[] = [];
  for (let next = nextRunAfter(plan, from, from); next && next <= until; next = nextRunAfter(plan, from, next)) {
    runs.push(next);
  }
  return runs;
}

/** The watchdog's expected runs of an expectation with the job's cron, one after another. */
function expectedRuns(cron: string, timezone: string, from: Date, until: Date): Date[] {
  const schedule = { crons: [cron], timezone, graceMinutes: 5 };
  const runs: Date[] = [];
  for (let next = nextExpectedRun(schedule, from); next <= until; next = nextExpectedRun(schedule, next)) {
    runs.push(next);
  }
  return runs;
}

describe('cron schedules across daylight-saving transitions, as EventBridge Scheduler runs them', () => {
  it.each([
    // Spring forward: 02:30 does not exist on that day, so the run is skipped (not moved to 03:00).
    ['America/New_York', { hour: '2', minute: '30' }, '2025-03-08T12:00:00Z', ['2025-03-10T06:30:00.000Z']],
    ['Europe/Berlin', { hour: '2', minute: '30' }, '2025-03-29T12:00:00Z', ['2025-03-31T00:30:00.000Z']],
    ['Australia/Sydney', { hour: '2', minute: '30' }, '2025-10-04T00:00:00Z', ['2025-10-05T15:30:00.000Z']],
    // Fall back: 01:30 occurs twice and runs once, at its first occurrence (EDT, UTC-4).
    [
      'America/New_York',
      { hour: '1', minute: '30' },
      '2025-11-01T12:00:00Z',
      ['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z'],
    ],
    [
      'Australia/Sydney',
      { hour: '2', minute: '30' },
      '2025-04-05T00:00:00Z',
      ['2025-04-05T15:30:00.000Z', '2025-04-06T16:30:00.000Z'],
    ],
    // Every 30 minutes through Berlin's repeated 02:00-03:00: 02:00 and 02:30 once, then 03:00 CET.
    [
      'Europe/Berlin',
      { minute: '*/30' },
      '2025-10-25T23:45:00Z',
      ['2025-10-26T00:00:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-26T02:00:00.000Z'],
    ],
  ])('%s %j from %s', (timezone, cron, from, expected) => {
    const plan = planOf(cron, timezone);
    const start = new Date(from);
    const until = new Date(expected.at(-1) as string);

    expect(iso(nextRunTimes(plan, start, until))).toEqual(expected);
    expect(iso(expectedRuns(plan.croner as string, timezone, start, until))).toEqual(expected);
  });

  /** Hours around 01:00-03:00 local, where New York, Berlin and Sydney change their clocks. */
  const hourField = fc.oneof(
    fc.constantFrom('0', '1', '2', '3', '1-3', '*/2', '2,3', '*', '0-4/2'),
    fc.integer({ min: 0, max: 23 }).map(String),
  );
  const minuteField = fc.oneof(
    fc.constantFrom('0', '30', '*/15', '*/30', '0,45', '59'),
    fc.integer({ min: 0, max: 59 }).map(String),
  );
  const transitions = Object.fromEntries(
    ZONES.map((zone) => [
      zone,
      offsetTransitions(zone, new Date('2025-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')),
    ]),
  );

  it('next_run_time and the watchdog expect exactly the runs EventBridge fires, at every New York, Berlin and Sydney transition of 2025-2026', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -6 * 60, max: 2 * 60 }),
        fc.record({ hour: hourField, minute: minuteField }, { requiredKeys: ['minute'] }),
        (timezone, index, minutesFromTransition, cron) => {
          const transition = transitions[timezone][index];
          const from = new Date(transition.getTime() + minutesFromTransition * 60_000 + 17_000);
          const until = new Date(from.getTime() + 10 * 3_600_000);
          const plan = planOf(cron, timezone);
          const eventBridge = iso(eventBridgeFireTimesWithDst(plan.expression, timezone, from, until, 200));

          expect(iso(nextRunTimes(plan, from, until))).toEqual(eventBridge);
          expect(iso(expectedRuns(plan.croner as string, timezone, from, until))).toEqual(eventBridge);
        },
      ),
      settings,
    );
  });
});

describe('local mode (npm start) across a daylight-saving transition', () => {
  let fired: CallEvent[];
  let scheduler: CronerJobScheduler;
  afterEach(() => {
    scheduler.stop();
    jest.useRealTimers();
  });

  it('fires what EventBridge fires: the repeated hour once, the missing hour never', async () => {
    const start = new Date('2025-11-02T04:10:00Z'); // 00:10 EDT in New York, the night clocks fall back
    jest.useFakeTimers({ now: start, doNotFake: ['nextTick', 'setImmediate'] });
    fired = [];
    scheduler = new CronerJobScheduler((event) => fired.push(event));
    const plan = planOf({ minute: '*/30' }, 'America/New_York');
    await scheduler.create({
      jobId: 'half-hourly',
      generation: 'a0b1c2d3-0000-4000-8000-000000000001',
      plan,
      enabled: true,
      misfireGraceSec: 60,
      anchorAt: start.toISOString(),
    });

    await jest.advanceTimersByTimeAsync(4 * 3_600_000);

    const until = new Date(start.getTime() + 4 * 3_600_000);
    expect(fired.map((event) => event.scheduled_time)).toEqual(
      iso(eventBridgeFireTimesWithDst(plan.expression, 'America/New_York', start, until, 20)),
    );
    expect(fired.map((event) => event.scheduled_time)).not.toContain('2025-11-02T06:00:00.000Z'); // 01:00 EST, the second pass
  });
});
