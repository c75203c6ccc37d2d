import { type RotatingSecretReader, rotatingSecretSource } from '#shared/http/secret-check';

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

/**
 * On AWS the secrets are named by JOB_REPORT_SECRET_NAME / JOB_READ_TOKEN_SECRET_NAME (Secrets Manager,
 * JSON `{"current", "previous"}`, cached); locally, and when no name is set, the values come straight
 * from JOB_REPORT_SECRET / JOB_READ_TOKEN.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, readSecret?: RotatingSecretReader): Credentials {
  return {
    writeSecrets: rotatingSecretSource(env.JOB_REPORT_SECRET_NAME, env.JOB_REPORT_SECRET, readSecret),
    readTokens: rotatingSecretSource(env.JOB_READ_TOKEN_SECRET_NAME, env.JOB_READ_TOKEN, readSecret),
  };
}
