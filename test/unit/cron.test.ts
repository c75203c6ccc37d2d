import { Cron } from 'croner';
import fc from 'fast-check';
import { cronProblem, SCHEDULE_TIME_ZONE, toEventBridgeCron } from '../../lib/cron';

/**
 * EventBridge Scheduler's reading of `cron(min hour dom month dow year)`, written from its
 * documentation (day-of-week 1-7 = SUN-SAT, `#n` = n-th such day of the month, `?` = any), so
 * the translation is checked against an evaluator that shares no code with it.
 */
function eventBridgeRuns(expression: string, from: Date, to: Date, limit: number): Date[] {
  const [minute, hour, dom, month, dow] = /^cron\((.*)\)$/.exec(expression)![1].split(' ');
  const names: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
  const matches = (field: string, n: number, min: number, max: number, asNumber: (text: string) => number = Number) =>
    field === '*' ||
    field === '?' ||
    field.split(',').some((item) => {
      const [range, step] = item.split('/');
      const [a, b] = range === '*' ? [min, max] : range.split('-').map(asNumber);
      const end = step !== undefined && !range.includes('-') ? max : (b ?? a);
      return n >= a && n <= end && (n - a) % Number(step ?? 1) === 0;
    });
  const runs: Date[] = [];
  const offsetMs = 9 * 3600_000; // Asia/Tokyo: UTC+9 all year, no daylight saving
  const startDay = Math.floor((from.getTime() + offsetMs) / 86_400_000);
  for (let day = startDay; runs.length < limit; day++) {
    const local = new Date(day * 86_400_000);
    if (local.getTime() - offsetMs > to.getTime()) break;
    const [d, m, w] = [local.getUTCDate(), local.getUTCMonth() + 1, local.getUTCDay() + 1];
    if (!matches(dom, d, 1, 31) || !matches(month, m, 1, 12)) continue;
    if (dow.includes('#')) {
      const [day7, nth] = dow.split('#').map(Number);
      if (w !== day7 || Math.ceil(d / 7) !== nth) continue;
    } else if (!matches(dow, w, 1, 7, (text) => names[text] ?? Number(text))) continue;
    for (let h = 0; h < 24; h++) {
      if (!matches(hour, h, 0, 23)) continue;
      for (let min = 0; min < 60; min++) {
        if (!matches(minute, min, 0, 59)) continue;
        const at = new Date(day * 86_400_000 + h * 3600_000 + min * 60_000 - offsetMs);
        if (at > from && at <= to && runs.length < limit) runs.push(at);
      }
    }
  }
  return runs;
}

const item = (min: number, max: number) =>
  fc.oneof(
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: 5 }))
      .map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}/${s}`),
    fc.integer({ min: 1, max: Math.min(20, max) }).map((s) => `*/${s}`),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 5 })).map(([a, s]) => `${a}/${s}`),
  );
const field = (min: number, max: number) =>
  fc.oneof(
    fc.constant('*'),
    fc.array(item(min, max), { minLength: 1, maxLength: 3 }).map((items) => items.join(',')),
  );
const dayOfWeek = fc.oneof(
  field(0, 7),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([d, n]) => `${d}#${n}`),
  fc.constantFrom('MON-FRI', 'SAT,SUN', 'mon'),
);
const cron = fc
  .tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), dayOfWeek, fc.boolean())
  .map(([minute, hour, dom, month, dow, byWeekday]) =>
    byWeekday ? `${minute} ${hour} * ${month} ${dow}` : `${minute} ${hour} ${dom} ${month} *`,
  );
/** Runs compared per case: every run of a sparse schedule within the year, the first ones of a dense one (croner is slow). */
const RUNS = 60;

/** Starts across 2025-2028, month ends and a leap day included. */
const start = fc.oneof(
  fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }),
  fc.constantFrom('2025-01-31T14:59:00Z', '2028-02-28T15:00:00Z', '2025-12-31T14:59:30Z').map((iso) => new Date(iso)),
);

describe('registry cron → EventBridge Scheduler', () => {
  it('translates day-of-week steps and "#" into what EventBridge understands', () => {
    expect(toEventBridgeCron('0 9 * * 1-5/2')).toBe('cron(0 9 ? * MON,WED,FRI *)');
    expect(toEventBridgeCron('0 9 * * 1#2')).toBe('cron(0 9 ? * 2#2 *)');
    expect(toEventBridgeCron('30 2 * * 1')).toBe('cron(30 2 ? * MON *)');
    expect(toEventBridgeCron('*/15 * * * *')).toBe('cron(*/15 * * * ? *)');
    expect(toEventBridgeCron('0 0-12/4 * * *')).toBe('cron(0 0,4,8,12 * * ? *)');
  });

  it('refuses at load what cannot run the same on both, naming the field', () => {
    expect(cronProblem('0 9 * * 1#2,3')).toMatch(/day-of-week "1#2,3": "#" works alone/);
    expect(cronProblem('0 9 L * *')).toMatch(/day-of-month "L" is not supported/);
    expect(cronProblem('0 24 * * *')).toMatch(/hour "24" is not in 0-23/);
    expect(cronProblem('0 9 1 * 1')).toMatch(/cannot restrict both/);
    expect(cronProblem('0 9 * * 5-1')).toMatch(/runs backwards/);
    expect(cronProblem('5/10 * * * *')).toMatch(/minute "5\/10": write \*\/step or a-b\/step/);
    expect(cronProblem('*/5 * * * *')).toBeUndefined();
  });

  it('fires at the same instants as croner over a year in Asia/Tokyo', () => {
    fc.assert(
      fc.property(cron, start, (expression, from) => {
        // Generated ranges may be ones the load check refuses (tested above); the rest must agree.
        fc.pre(cronProblem(expression) === undefined);
        const to = new Date(from.getTime() + 366 * 86_400_000);
        const croner = new Cron(expression, { timezone: SCHEDULE_TIME_ZONE, stopAt: to }).nextRuns(RUNS, from);
        const expected = croner.filter((at) => at <= to).map((at) => at.toISOString());
        // One more than croner found shows an extra run, unless croner stopped at RUNS.
        const limit = croner.length === RUNS ? expected.length : expected.length + 1;
        const actual = eventBridgeRuns(toEventBridgeCron(expression), from, to, limit).map((at) => at.toISOString());
        expect(actual).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });
});
