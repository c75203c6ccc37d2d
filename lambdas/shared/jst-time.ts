/** Times are stored in UTC; schedules, target dates and file names use Japan time (UTC+9, no DST). */
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** `YYYY-MM-DD` of the given instant in Asia/Tokyo. */
export function jstDateString(instant: Date): string {
  return new Date(instant.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The JST calendar date `offsetDays` from the instant's JST date (e.g. -1 = yesterday). */
export function jstDateOffset(instant: Date, offsetDays: number): string {
  return jstDateString(new Date(instant.getTime() + offsetDays * 86_400_000));
}

/** ISO 8601 with +09:00, e.g. `2025-08-11T09:15:00.000+09:00`. */
export function toJstIso(instant: Date): string {
  return `${new Date(instant.getTime() + JST_OFFSET_MS).toISOString().slice(0, 23)}+09:00`;
}

/** Parses `YYYY-MM-DDTHH:mm` (JST wall time) to the UTC instant. */
export function parseJstWallTime(value: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a JST time like 2025-08-11T09:15`);
  const [, y, mo, d, h, mi] = match.map(Number);
  const instant = new Date(Date.UTC(y, mo - 1, d, h, mi) - JST_OFFSET_MS);
  if (Number.isNaN(instant.getTime()) || jstDateString(instant) !== value.slice(0, 10)) {
    throw new Error(`"${value}" is not a valid date`);
  }
  return instant;
}
