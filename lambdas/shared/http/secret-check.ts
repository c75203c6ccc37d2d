import { createHash, timingSafeEqual } from 'node:crypto';
import { readJsonSecret } from '#shared/secrets';

/**
 * The credential checks both APIs share: secrets and tokens with a current and a previous value
 * (rotation without downtime), compared in constant time. Which header carries what, and what a
 * refusal says, is each API's own.
 */

/** A secret as stored in Secrets Manager: set the new value as `current`, the old one as `previous`. */
export interface RotatingSecret {
  current?: unknown;
  previous?: unknown;
}

export type RotatingSecretReader = (secretName: string) => Promise<RotatingSecret>;

/** The values a rotating secret accepts: its non-empty `current` and `previous` strings. */
export function acceptedValues(secret: RotatingSecret): string[] {
  return [secret.current, secret.previous].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
}

/**
 * Accepted values from Secrets Manager (JSON `{"current", "previous"}`, cached) when a secret name
 * is set, else the plain value (local mode); [] = not configured.
 */
export function rotatingSecretSource(
  secretName: string | undefined,
  plainValue: string | undefined,
  readSecret: RotatingSecretReader = (name) => readJsonSecret<RotatingSecret>(name),
): () => Promise<string[]> {
  return async () => {
    if (secretName) return acceptedValues(await readSecret(secretName));
    return plainValue ? [plainValue] : [];
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Constant-time check against every accepted value: comparing equal-length digests hides the
 * secret's length, and checking all values hides which one matched.
 */
export function matchesAnySecret(provided: string | undefined, accepted: readonly string[]): boolean {
  if (!provided) return false;
  const providedDigest = digest(provided);
  let matched = false;
  for (const value of accepted) matched = timingSafeEqual(providedDigest, digest(value)) || matched;
  return matched;
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** The token of `Authorization: Bearer <token>`, or the password of HTTP Basic (any user name). */
export function bearerOrBasicToken(authorization: string | undefined): string | undefined {
  const match = /^(bearer|basic)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}
