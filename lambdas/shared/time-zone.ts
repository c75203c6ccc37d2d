/**
 * Wall clocks in IANA time zones, read from the runtime's time-zone database (Intl). A wall-clock
 * reading is carried as the epoch milliseconds of the same reading in UTC (09:00 in Tokyo → 09:00Z),
 * so plain arithmetic and croner in UTC can work on it.
 */

const HOUR_MS = 3_600_000;
/** Offsets lie within UTC-12..UTC+14, and no zone changes its offset twice within two days. */
const TRANSITION_SEARCH_MS = 24 * HOUR_MS;

/** Formatters are costly to build and next-run times are computed for every job listed: one per zone. */
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timezone, format);
  }
  return format;
}

/** `12/3/2026, 01:58:26`: what the en-US format prints with hourCycle h23 (parsed: 3× faster than formatToParts). */
const EN_US_DATE_TIME = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** The wall-clock reading of an instant in the zone, as the epoch ms of that reading in UTC (milliseconds kept). */
export function wallClockMs(instantMs: number, timezone: string): number {
  const date = new Date(instantMs);
  const format = formatFor(timezone);
  let fields = EN_US_DATE_TIME.exec(format.format(date))?.slice(1).map(Number);
  if (!fields) {
    const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, Number(part.value)]));
    fields = [parts.month, parts.day, parts.year, parts.hour, parts.minute, parts.second];
  }
  const [month, day, year, hour, minute, second] = fields;
  const wholeSeconds = Date.UTC(year, month - 1, day, hour, minute, second);
  return wholeSeconds + (((instantMs % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at an instant, in ms (Tokyo: +9 h). */
export function offsetMs(instantMs: number, timezone: string): number {
  return wallClockMs(instantMs, timezone) - instantMs;
}

/**
 * The instants whose wall clock in the zone reads `wallMs`, ascending: none inside a spring-forward
 * gap, two inside a fall-back overlap (the repeated hour), one otherwise.
 */
export function instantsAtWallClock(wallMs: number, timezone: string): number[] {
  const before = offsetMs(wallMs - TRANSITION_SEARCH_MS, timezone);
  const after = offsetMs(wallMs + TRANSITION_SEARCH_MS, timezone);
  if (before === after) return [wallMs - before];
  return [wallMs - before, wallMs - after]
    .filter((instant) => offsetMs(instant, timezone) === wallMs - instant)
    .sort((a, b) => a - b);
}

/** An IANA time zone name the runtime knows (any letter case), e.g. Asia/Tokyo. */
export function isTimeZone(timezone: string): boolean {
  return canonicalTimeZone(timezone) !== undefined;
}

/**
 * The zone's name as the runtime's time-zone database spells it (`asia/tokyo` → `Asia/Tokyo`; an alias
 * may resolve to its zone, `US/Eastern` → `America/New_York`), or undefined for a name it does not know.
 */
export function canonicalTimeZone(timezone: string): string | undefined {
  if (timezone.trim() === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
