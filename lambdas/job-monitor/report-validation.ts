import { parseIso8601 } from './iso-8601';
import { parseLabels } from './job-labels';

/**
 * Validation of a job report. The first checks, their order and their messages are the TC Portal's
 * contract (reporters in the field match on them); the limits of issue 4 come after them.
 */
export const REPORT_LIMITS = {
  bodyBytes: 64 * 1024,
  jobKeyChars: 200,
  titleChars: 200,
  messageChars: 4000,
  futureMinutes: 5,
} as const;

export interface ValidReport {
  jobKey: string;
  title: string;
  status: 'success' | 'error';
  /** Normalised to UTC, e.g. `2025-08-11T03:00:00.123Z`. */
  finishedAt: string;
  toolId: string | null;
  message: string | null;
  /** Optional labels (job-labels.ts), checked after everything above. */
  tags?: string[];
  owner?: string | null;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; status: 400 | 413; error: string };

const invalid = (error: string, status: 400 | 413 = 400): Validation<never> => ({ ok: false, status, error });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// C0 controls, DEL and C1 controls: invisible in the page and in logs, and a job_key ends up in both.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// Zero-width, bidirectional and other format characters (U+200B, U+202E...) and line separators: two job_keys
// that look the same must be the same, and a key must not reorder the text around it on the page.
const INVISIBLE_CHARACTER = /[\p{Cf}\p{Zl}\p{Zp}]/u;
const BLANK = /^[\s\p{Cf}]*$/u;
/** Windows tools (PowerShell 5, .NET) prefix UTF-8 bodies with a byte-order mark; JSON.parse refuses it. */
const BYTE_ORDER_MARK = /^\uFEFF/;

/** Length as people count it: code points, so an emoji or a kanji is one character. */
const characterCount = (value: string) => [...value].length;

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON object body; anything else gets the TC Portal's "Invalid JSON body". */
export function parseJsonObject(body: string | undefined): Validation<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((body ?? '').replace(BYTE_ORDER_MARK, ''));
  } catch {
    return invalid('Invalid JSON body');
  }
  return isJsonObject(parsed) ? { ok: true, value: parsed } : invalid('Invalid JSON body');
}

/** What is wrong with a job_key beyond being present (also used for job_key path parameters). */
export function jobKeyProblem(jobKey: string): string | undefined {
  if (characterCount(jobKey) > REPORT_LIMITS.jobKeyChars) {
    return `job_key must be at most ${REPORT_LIMITS.jobKeyChars} characters`;
  }
  if (CONTROL_CHARACTER.test(jobKey)) return 'job_key must not contain control characters';
  if (BLANK.test(jobKey)) return 'job_key must not be blank';
  if (INVISIBLE_CHARACTER.test(jobKey)) {
    return 'job_key must not contain invisible or bidirectional formatting characters (such as U+200B or U+202E)';
  }
  if (jobKey.trim() !== jobKey) return 'job_key must not start or end with white space';
  return undefined;
}

/** What is wrong with a title beyond being present (job reports and expectations). */
export function titleProblem(title: string): string | undefined {
  if (characterCount(title) > REPORT_LIMITS.titleChars) {
    return `title must be at most ${REPORT_LIMITS.titleChars} characters`;
  }
  if (CONTROL_CHARACTER.test(title)) return 'title must not contain control characters';
  if (BLANK.test(title)) return 'title must not be blank';
  return undefined;
}

export function validateJobReport(body: string | undefined, now: Date): Validation<ValidReport> {
  const parsed = parseJsonObject(body);
  if (!parsed.ok) return parsed;
  const { job_key, title, status, finished_at, tool_id, message } = parsed.value;

  // The TC Portal's checks, in its order. Like the portal, an empty string counts as missing.
  if (!job_key || typeof job_key !== 'string') return invalid('job_key is required');
  if (!title || typeof title !== 'string') return invalid('title is required');
  if (status !== 'success' && status !== 'error') return invalid("status must be 'success' or 'error'");
  if (!finished_at) return invalid('finished_at is required');
  const finishedAt = typeof finished_at === 'string' ? parseIso8601(finished_at) : undefined;
  if (!finishedAt) return invalid('finished_at must be valid ISO 8601');

  // Issue 4's limits.
  if (Buffer.byteLength(body ?? '', 'utf8') > REPORT_LIMITS.bodyBytes) {
    return invalid(`request body must be at most ${REPORT_LIMITS.bodyBytes} bytes (64 KiB)`, 413);
  }
  const keyProblem = jobKeyProblem(job_key);
  if (keyProblem) return invalid(keyProblem);
  const badTitle = titleProblem(title);
  if (badTitle) return invalid(badTitle);
  const latestAccepted = now.getTime() + REPORT_LIMITS.futureMinutes * 60_000;
  if (finishedAt.getTime() > latestAccepted) {
    return invalid(
      `finished_at must not be more than ${REPORT_LIMITS.futureMinutes} minutes in the future (server time ${now.toISOString()})`,
    );
  }
  // The TC Portal stores `tool_id || null` and `message || null`: empty and null both mean "none".
  if (tool_id !== undefined && tool_id !== null && tool_id !== '') {
    if (typeof tool_id !== 'string' || !UUID.test(tool_id)) return invalid('tool_id must be a UUID');
  }
  if (message !== undefined && message !== null && typeof message !== 'string') {
    return invalid('message must be a string or null');
  }
  if (typeof message === 'string' && characterCount(message) > REPORT_LIMITS.messageChars) {
    return invalid(`message must be at most ${REPORT_LIMITS.messageChars} characters`);
  }
  // Fields the TC Portal does not know: checked last, so every one of its cases answers as before.
  const labels = parseLabels(parsed.value);
  if (!labels.ok) return invalid(labels.error);
  return {
    ok: true,
    value: {
      jobKey: job_key,
      title,
      status,
      finishedAt: finishedAt.toISOString(),
      toolId: typeof tool_id === 'string' && tool_id !== '' ? tool_id.toLowerCase() : null,
      message: typeof message === 'string' && message !== '' ? message : null,
      ...labels.value,
    },
  };
}
