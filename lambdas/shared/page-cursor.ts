/**
 * Page cursors: the position after a page, as base64url JSON. A cursor comes back from the caller, so
 * it is checked against a strict shape before any of it reaches a query (plain checks, not zod: zod
 * would make the monitor's bundle five times larger): a forged one is refused
 * (InvalidCursorError, answered 400), never passed on to DynamoDB to fail there (a 500).
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Far above any cursor this code issues (a 200-character job_key in UTF-8, base64url-encoded). */
const MAX_CURSOR_CHARS = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** `shape` returns the position when the decoded JSON has exactly the expected shape, else undefined. */
export function decodeCursor<T>(cursor: string, shape: (position: unknown) => T | undefined, what: string): T {
  if (cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) {
    throw new InvalidCursorError(`it is not a ${what} cursor`);
  }
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(`it is not a ${what} cursor`);
  }
  const checked = shape(position);
  if (checked === undefined) throw new InvalidCursorError(`it is not a ${what} cursor issued for this request`);
  return checked;
}

/** The object's own string properties when it has exactly these keys, else undefined. */
export function exactObject(value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const own = Object.keys(value);
  if (own.length !== keys.length || !keys.every((key) => own.includes(key))) return undefined;
  return value as Record<string, unknown>;
}
