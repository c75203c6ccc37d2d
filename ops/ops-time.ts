import { toJstIso } from '#shared/jst-time';

/**
 * `2025-08-11 12:00:00 JST`, as the status page and the `npm start` banner print times; with --utc
 * `2025-08-11 03:00:00 UTC`. Invalid or empty input comes back unchanged.
 */
export function formatInstant(instant: string | number | Date | null | undefined, utc: boolean): string {
  if (instant === null || instant === undefined || instant === '') return '';
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  return utc
    ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
    : `${toJstIso(date).slice(0, 19).replace('T', ' ')} JST`;
}
