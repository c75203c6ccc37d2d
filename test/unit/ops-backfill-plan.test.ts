import { findJob } from '../../lib/jobs';
import { planBackfill } from '../../ops/backfill-plan';

const ftpExport = findJob('ftp-export')!;
const now = new Date('2025-08-12T00:00:00Z');

describe('backfill plan', () => {
  it('gives ftp-export every quarter-hour slot of a JST day, as its schedule fires', () => {
    const plan = planBackfill(ftpExport, '2025-08-01', '2025-08-01', now);
    expect(plan.values).toHaveLength(96);
    expect(plan.values[0]).toBe('2025-08-01T00:00');
    expect(plan.values.at(-1)).toBe('2025-08-01T23:45');
    expect(plan.since.toISOString()).toBe('2025-07-31T15:00:00.000Z');
  });

  it('stops at the current slot: a slot that has not come cannot be exported', () => {
    const plan = planBackfill(ftpExport, '2025-08-12T08:30', '2025-08-12', now);
    expect(plan.values).toEqual(['2025-08-12T08:30', '2025-08-12T08:45', '2025-08-12T09:00']);
  });

  it('refuses a malformed date naming the option', () => {
    expect(() => planBackfill(ftpExport, '2025-13-01', '2025-08-01', now)).toThrow(/^--from: .*2025-13-01/);
  });
});
