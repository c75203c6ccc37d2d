import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Every call carries `X-Nightshift-Timestamp` (Unix seconds) and
 * `X-Nightshift-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with the job's
 * signing secret, so the target can check the call is ours and fresh (docs/http-scheduler.md).
 */
export const SIGNATURE_HEADER = 'x-nightshift-signature';
export const TIMESTAMP_HEADER = 'x-nightshift-timestamp';

export function newSigningSecret(): string {
  return `nss_${randomBytes(32).toString('base64url')}`;
}

export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side: right signature, and a timestamp within `toleranceSec` of now. */
export function verifySignature(options: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs?: number;
  toleranceSec?: number;
}): boolean {
  const { secret, body, timestamp, signature } = options;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const ageSec = Math.abs((options.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (ageSec > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signBody(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
