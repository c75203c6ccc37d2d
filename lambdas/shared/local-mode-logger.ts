import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';
import { toJstIso } from './jst-time';

/**
 * Set only by local mode (`npm start`, `npm run invoke`, `npm run ops -- --stage local`): the folder
 * of the JSON lines files, one per service (`nightshift-<job>.jsonl`), that `ops logs` reads.
 */
export const LOCAL_LOG_DIR_ENV = 'NIGHTSHIFT_LOCAL_LOG_DIR';
/**
 * `json` keeps the terminal in JSON (`npm start -- --json`); `file` prints nothing (ops runs jobs in its
 * own process and keeps its output for results); otherwise one readable line per event.
 */
export const LOCAL_LOG_FORMAT_ENV = 'NIGHTSHIFT_LOG_FORMAT';

/** Powertools' own keys, and Lambda context keys: not worth a terminal column. */
const QUIET_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'job',
]);

/** Powertools' LogLevelThreshold.WARN. */
const WARN_THRESHOLD = 16;

/** Longer values are cut: the whole event is in the JSON lines file. */
const MAX_FIELD_CHARS = 120;

/** A field as the terminal shows it: an error as `Name: message` (its stack stays in the file), the rest as JSON. */
function fieldValue(value: unknown): string {
  const error = value as { name?: unknown; message?: unknown; stack?: unknown } | null;
  const text =
    typeof value === 'string'
      ? value
      : error && typeof error === 'object' && typeof error.message === 'string' && 'stack' in error
        ? `${String(error.name ?? 'Error')}: ${error.message}`
        : JSON.stringify(value);
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS - 1)}…` : text;
}

/**
 * `2026-12-03 09:15:00 JST INFO  sample-job  job finished  status=success durationMs=12`: one
 * terminal line for one Powertools JSON log event, in the time zone everything local is shown in.
 */
export function readableLogLine(attributes: Record<string, unknown>): string {
  const time = new Date(String(attributes.timestamp ?? Date.now()));
  const when = Number.isNaN(time.getTime())
    ? String(attributes.timestamp)
    : toJstIso(time).slice(0, 19).replace('T', ' ');
  const who = String(attributes.job ?? attributes.service ?? '').replace(/^nightshift-/, '');
  const fields = Object.entries(attributes)
    .filter(([key, value]) => !QUIET_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  const level = String(attributes.level ?? '').padEnd(5);
  return [`${when} JST ${level} ${who}`, String(attributes.message ?? ''), ...fields].join('  ').replace(/\n/g, ' ');
}

/**
 * Powertools Logger that, in local mode only (LOCAL_LOG_DIR_ENV set when the event is printed), keeps
 * every event as a JSON line in the service's file and prints a readable line to the terminal. On
 * Lambda the variable is never set, so the output is Powertools' JSON unchanged.
 */
export class NightshiftLogger extends Logger {
  protected override printLog(logLevel: number, log: LogItem): void {
    const logDir = process.env[LOCAL_LOG_DIR_ENV];
    if (!logDir) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    const attributes = log.getAttributes() as Record<string, unknown>;
    // Powertools' own replacer: errors, bigints and circular references as on Lambda, secrets redacted.
    const json = JSON.stringify(attributes, this.getJsonReplacer());
    const service = String(attributes.service ?? 'service').replace(/[^\w.-]/g, '_');
    try {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(path.join(logDir, `${service}.jsonl`), `${json}\n`);
    } catch {
      // A full disk must not fail the job; the terminal still gets the line.
    }
    const format = process.env[LOCAL_LOG_FORMAT_ENV];
    if (format === 'file') return;
    const line = format === 'json' ? json : readableLogLine(JSON.parse(json));
    // As Powertools does: warnings and errors on stderr.
    const stream = logLevel >= WARN_THRESHOLD ? process.stderr : process.stdout;
    stream.write(`${line}\n`);
  }
}
