import type { z } from 'zod';

/**
 * Page cursors: the position after a page, as base64url JSON. A cursor comes back from the caller, so
 * it is checked against a strict schema before any of it reaches a query: a forged one is refused
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

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>, what: string): T {
  if (cursor.length > MAX_CURSOR_CHARS || !BASE64URL.test(cursor)) {
    throw new InvalidCursorError(`it is not a ${what} cursor`);
  }
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(`it is not a ${what} cursor`);
  }
  const parsed = schema.safeParse(position);
  if (!parsed.success) throw new InvalidCursorError(`it is not a ${what} cursor issued for this request`);
  return parsed.data;
}
