import { createHash, timingSafeEqual } from 'node:crypto';
import { readJsonSecret } from '#shared/secrets';

/**
 * The write secret (reporters) and the read token (people and tools reading the status), each
 * with a current and a previous value so it can be rotated without downtime: set the new value
 * as `current`, move the old one to `previous`, update the reporters, then drop `previous`.
 */
export interface Credentials {
  /** Accepted values of the X-TC-Portal-Webhook-Secret header; [] = not configured. */
  writeSecrets(): Promise<string[]>;
  /** Accepted read tokens; [] = not configured. */
  readTokens(): Promise<string[]>;
}

interface RotatingSecret {
  current?: unknown;
  previous?: unknown;
}

type SecretReader = (secretName: string) => Promise<RotatingSecret>;

function acceptedValues(secret: RotatingSecret): string[] {
  return [secret.current, secret.previous].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
}

/**
 * On AWS the secrets are named by JOB_REPORT_SECRET_NAME / JOB_READ_TOKEN_SECRET_NAME (Secrets Manager,
 * JSON `{"current", "previous"}`, cached); locally, and when no name is set, the values come straight
 * from JOB_REPORT_SECRET / JOB_READ_TOKEN.
 */
export function credentialsFromEnv(
  env: NodeJS.ProcessEnv,
  readSecret: SecretReader = (name) => readJsonSecret<RotatingSecret>(name),
): Credentials {
  const source = (secretName: string | undefined, plainValue: string | undefined) => async () => {
    if (secretName) return acceptedValues(await readSecret(secretName));
    return plainValue ? [plainValue] : [];
  };
  return {
    writeSecrets: source(env.JOB_REPORT_SECRET_NAME, env.JOB_REPORT_SECRET),
    readTokens: source(env.JOB_READ_TOKEN_SECRET_NAME, env.JOB_READ_TOKEN),
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

/** The token of `Authorization: Bearer <token>`, or the password of HTTP Basic (any user name). */
export function presentedReadToken(authorization: string | undefined): string | undefined {
  const match = /^(bearer|basic)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}
