import type { SortKeyRange } from './jst-day';
import { toMessageRow } from './message-row';
import { ParquetPart, type PartStats } from './parquet-part';
import { stagedPartKey } from './partition-keys';
import type { DailyParquetPorts } from './ports';

export interface SliceRequest {
  tenant: string;
  targetDate: string;
  runId: string;
  range: SortKeyRange;
  /** Partition and sort key attribute names: left out of `extra`. */
  keyAttributes: readonly string[];
  rowGroupRows: number;
  maxRowsPerFile: number;
}

export interface SliceResult {
  tenant: string;
  slice: number;
  /** Staged parts in time order; empty for a slice without messages. */
  parts: PartStats[];
  rows: number;
  invalidValues: number;
}

/**
 * One time slice of a tenant-day: DynamoDB pages flow into Parquet row groups and out to staged
 * objects, a new part every `maxRowsPerFile` rows. On failure the slice's staged parts are removed.
 */
export async function writeSlice(request: SliceRequest, ports: DailyParquetPorts): Promise<SliceResult> {
  const { tenant, targetDate, runId, range } = request;
  const parts: PartStats[] = [];
  let current: ParquetPart | undefined;
  let rows = 0;
  let invalidValues = 0;
  try {
    for await (const page of ports.source.queryRange(tenant, range.fromSortKey, range.toSortKey)) {
      for (const item of page) {
        if (current && current.rowCount >= request.maxRowsPerFile) {
          parts.push(await current.close());
          current = undefined;
        }
        current ??= await ParquetPart.open(
          ports.sink,
          stagedPartKey(tenant, targetDate, runId, range.index, parts.length),
          request.rowGroupRows,
        );
        const converted = toMessageRow(item, request.keyAttributes);
        await current.append(converted.row);
        invalidValues += converted.invalid;
        rows += 1;
      }
    }
    if (current) parts.push(await current.close());
    return { tenant, slice: range.index, parts, rows, invalidValues };
  } catch (error) {
    await current?.abort();
    await ports.sink.deleteKeys(parts.map((part) => part.key)).catch(() => undefined);
    throw error;
  }
}
