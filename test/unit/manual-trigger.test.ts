import { dispatchManualTrigger, ManualTriggerRejected } from '../../lambdas/manual-trigger/dispatch-manual-trigger';

function ports() {
  const started: Array<[string, Record<string, unknown>]> = [];
  const errors: string[] = [];
  return {
    started,
    errors,
    ports: {
      knownJobs: ['ftp-export', 'job-watchdog'],
      logger: { info: () => undefined, error: (message: string) => errors.push(message) },
      startJob: async (job: string, payload: Record<string, unknown>) => {
        started.push([job, payload]);
        return 'started';
      },
    },
  };
}

const event = (detail: unknown) => ({ id: 'e1', source: 'nightshift', 'detail-type': 'manual-trigger', detail });

describe('manual trigger', () => {
  it('starts the job the detail names, with its payload', async () => {
    const { ports: p, started } = ports();
    await expect(
      dispatchManualTrigger(event({ job: 'ftp-export', payload: { slot: '2025-08-11T09:15' } }), p),
    ).resolves.toMatchObject({ job: 'ftp-export', started: 'started' });
    expect(started).toEqual([['ftp-export', { slot: '2025-08-11T09:15' }]]);
  });

  it('sends an empty payload when the detail has none', async () => {
    const { ports: p, started } = ports();
    await dispatchManualTrigger(event({ job: 'job-watchdog' }), p);
    expect(started).toEqual([['job-watchdog', {}]]);
  });

  it('refuses an unknown job loudly: logged, thrown, nothing started', async () => {
    const { ports: p, started, errors } = ports();
    const run = dispatchManualTrigger(event({ job: 'youtube-synk', payload: {} }), p);
    await expect(run).rejects.toThrow(ManualTriggerRejected);
    await expect(run).rejects.toThrow('unknown job "youtube-synk" (jobs: ftp-export, job-watchdog)');
    expect(errors).toHaveLength(1);
    expect(started).toHaveLength(0);
  });

  it('names the field of a bad detail (the original form without Detail, a payload that is not an object)', async () => {
    const { ports: p } = ports();
    await expect(dispatchManualTrigger(event(undefined), p)).rejects.toThrow(/detail\.job: job is required/);
    await expect(dispatchManualTrigger(event({ job: 'ftp-export', payload: [1] }), p)).rejects.toThrow(
      /detail\.payload: payload must be a JSON object/,
    );
  });
});
