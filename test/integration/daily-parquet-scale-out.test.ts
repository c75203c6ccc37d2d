import { awsPorts } from '../../lambdas/daily-parquet/aws-ports';
import type { DailyParquetPorts } from '../../lambdas/daily-parquet/ports';
import {
  createPublishJob,
  createScaleOutStepHandler,
  type PlanOutput,
} from '../../lambdas/daily-parquet/scale-out-steps';
import { runJob } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { messageItem } from '../../local/daily-parquet-local';
import { DailyParquetWorld } from './daily-parquet-fixture';

const DAY = '2025-08-11';

let world: DailyParquetWorld;
beforeEach(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
});
afterEach(() => world.tearDown());

/** Runs the state machine's steps as Step Functions would: plan, every item (failures caught), publish. */
async function runStateMachine(input: object, wrap: (ports: DailyParquetPorts) => DailyParquetPorts = (p) => p) {
  const env = world.env({ TENANT_ID: 'a,b', SCALE_OUT_SLICES: '4' });
  const portsFor = (settings: Parameters<typeof awsPorts>[0]) => wrap(awsPorts(settings, env));
  const publishJob = createPublishJob(portsFor, env);
  const publish = (event: unknown) =>
    runJob(publishJob, event, { store: null, publishMetrics: false, logger: createLogger('scale-out-test') });
  const step = createScaleOutStepHandler(portsFor, publish, env);
  const plan = (await step({ step: 'plan', input, run_id: 'exec-1' } as { step: string })) as PlanOutput;
  const items = await Promise.allSettled(plan.items.map((item) => step(item)));
  const outcome = await step({
    step: 'publish',
    run_id: plan.run_id,
    target_date: plan.target_date,
    tenants: plan.tenants,
    slices: plan.slices,
  } as { step: string });
  return { plan, items, outcome: outcome as Awaited<ReturnType<typeof publish>> };
}

describe('daily-parquet scale-out steps', () => {
  it('plans tenant × slice items and publishes one partition per tenant from the slices', async () => {
    await world.put([
      messageItem('a', '2025-08-10T15:00:00.000Z', 'a-first', { tokens: 1 }),
      messageItem('a', '2025-08-11T02:00:00.000Z', 'a-mid', { tokens: 2 }),
      messageItem('a', '2025-08-11T14:59:59.999Z', 'a-last', { tokens: 3 }),
      messageItem('b', '2025-08-11T09:00:00.000Z', 'b-only', { tokens: 4 }),
    ]);

    const { plan, outcome } = await runStateMachine({ target_date: DAY });

    expect(plan.items).toHaveLength(8);
    expect(plan.items[0]).toEqual({
      step: 'slice',
      run_id: 'exec-1',
      target_date: DAY,
      tenant: 'a',
      slice: 0,
      slices: 4,
    });
    expect(outcome).toMatchObject({ status: 'success', rows: 4 });
    expect(await world.keys()).toEqual([
      'analytics/messages/current/tenant_id=a/dt=2025-08-11/symlink.txt',
      'analytics/messages/current/tenant_id=b/dt=2025-08-11/symlink.txt',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/_manifest.json',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/part-00000.parquet',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/part-00001.parquet',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/part-00002.parquet',
      'analytics/messages/runs/tenant_id=b/dt=2025-08-11/run=exec-1/_manifest.json',
      'analytics/messages/runs/tenant_id=b/dt=2025-08-11/run=exec-1/part-00000.parquet',
    ]);
    expect(
      await world.query(
        'SELECT tenant_id, list(message_id ORDER BY created_at) AS ids, sum(tokens) AS t FROM messages GROUP BY 1 ORDER BY 1',
      ),
    ).toEqual([
      { tenant_id: 'a', ids: ['a-first', 'a-mid', 'a-last'], t: '6' },
      { tenant_id: 'b', ids: ['b-only'], t: '4' },
    ]);
  });

  it('fails the tenant whose slice failed, publishes the other and fails the execution', async () => {
    await world.put([
      messageItem('a', '2025-08-11T00:00:00.000Z', 'a1'),
      messageItem('b', '2025-08-11T00:00:00.000Z', 'b1'),
      messageItem('b', '2025-08-11T12:00:00.000Z', 'b2'),
    ]);

    const { items, outcome } = await runStateMachine({ target_date: DAY }, (ports) => ({
      ...ports,
      source: {
        queryRange: (tenant, from, to) => {
          if (tenant === 'b' && from.startsWith('2025-08-11T09')) throw new Error('throttled');
          return ports.source.queryRange(tenant, from, to);
        },
      },
    }));

    expect(items.filter((item) => item.status === 'rejected')).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'error', message: expect.stringContaining('b: throttled') });
    expect(await world.keys()).toEqual([
      'analytics/messages/current/tenant_id=a/dt=2025-08-11/symlink.txt',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/_manifest.json',
      'analytics/messages/runs/tenant_id=a/dt=2025-08-11/run=exec-1/part-00000.parquet',
    ]);
  });
});
