import { parseIso8601 } from './iso-8601';
import { parseJsonObject, type Validation } from './report-validation';

/**
 * `POST /api/monitor/jobs/{job_key}/mute` body: `{"until": "2026-12-03T09:00:00+09:00" | "PT2H", "reason": "..."}`.
 * `until` is an ISO 8601 time, or an ISO 8601 duration from now (`PT2H`, `P1DT12H`, `P1W`): a mute is
 * usually "for the next two hours", and a duration cannot go stale in a script or a documented example.
 */
export const MUTE_LIMITS = { maxDays: 30, reasonChars: 200 } as const;

export interface ValidMute {
  until: string;
  reason: string;
}

const invalid = (error: string): Validation<never> => ({ ok: false, status: 400, error });
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** Weeks, or days and a time part; no years or months (their length depends on the calendar). */
const DURATION = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$/i;

/** Milliseconds of an ISO 8601 duration such as `PT2H` or `P1DT12H`; undefined when it is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || /^P$|T$/i.test(text)) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}

export function validateMute(body: string | undefined, now: Date): Validation<ValidMute> {
  const parsed = parseJsonObject(body);
  if (!parsed.ok) return parsed;
  const { until, reason } = parsed.value;
  if (until === undefined || until === null || until === '') return invalid('until is required');
  if (typeof until !== 'string')
    return invalid('until must be an ISO 8601 time or duration (e.g. "2026-12-03T09:00:00+09:00" or "PT2H")');
  const duration = parseIsoDuration(until);
  const instant = duration === undefined ? parseIso8601(until) : new Date(now.getTime() + duration);
  if (!instant)
    return invalid('until must be an ISO 8601 time or duration (e.g. "2026-12-03T09:00:00+09:00" or "PT2H")');
  if (instant.getTime() <= now.getTime())
    return invalid(`until must be in the future (server time ${now.toISOString()})`);
  const latest = now.getTime() + MUTE_LIMITS.maxDays * 86_400_000;
  if (instant.getTime() > latest) {
    return invalid(
      `until must be at most ${MUTE_LIMITS.maxDays} days ahead (before ${new Date(latest).toISOString()}): a mute that outlives everyone's memory of it hides a job for good`,
    );
  }
  if (reason === undefined || reason === null || reason === '') return invalid('reason is required');
  if (typeof reason !== 'string') return invalid('reason must be a string');
  if (reason.trim() === '') return invalid('reason must not be blank');
  if ([...reason].length > MUTE_LIMITS.reasonChars)
    return invalid(`reason must be at most ${MUTE_LIMITS.reasonChars} characters`);
  if (CONTROL_CHARACTER.test(reason)) return invalid('reason must not contain control characters');
  return { ok: true, value: { until: instant.toISOString(), reason: reason.trim() } };
}
