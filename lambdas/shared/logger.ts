import type { Logger } from '@aws-lambda-powertools/logger';
import { NightshiftLogger } from './local-mode-logger';

/** Keys whose values never reach a log line, at any depth. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|credential|private[-_]?key/i;

/** JSON replacer for Powertools Logger: redacts secret-looking keys and passwords inside URLs. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') return '[REDACTED]';
  if (typeof value === 'string' && /:\/\/[^/\s:@]+:[^@\s]+@/.test(value)) {
    return value.replace(/(:\/\/[^/\s:@]+:)[^@\s]+@/g, '$1[REDACTED]@');
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Powertools JSON on Lambda; in local mode also a JSON lines file and a readable terminal line (local-mode-logger.ts). */
export function createLogger(serviceName: string, persistentKeys: Record<string, string> = {}): Logger {
  return new NightshiftLogger({ serviceName, persistentKeys, jsonReplacerFn: redactSecrets });
}
