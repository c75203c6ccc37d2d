import { MESSAGE_COLUMNS, MESSAGES_SCHEMA_VERSION } from '../../contracts/analytics-messages';
import { ParquetPart, type PartStats } from './parquet-part';
import { partitionRunsPrefix, retiredMarkKey, runIdOf, runManifestKey, runPartKey, symlinkKey } from './partition-keys';
import type { AnalyticsSink } from './ports';

export interface PartitionManifest {
  tenant_id: string;
  dt: string;
  rows: number;
  invalid_values: number;
  files: { key: string; rows: number; bytes: number }[];
  schema_version: number;
  columns: string[];
  run_id: string;
  written_at: string;
}

export interface PublishRequest {
  tenant: string;
  targetDate: string;
  runId: string;
  /** Staged parts in time order; they become the run's part-00000, part-00001, ... */
  staged: PartStats[];
  invalidValues: number;
  now: Date;
}

export interface PublishResult {
  manifest: PartitionManifest;
  /** Set when a clean-up step after the switch failed: the data is published, garbage may remain until a sweep. */
  cleanupError?: string;
}

/** The run a symlink file names (every line is a file of that one run), or undefined. */
export function currentRunOf(symlinkText: string | undefined): string | undefined {
  const firstLine = symlinkText?.split('\n', 1)[0];
  return firstLine ? runIdOf(firstLine) : undefined;
}

const markRetired = (sink: AnalyticsSink, tenant: string, targetDate: string, runIds: Iterable<string>, at: Date) =>
  Promise.all([...runIds].map((id) => sink.putText(retiredMarkKey(tenant, targetDate, id, at), '', 'text/plain')));

/** The run directories of a tenant-day (`run=<id>`): current, replaced or dead. */
async function runDirectories(sink: AnalyticsSink, tenant: string, targetDate: string): Promise<Set<string>> {
  const keys = await sink.listKeys(partitionRunsPrefix(tenant, targetDate));
  return new Set(keys.map(runIdOf).filter((id): id is string => id !== undefined));
}

/**
 * The run's own directory: its run id, or `<run id>~2`, `~3`, ... when that is taken. Lambda
 * retries an asynchronous invocation with the same request id; the retry must never write over
 * files that the first attempt published and readers may be reading.
 */
function freeRunDirectory(runId: string, taken: Set<string>): string {
  if (!taken.has(runId)) return runId;
  let attempt = 2;
  while (taken.has(`${runId}~${attempt}`)) attempt += 1;
  return `${runId}~${attempt}`;
}

/** Copies the staged parts to the run's own prefix (all of them, even when one fails), or writes one empty part. */
async function placeRunFiles(sink: AnalyticsSink, request: PublishRequest): Promise<PartStats[]> {
  const { tenant, targetDate, runId, staged } = request;
  if (staged.length === 0) {
    // An empty day still gets one (row-less) file: the symlink then always names its run, and readers get the schema.
    const empty = await ParquetPart.open(sink, runPartKey(tenant, targetDate, runId, 0), 1_000);
    return [await empty.close()];
  }
  const files = staged.map((part, index) => ({ ...part, key: runPartKey(tenant, targetDate, runId, index) }));
  const copies = await Promise.allSettled(staged.map((part, index) => sink.copy(part.key, files[index].key)));
  const failed = copies.find((copy) => copy.status === 'rejected');
  if (failed) throw failed.reason;
  return files;
}

/**
 * Publishes a tenant-day: the run's files go under its own prefix, then one PUT of the partition's
 * symlink file (what the Glue table and the DuckDB recipe read) switches every reader from the
 * previous run to this one. Before that PUT readers see the previous run whole, after it this run
 * whole; a failure or a timeout at any step leaves one or the other. Runs that are not current are
 * marked retired first and deleted by a later sweep (retired-runs.ts), after a grace period that
 * lets queries already reading them finish.
 */
export async function publishPartition(sink: AnalyticsSink, request: PublishRequest): Promise<PublishResult> {
  const { tenant, targetDate, now } = request;
  const symlink = symlinkKey(tenant, targetDate);
  const previous = currentRunOf(await sink.getText(symlink));
  const runDir = freeRunDirectory(request.runId, await runDirectories(sink, tenant, targetDate));
  // Written before anything else: if this run dies before its switch, the mark gets its files swept.
  const replaced = previous !== undefined ? [previous] : [];
  await markRetired(sink, tenant, targetDate, [runDir, ...replaced], now);

  const files = await placeRunFiles(sink, { ...request, runId: runDir });
  const manifest: PartitionManifest = {
    tenant_id: tenant,
    dt: targetDate,
    rows: files.reduce((sum, file) => sum + file.rows, 0),
    invalid_values: request.invalidValues,
    files: files.map(({ key, rows, bytes }) => ({ key, rows, bytes })),
    schema_version: MESSAGES_SCHEMA_VERSION,
    columns: MESSAGE_COLUMNS.map((column) => column.name),
    run_id: request.runId,
    written_at: now.toISOString(),
  };
  await sink.putText(
    runManifestKey(tenant, targetDate, runDir),
    `${JSON.stringify(manifest, null, 2)}\n`,
    'application/json',
  );

  // The switch.
  await sink.putText(symlink, files.map((file) => `${sink.uriOf(file.key)}\n`).join(''), 'text/plain');

  try {
    await cleanUpAfterSwitch(sink, { ...request, runId: runDir }, new Set(replaced));
    return { manifest };
  } catch (error) {
    return { manifest, cleanupError: (error as Error).message };
  }
}

/** This run is current: its own mark goes; runs a concurrent run left behind get one; staging goes. */
async function cleanUpAfterSwitch(sink: AnalyticsSink, request: PublishRequest, marked: Set<string>): Promise<void> {
  const { tenant, targetDate, runId, now } = request;
  const others = new Set<string>();
  for (const key of await sink.listKeys(partitionRunsPrefix(tenant, targetDate))) {
    const id = runIdOf(key);
    if (id && id !== runId && !marked.has(id)) others.add(id);
  }
  await markRetired(sink, tenant, targetDate, others, now);
  await sink.deleteKeys([retiredMarkKey(tenant, targetDate, runId, now), ...request.staged.map((part) => part.key)]);
}
