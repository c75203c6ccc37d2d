/**
 * Strict ISO 8601 / RFC 3339 timestamps, parsed by hand: `new Date(text)` also takes
 * "August 11, 2025" and reads zone-less times in the machine's zone.
 *
 * Accepted: `2025-08-11`, `2025-08-11T12:00`, `2025-08-11T12:00:00`, fractions of any length
 * (Python's microseconds too), `Z` or `±HH:MM` / `±HHMM` / `±HH`, and a space instead of `T`
 * (Python's `str(datetime)`). Without a zone the time is UTC, as on the TC Portal's server.
 */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

/** The instant, or undefined when the text is not a valid ISO 8601 timestamp. */
export function parseIso8601(text: string): Date | undefined {
  const match = ISO_8601.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, offsetH = '0', offsetM = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (Number(offsetH) > 23 || Number(offsetM) > 59) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const instant = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, millis);
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM));
  return new Date(instant.getTime() - offsetMinutes * 60_000);
}
