import { z } from 'zod';
import type { RecipientSettings } from './settings';

/**
 * Where a recipient's file goes. The default recipient comes from FTP_HOST… (local runs) or the secret
 * named by FTP_SECRET_NAME; a configured recipient from the secret `<FTP_SECRET_NAME>/<name>` or its
 * explicit `secretName`, which must sit under that prefix because the IAM grant covers only the prefix.
 */

export interface FtpTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** true = explicit FTPS (AUTH TLS), 'implicit' = TLS from the first byte, false = plain FTP. */
  secure: boolean | 'implicit';
  remoteDir: string;
  rejectUnauthorized: boolean;
  /** Extra CA certificates (PEM) to trust, e.g. the recipient's private CA. */
  ca?: string;
}

export class FtpTargetError extends Error {
  override name = 'FtpTargetError';
}

const secure = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'implicit']).transform((value) => (value === 'implicit' ? value : value === 'true')),
]);
const booleanLike = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

/** The secret's JSON (Secrets Manager); field names as in the original export's config. */
const secretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535).optional(),
  user: z.string().min(1),
  password: z.string(),
  secure: secure.default(true),
  remote_dir: z.string().min(1).default('/'),
  tls_reject_unauthorized: booleanLike.default(true),
  ca: z.string().min(1).optional(),
});

function defaultPort(secureMode: boolean | 'implicit'): number {
  return secureMode === 'implicit' ? 990 : 21;
}

/** Reads the FTP target from a secret; problems name the secret and the field, never a value. */
export function ftpTargetFromSecret(secretName: string, value: unknown): FtpTarget {
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new FtpTargetError(`FTP secret "${secretName}": ${problems.join('; ')}`);
  }
  const secret = parsed.data;
  return {
    host: secret.host,
    port: secret.port ?? defaultPort(secret.secure),
    user: secret.user,
    password: secret.password,
    secure: secret.secure,
    remoteDir: secret.remote_dir,
    rejectUnauthorized: secret.tls_reject_unauthorized,
    ...(secret.ca ? { ca: secret.ca } : {}),
  };
}

/** The default recipient for local runs: FTP_HOST, FTP_PORT, FTP_USER, FTP_PASSWORD, FTP_SECURE, ... */
export function ftpTargetFromEnv(env: NodeJS.ProcessEnv): FtpTarget {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') problems.push(`${name}: is not set`);
    return value ?? '';
  };
  const host = required('FTP_HOST');
  const user = required('FTP_USER');
  const password = env.FTP_PASSWORD ?? '';
  if (env.FTP_PASSWORD === undefined) problems.push('FTP_PASSWORD: is not set');
  const secureValue = (env.FTP_SECURE || 'true').toLowerCase();
  if (!['true', 'false', 'implicit'].includes(secureValue))
    problems.push('FTP_SECURE: must be true, implicit or false');
  const secureMode = secureValue === 'implicit' ? 'implicit' : secureValue === 'true';
  const port = env.FTP_PORT ? Number(env.FTP_PORT) : defaultPort(secureMode);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push('FTP_PORT: must be a port number (1-65535)');
  const reject = (env.FTP_TLS_REJECT_UNAUTHORIZED || 'true').toLowerCase();
  if (!['true', 'false'].includes(reject)) problems.push('FTP_TLS_REJECT_UNAUTHORIZED: must be true or false');
  if (problems.length > 0) throw new FtpTargetError(`default FTP recipient: ${problems.join('; ')}`);
  return {
    host,
    port,
    user,
    password,
    secure: secureMode,
    remoteDir: env.FTP_REMOTE_DIR || '/',
    rejectUnauthorized: reject === 'true',
  };
}

/** The secret a recipient's credentials are read from, or undefined when they come from the environment. */
export function recipientSecretName(recipient: RecipientSettings, env: NodeJS.ProcessEnv): string | undefined {
  const prefix = env.FTP_SECRET_NAME;
  if (recipient.isDefault) {
    if (env.FTP_HOST) return undefined;
    if (!prefix) throw new FtpTargetError('no FTP target: set FTP_SECRET_NAME (on AWS) or FTP_HOST… (local runs)');
    return prefix;
  }
  if (!prefix) {
    throw new FtpTargetError(`recipient ${recipient.name}: FTP_SECRET_NAME is not set, so its secret is unknown`);
  }
  const name = recipient.secretName ?? `${prefix}/${recipient.name}`;
  if (!name.startsWith(`${prefix}/`)) {
    throw new FtpTargetError(
      `${recipient.settingsPath}.secretName: must start with "${prefix}/" (the job may read only secrets under it)`,
    );
  }
  return name;
}

export async function resolveFtpTarget(
  recipient: RecipientSettings,
  env: NodeJS.ProcessEnv,
  readSecret: (name: string) => Promise<unknown>,
): Promise<FtpTarget> {
  const secretName = recipientSecretName(recipient, env);
  if (secretName === undefined) return ftpTargetFromEnv(env);
  return ftpTargetFromSecret(secretName, await readSecret(secretName));
}
