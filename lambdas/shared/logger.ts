import type { Logger } from '@aws-lambda-powertools/logger';
import { looksLikeCredential } from './credential-names';
import { NightshiftLogger } from './local-mode-logger';

/** JSON replacer for Powertools Logger: redacts values under credential-like keys (at any depth) and passwords inside URLs. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key && looksLikeCredential(key) && value !== null && value !== undefined && value !== '') return '[REDACTED]';
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
