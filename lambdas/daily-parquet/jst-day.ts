/**
 * A JST calendar day as UTC sort-key bounds. 2025-08-11 JST is [2025-08-10T15:00:00.000Z,
 * 2025-08-11T15:00:00.000Z). Sort keys are `<created_at ISO UTC with ms>#<message_id>`, so
 * `BETWEEN <start ISO> AND <end ISO>` holds exactly the day: a key at the end instant has a
 * `#...` suffix and sorts after the bare upper bound.
 */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Parses `YYYY-MM-DD`; throws with a message naming the problem for anything else (2025-02-30 too). */
export function parseTargetDate(value: string): { startMs: number; endMs: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a date like 2025-08-11`);
  const [, y, m, d] = match.map(Number);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999, so "0050-01-01" never matched itself.
  const midnight = new Date(0);
  midnight.setUTCFullYear(y, m - 1, d);
  const midnightUtc = midnight.getTime();
  if (midnight.toISOString().slice(0, 10) !== value) throw new Error(`"${value}" is not a calendar date`);
  const startMs = midnightUtc - JST_OFFSET_MS;
  return { startMs, endMs: startMs + DAY_MS };
}

export interface SortKeyRange {
  /** Index of the slice within the day, 0-based, in time order. */
  readonly index: number;
  readonly fromSortKey: string;
  /** Upper bound, itself excluded in practice (no real key equals a bare instant). */
  readonly toSortKey: string;
}

/** The day cut into `slices` equal time ranges (whole milliseconds), in time order. */
export function sliceRanges(targetDate: string, slices: number): SortKeyRange[] {
  const { startMs, endMs } = parseTargetDate(targetDate);
  const bounds = Array.from({ length: slices + 1 }, (_, i) => startMs + Math.round(((endMs - startMs) * i) / slices));
  return bounds.slice(0, -1).map((from, index) => ({
    index,
    fromSortKey: new Date(from).toISOString(),
    toSortKey: new Date(bounds[index + 1]).toISOString(),
  }));
}
