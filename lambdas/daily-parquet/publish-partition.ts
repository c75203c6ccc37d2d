import { MESSAGE_COLUMNS, MESSAGES_SCHEMA_VERSION } from '../../contracts/analytics-messages';
import type { PartStats } from './parquet-part';
import { manifestKey, partitionPrefix, partKey } from './partition-keys';
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
  /** Staged parts in time order; they become part-00000, part-00001, ... */
  staged: PartStats[];
  invalidValues: number;
  now: Date;
}

/**
 * Switches a tenant-day to the run's staged parts: copy them to their final names (all at once,
 * server-side), delete every other object of the partition (older parts), then write the
 * manifest and drop the staging copies. Until this starts the partition holds the previous run's
 * complete data; a failed run never gets here.
 */
export async function publishPartition(sink: AnalyticsSink, request: PublishRequest): Promise<PartitionManifest> {
  const { tenant, targetDate, staged } = request;
  const finalKeys = staged.map((_, index) => partKey(tenant, targetDate, index));
  const manifestName = manifestKey(tenant, targetDate);
  const before = await sink.listKeys(partitionPrefix(tenant, targetDate));
  await Promise.all(staged.map((part, index) => sink.copy(part.key, finalKeys[index])));
  const keep = new Set([...finalKeys, manifestName]);
  await sink.deleteKeys(before.filter((key) => !keep.has(key)));
  const manifest: PartitionManifest = {
    tenant_id: tenant,
    dt: targetDate,
    rows: staged.reduce((sum, part) => sum + part.rows, 0),
    invalid_values: request.invalidValues,
    files: staged.map((part, index) => ({ key: finalKeys[index], rows: part.rows, bytes: part.bytes })),
    schema_version: MESSAGES_SCHEMA_VERSION,
    columns: MESSAGE_COLUMNS.map((column) => column.name),
    run_id: request.runId,
    written_at: request.now.toISOString(),
  };
  await sink.putText(manifestName, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  await sink.deleteKeys(staged.map((part) => part.key));
  return manifest;
}
