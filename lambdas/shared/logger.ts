import { Logger } from '@aws-lambda-powertools/logger';
import { looksLikeCredential } from './credential-names';

/** JSON replacer for Powertools Logger: redacts values under credential-like keys (at any depth) and passwords inside URLs. */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key && looksLikeCredential(key) && value !== null && value !== undefined && value !== '') return '[REDACTED]';
  if (typeof value === 'string' && /:\/\/[^/\s:@]+:[^@\s]+@/.test(value)) {
    return value.replace(/(:\/\/[^/\s:@]+:)[^@\s]+@/g, '$1[REDACTED]@');
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createLogger(serviceName: string, persistentKeys: Record<string, string> = {}): Logger {
  return new Logger({ serviceName, persistentKeys, jsonReplacerFn: redactSecrets });
}
