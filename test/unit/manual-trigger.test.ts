import { dispatchManualTrigger, ManualTriggerRejected } from '../../lambdas/manual-trigger/dispatch-manual-trigger';

function ports(stage = { stage: 'prod', answersOriginalCommand: true }) {
  const started: Array<[string, Record<string, unknown>]> = [];
  const errors: string[] = [];
  return {
    started,
    errors,
    ports: {
      ...stage,
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

  it('starts the job when the detail names this stage', async () => {
    const { ports: p, started } = ports({ stage: 'dev', answersOriginalCommand: false });
    await dispatchManualTrigger(event({ stage: 'dev', job: 'ftp-export', payload: {} }), p);
    expect(started).toEqual([['ftp-export', {}]]);
  });

  it("refuses another stage's event: logged, thrown, nothing started", async () => {
    const { ports: p, started, errors } = ports({ stage: 'dev', answersOriginalCommand: false });
    const run = dispatchManualTrigger(event({ stage: 'prod', job: 'ftp-export' }), p);
    await expect(run).rejects.toThrow('manual trigger refused: detail.stage "prod" is not this trigger\'s stage "dev"');
    expect(errors).toHaveLength(1);
    expect(started).toHaveLength(0);
  });

  it('runs the original command (no stage) only in the stage that answers it', async () => {
    const answering = ports({ stage: 'prod', answersOriginalCommand: true });
    await dispatchManualTrigger(event({ job: 'ftp-export' }), answering.ports);
    expect(answering.started).toEqual([['ftp-export', {}]]);

    const other = ports({ stage: 'dev', answersOriginalCommand: false });
    await expect(dispatchManualTrigger(event({ job: 'ftp-export' }), other.ports)).rejects.toThrow(
      'manual trigger refused: detail.stage is required: this is the trigger of stage "dev"',
    );
    expect(other.started).toHaveLength(0);
  });
});
