import { runSlotAndKind } from '../../lambdas/shared/job-runner';

/** Which slot and kind the shared runner records a run with (the status follows the newest slot). */
describe('runSlotAndKind', () => {
  const started = new Date('2025-08-11T01:07:00Z');
  const slotAware = {
    describeRun: (payload: { slot?: string; dry_run?: boolean }) => ({
      slot: new Date(payload.slot ?? '2025-08-11T01:00:00Z'),
      slotRequested: payload.slot !== undefined,
      dryRun: payload.dry_run ?? false,
    }),
  } as never;
  const valid = { payloadValid: true };

  it("records a schedule's run as scheduled, for the slot the job derives", () => {
    const payload = { scheduled_time: '2025-08-11T01:00:00Z' };

    expect(runSlotAndKind(slotAware, payload, {}, started, valid)).toEqual({
      slot: new Date('2025-08-11T01:00:00Z'),
      kind: 'scheduled',
    });
  });

  it('records a payload that names its slot as a re-run of that slot', () => {
    const payload = { slot: '2025-08-10T00:15:00Z' };

    expect(runSlotAndKind(slotAware, payload, payload, started, valid)).toEqual({
      slot: new Date('2025-08-10T00:15:00Z'),
      kind: 'rerun',
    });
  });

  it('records a dry run as such, even from a backfill', () => {
    const payload = { dry_run: true };

    expect(runSlotAndKind(slotAware, payload, payload, started, { ...valid, backfill: true }).kind).toBe('dry-run');
  });

  it('records a backfill when its starter says so, whatever the payload', () => {
    const payload = { slot: '2025-08-10T00:15:00Z' };

    expect(runSlotAndKind(slotAware, payload, payload, started, { ...valid, backfill: true }).kind).toBe('backfill');
  });

  it('records a run of a slot-aware job without slot or schedule as a manual run of the current slot', () => {
    expect(runSlotAndKind(slotAware, {}, {}, started, valid)).toEqual({
      slot: new Date('2025-08-11T01:00:00Z'),
      kind: 'manual',
    });
  });

  it('records a run of a job that cannot tell as a scheduled run of its start, and a refused payload likewise', () => {
    expect(runSlotAndKind({}, {}, {}, started, valid)).toEqual({ slot: started, kind: 'scheduled' });
    expect(runSlotAndKind(slotAware, { slot: 7 }, undefined, started, { payloadValid: false })).toEqual({
      slot: started,
      kind: 'manual',
    });
  });

  it('falls back to the run of "now" when the job cannot place the payload (a slot in the future)', () => {
    const refusing = {
      describeRun: () => {
        throw new Error('payload.slot: in the future');
      },
    } as never;

    expect(runSlotAndKind(refusing, {}, {}, started, valid)).toEqual({ slot: started, kind: 'manual' });
  });
});
