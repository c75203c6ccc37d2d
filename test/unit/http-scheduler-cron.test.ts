import fc from 'fast-check';
import { type ApsCronFields, translateApsCron } from '../../lambdas/http-scheduler/apscheduler-cron';
import { nextCronRuns, planSchedule } from '../../lambdas/http-scheduler/schedule-plan';
import { apschedulerFireTimes } from '../support/apscheduler-cron-oracle';
import { eventBridgeFireTimes } from '../support/eventbridge-cron-oracle';

describe('APScheduler cron → EventBridge Scheduler', () => {
  it.each<[ApsCronFields, string, string, string]>([
    [{ hour: '10', minute: '30' }, 'cron(30 10 * * ? *)', '30 10 * * *', "cron[hour='10', minute='30']"],
    [{ minute: '*/5' }, 'cron(0/5 * * * ? *)', '0-59/5 * * * *', "cron[minute='*/5']"],
    [{ hour: '9' }, 'cron(0 9 * * ? *)', '0 9 * * *', "cron[hour='9']"],
    [
      { day_of_week: 'mon-fri', hour: '8' },
      'cron(0 8 ? * MON-FRI *)',
      '0 8 * * 1-5',
      "cron[day_of_week='mon-fri', hour='8']",
    ],
    [{ day_of_week: '0', hour: '1' }, 'cron(0 1 ? * MON *)', '0 1 * * 1', "cron[day_of_week='0', hour='1']"],
    [{ day_of_week: '6', hour: '1' }, 'cron(0 1 ? * SUN *)', '0 1 * * 0', "cron[day_of_week='6', hour='1']"],
    [
      { day_of_week: 'fri-sun', minute: '0' },
      'cron(0 * ? * SUN,FRI,SAT *)',
      '0 * * * 0,5,6',
      "cron[day_of_week='fri-sun', minute='0']",
    ],
    [
      { day_of_week: 'sat,sun', hour: '3-5' },
      'cron(0 3-5 ? * SUN,SAT *)',
      '0 3-5 * * 0,6',
      "cron[day_of_week='sat,sun', hour='3-5']",
    ],
    [
      { day: 'last', hour: '23', minute: '59' },
      'cron(59 23 L * ? *)',
      '59 23 L * *',
      "cron[day='last', hour='23', minute='59']",
    ],
    [{ day: '1,15', hour: '0' }, 'cron(0 0 1,15 * ? *)', '0 0 1,15 * *', "cron[day='1,15', hour='0']"],
    [{ month: 'jan-mar', day: '1' }, 'cron(0 0 1 1-3 ? *)', '0 0 1 1-3 *', "cron[month='jan-mar', day='1']"],
    [{ month: '*/3' }, 'cron(0 0 1 1/3 ? *)', '0 0 1 1-12/3 *', "cron[month='*/3']"],
    [{ minute: '10-50/20' }, 'cron(10/20 * * * ? *)', '10-59/20 * * * *', "cron[minute='10-50/20']"],
    [{ minute: '10-40/10' }, 'cron(10,20,30,40 * * * ? *)', '10,20,30,40 * * * *', "cron[minute='10-40/10']"],
    [{ hour: '*', minute: 0 as unknown as string }, 'cron(0 * * * ? *)', '0 * * * *', "cron[hour='*', minute='0']"],
  ])('translates %j exactly', (fields, eventBridge, croner, trigger) => {
    const normalized = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)]));
    expect(translateApsCron(normalized)).toEqual({ eventBridge, croner, trigger });
  });

  it.each<[ApsCronFields, RegExp]>([
    [{ hour: '24' }, /^cron\.hour: 24 is out of range 0-23$/],
    [{ minute: '60' }, /^cron\.minute: 60 is out of range 0-59$/],
    [{ day: '0' }, /^cron\.day: 0 is out of range 1-31$/],
    [{ month: '13' }, /^cron\.month: 13 is out of range 1-12$/],
    [{ day_of_week: 'funday' }, /^cron\.day_of_week: "funday" is not a number or a name$/],
    [{ day: 'last fri' }, /^cron\.day: "last fri" cannot be expressed by EventBridge Scheduler$/],
    [{ day: '2nd mon' }, /^cron\.day: "2nd mon" cannot be expressed by EventBridge Scheduler$/],
    [
      { day: '1', day_of_week: 'mon' },
      /^cron\.day_of_week: EventBridge Scheduler cannot restrict both day and day_of_week/,
    ],
    [{ hour: '5-1' }, /^cron\.hour: range "5-1" runs backwards$/],
    [{}, /^cron: set at least one of/],
  ])('refuses %j naming the field', (fields, message) => {
    expect(() => translateApsCron(fields)).toThrow(message);
  });
});

/** Random APScheduler field expressions within a field's range. */
function fieldExpression(min: number, max: number) {
  const value = fc.integer({ min, max });
  return fc.oneof(
    value.map(String),
    fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min) / 2)) }).map((step) => `*/${step}`),
    fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(value, value, fc.integer({ min: 1, max: 5 }))
      .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
    fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((values) => values.join(',')),
  );
}

const cronFields = fc
  .record(
    {
      minute: fieldExpression(0, 59),
      hour: fieldExpression(0, 23),
      day: fc.oneof(fieldExpression(1, 31), fc.constant('last')),
      month: fieldExpression(1, 12),
      day_of_week: fieldExpression(0, 6),
    },
    { requiredKeys: [] },
  )
  .filter(
    (fields) => Object.keys(fields).length > 0 && !(fields.day !== undefined && fields.day_of_week !== undefined),
  );

describe('next run times agree with EventBridge Scheduler semantics', () => {
  it('gives the fire times of both the EventBridge reading of the expression and the APScheduler reading of the request, over a year', () => {
    fc.assert(
      fc.property(
        cronFields,
        fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('Asia/Tokyo', 'UTC', 'Asia/Kolkata'),
        (fields, from, timezone) => {
          const plan = planSchedule({
            schedule_type: 'cron',
            cron: fields,
            timezone,
          } as Parameters<typeof planSchedule>[0]);
          const until = new Date(from.getTime() + 366 * 86_400_000);
          const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
          const nextRuns = iso(nextCronRuns(plan, from, 40).filter((date) => date <= until));
          // next_run_time and local mode = EventBridge's reading of the expression = APScheduler's reading of the request.
          expect(nextRuns).toEqual(iso(eventBridgeFireTimes(plan.expression, timezone, from, until, 40)));
          expect(nextRuns).toEqual(iso(apschedulerFireTimes(fields, timezone, from, until, 40)));
        },
      ),
      { seed: 20_251_123, numRuns: 150 },
    );
  });

  it('fires a day=last job on the last day of every month, February included', () => {
    const plan = planSchedule({
      schedule_type: 'cron',
      cron: { day: 'last', hour: '12' },
      timezone: 'Asia/Tokyo',
    } as Parameters<typeof planSchedule>[0]);
    const runs = nextCronRuns(plan, new Date('2025-12-15T00:00:00Z'), 3);
    expect(runs.map((date) => date.toISOString())).toEqual([
      '2025-12-31T03:00:00.000Z',
      '2026-01-31T03:00:00.000Z',
      '2026-02-28T03:00:00.000Z',
    ]);
  });
});
