import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createClients, s3AnalyticsSink } from '../../lambdas/daily-parquet/aws-ports';
import { sweepRetiredRuns } from '../../lambdas/daily-parquet/retired-runs';
import { createMessagesTable, messageItem } from '../../local/daily-parquet-local';
import { uniqueName } from '../support/services';
import { DailyParquetWorld } from './daily-parquet-fixture';

/**
 * The publish guarantee of docs/daily-parquet.md, tried against s3rver through an S3 client that
 * fails chosen calls: every S3 call of a publish fails in turn, before it takes effect, after it
 * took effect (the client sees an error), or as the process killed right after it (every later
 * call fails). Readers (the docs' DuckDB recipe) must see exactly the old day or the new day after
 * each fault, and at every call of a clean publish; a retry must publish, and a sweep after the
 * grace period must leave nothing but the current run.
 */

const DAY = '2025-08-11';
const DAY_START = Date.parse('2025-08-10T15:00:00.000Z');
const TENANT = 'acme';
type Mode = 'fail-before' | 'fail-after' | 'die-after';
const MODES: Mode[] = ['fail-before', 'fail-after', 'die-after'];
const READS = new Set(['GetObjectCommand', 'ListObjectsV2Command', 'HeadObjectCommand']);

interface S3Call {
  command: string;
  key?: string;
}

/** Decides per S3 call (numbered from the start of the publish) whether it fails, and how. */
class FaultPlan {
  calls: S3Call[] = [];
  private publishing = false;
  private dead = false;
  constructor(
    private readonly fault?: { at: number; mode: Mode },
    private readonly afterEachCall?: (call: S3Call) => Promise<void>,
  ) {}

  install(client: S3Client): S3Client {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string };
        const call = { command: context.commandName ?? '?', key: input.Key };
        // The publish starts when the run reads the partition's symlink file.
        if (call.command === 'GetObjectCommand' && call.key?.endsWith('/symlink.txt')) this.publishing = true;
        if (this.dead) throw new Error(`killed before ${call.command}`);
        if (!this.publishing) return next(args);
        const index = this.calls.push(call) - 1;
        const fault = this.fault?.at === index ? this.fault.mode : undefined;
        if (fault === 'fail-before') throw new Error(`injected failure before ${call.command} ${call.key ?? ''}`);
        const result = await next(args);
        if (fault === 'die-after') this.dead = true;
        if (fault === 'fail-after') throw new Error(`injected failure after ${call.command} ${call.key ?? ''}`);
        await this.afterEachCall?.(call);
        return result;
      },
      { step: 'initialize', name: 'injectFaults' },
    );
    return client;
  }
}

/** 48 messages, one every half hour; `tokenBase` tells the old day from the new one. */
const dayOfMessages = (tokenBase: number) =>
  Array.from({ length: 48 }, (_, i) =>
    messageItem(TENANT, new Date(DAY_START + i * 1_800_000).toISOString(), `m${String(i).padStart(2, '0')}`, {
      tokens: tokenBase + i,
    }),
  );
const rowsOf = (tokenBase: number) =>
  dayOfMessages(tokenBase).map((item) => ({
    message_id: item.message_id,
    tokens: String(tokenBase + Number(item.message_id.slice(1))),
  }));
const OLD_ROWS = rowsOf(0);
const NEW_ROWS = rowsOf(1000);

let world: DailyParquetWorld;
let newTable: string;
beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  world = await new DailyParquetWorld().setUp();
  await world.put(dayOfMessages(0));
  newTable = uniqueName('messages-new');
  await createMessagesTable(world.dynamo, newTable);
  await world.putInto(newTable, dayOfMessages(1000));
});
afterAll(() => world.tearDown());

const AFTER_GRACE = new Date('2025-08-13T00:00:00+09:00');
const SYMLINK = `analytics/messages/current/tenant_id=${TENANT}/dt=${DAY}/symlink.txt`;

/** The symlink file, and the files and manifest of the run it names. */
async function currentRunFiles(world: DailyParquetWorld): Promise<Set<string>> {
  const files = (await world.text(SYMLINK))
    .split('\n')
    .filter(Boolean)
    .map((uri) => uri.replace(`s3://${world.bucket}/`, ''));
  const runPrefix = files[0].slice(0, files[0].lastIndexOf('/') + 1);
  return new Set([SYMLINK, ...files, `${runPrefix}_manifest.json`]);
}

const readDay = (world: DailyParquetWorld) =>
  world.query('SELECT message_id, tokens FROM messages ORDER BY message_id');
const describeRows = (rows: Record<string, unknown>[]) => {
  const ids = new Set(rows.map((row) => row.message_id));
  return `${rows.length} rows, ${ids.size} distinct ids, tokens ${rows.map((row) => row.tokens).join(',')}`;
};
const isOld = (rows: Record<string, unknown>[]) => JSON.stringify(rows) === JSON.stringify(OLD_ROWS);
const isNew = (rows: Record<string, unknown>[]) => JSON.stringify(rows) === JSON.stringify(NEW_ROWS);

interface BucketSnapshot {
  bucket: string;
  objects: Map<string, Uint8Array>;
}

/** The bucket's objects, kept to put the same old day into each case's fresh bucket without a run. */
async function snapshotBucket(source: DailyParquetWorld): Promise<BucketSnapshot> {
  const objects = new Map<string, Uint8Array>();
  for (const key of await source.keys()) {
    const object = await source.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: key }));
    objects.set(key, await object.Body!.transformToByteArray());
  }
  return { bucket: source.bucket, objects };
}

/** A world of its own whose bucket holds what `snapshot` held. */
async function restoreInFreshBucket(snapshot: BucketSnapshot): Promise<DailyParquetWorld> {
  const bucket = uniqueName('analytics');
  await world.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of snapshot.objects) {
    const moved = key.endsWith('/symlink.txt')
      ? Buffer.from(body).toString('utf8').replaceAll(`s3://${snapshot.bucket}/`, `s3://${bucket}/`)
      : body;
    await world.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: moved }));
  }
  return world.inBucket(bucket);
}

/** The new day's run, its S3 calls going through `plan`. */
function runNewDay(target: DailyParquetWorld, slicesPerDay: number, plan: FaultPlan) {
  const env = { MESSAGES_TABLE: newTable, JOB_SETTINGS: JSON.stringify({ slicesPerDay }) };
  const faulty = plan.install(createClients(target.env(env)).s3);
  return target.run(
    { target_date: DAY },
    {
      env,
      now: new Date('2025-08-12T09:00:00+09:00'),
      wrapPorts: (ports) => ({ ...ports, sink: s3AnalyticsSink(faulty, target.bucket) }),
    },
  );
}

/** One fault: what readers see after it, and what a sweep past the grace period (and a retry) leave. */
async function tryFault(oldDay: BucketSnapshot, newParts: number, at: number, mode: Mode, label: string) {
  const target = await restoreInFreshBucket(oldDay);
  const violations: string[] = [];

  const outcome = await runNewDay(target, newParts, new FaultPlan({ at, mode }));

  const rows = await readDay(target);
  if (!isOld(rows) && !isNew(rows)) violations.push(`${label}: ${describeRows(rows)}`);
  if (outcome.status === 'success' && !isNew(rows)) violations.push(`${label}: success but not the new day`);
  await sweepRetiredRuns(s3AnalyticsSink(target.s3, target.bucket), AFTER_GRACE);
  const current = await currentRunFiles(target);
  const left = (await target.keys('analytics/')).filter(
    (key) => !key.startsWith('analytics/_staging/') && !current.has(key),
  );
  if (left.length > 0) violations.push(`${label}: left ${left.join(', ')}`);
  if (mode === 'die-after') {
    const retry = await runNewDay(target, newParts, new FaultPlan());
    if (retry.status !== 'success' || !(await target.text(SYMLINK)).includes(`/run=${retry.runId}/`))
      violations.push(`${label}: the retry did not publish`);
  }
  return violations;
}

describe.each([
  { oldParts: 4, newParts: 1 },
  { oldParts: 1, newParts: 4 },
])('publishing a new day of $newParts part(s) over an old day of $oldParts part(s)', ({ oldParts, newParts }) => {
  let oldDay: BucketSnapshot;
  beforeAll(async () => {
    const source = world.inBucket(uniqueName('analytics'));
    await source.s3.send(new CreateBucketCommand({ Bucket: source.bucket }));
    const old = await source.run(
      { target_date: DAY },
      { env: { JOB_SETTINGS: JSON.stringify({ slicesPerDay: oldParts }) } },
    );
    expect(old).toMatchObject({ status: 'success', rows: 48, counts: { files: oldParts } });
    oldDay = await snapshotBucket(source);
  });

  let calls: S3Call[] = [];
  it('shows readers the old day, then the new day, at every S3 call of a clean publish', async () => {
    const target = await restoreInFreshBucket(oldDay);
    const seen: string[] = [];
    const plan = new FaultPlan(undefined, async (call) => {
      const rows = await readDay(target);
      seen.push(
        isOld(rows) ? 'old' : isNew(rows) ? 'new' : `MIX after ${call.command} ${call.key}: ${describeRows(rows)}`,
      );
    });

    const outcome = await runNewDay(target, newParts, plan);

    expect(outcome).toMatchObject({ status: 'success', rows: 48, counts: { files: newParts } });
    calls = plan.calls;
    const switchAt = calls.findIndex((call) => call.command === 'PutObjectCommand' && call.key === SYMLINK);
    expect(switchAt).toBeGreaterThan(0);
    expect(seen).toEqual([...Array(switchAt).fill('old'), ...Array(calls.length - switchAt).fill('new')]);
  });

  it('leaves readers the old day or the new day when any call fails, and the sweep leaves only the current run', async () => {
    expect(calls.length).toBeGreaterThan(5);
    const violations: string[] = [];
    for (const [at, call] of calls.entries()) {
      // A read has no effect to fail after; the modes of one call run side by side, each in its own bucket.
      const modes = MODES.filter((mode) => mode !== 'fail-after' || !READS.has(call.command));
      const found = await Promise.all(
        modes.map((mode) =>
          tryFault(oldDay, newParts, at, mode, `${mode} ${call.command} ${call.key ?? ''} (call ${at})`),
        ),
      );
      violations.push(...found.flat());
    }
    expect(violations).toEqual([]);
  }, 600_000);
});
