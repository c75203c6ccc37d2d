import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '#shared/error-message';
import { readJsonSecret } from '#shared/secrets';
import type { JobDatabaseRole } from '../../contracts/database-roles';

/**
 * Passwords of the jobs' roles: read from each job's secret, checked, and handed to PostgreSQL only as a
 * SCRAM-SHA-256 verifier, so the password itself never appears in a statement (statements land in the
 * server log when they fail, and the RDS log group receives that log).
 */

/** Printable ASCII without spaces: PostgreSQL's SASLprep leaves such a password as it is. */
const PASSWORD = /^[\x21-\x7e]{16,}$/;

export function checkRolePassword(password: unknown, source: string): string {
  if (typeof password !== 'string' || !PASSWORD.test(password)) {
    throw new Error(`${source}: password must be 16 or more printable ASCII characters without spaces`);
  }
  return password;
}

/**
 * The verifier PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802 / RFC 7677, the format of
 * pg_authid.rolpassword), as psql's \password computes it client-side. Node's crypto has every
 * primitive and no maintained package exports this one function; the sign-in tests check it.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** On AWS: the password in the job's own secret, which must name the role as its username. */
export async function passwordFromSecret(role: JobDatabaseRole): Promise<string> {
  if (!role.secret) throw new Error(`role ${role.role} (job ${role.job}) has no secret to take its password from`);
  const secret = await readJsonSecret<{ username?: unknown; password?: unknown }>(role.secret);
  if (secret.username !== role.role) {
    throw new Error(`secret ${role.secret}: username must be "${role.role}" (job ${role.job}'s role)`);
  }
  return checkRolePassword(secret.password, `secret ${role.secret}`);
}

/** Refusals that mean "not with this password (or not yet allowed in)", as opposed to an unreachable server. */
const SIGN_IN_REFUSED = new Set(['28P01', '28000', '42501']);

/** The same connection URL with the role's credentials instead of the admin's. */
export function roleConnectionUrl(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Whether a role signs in with a password now: a fresh connection with the admin's settings otherwise. */
export function pgSignInCheck(config: pg.ClientConfig): (role: string, password: string) => Promise<boolean> {
  return async (role, password) => {
    const client = new pg.Client({
      ...(config.connectionString
        ? { connectionString: roleConnectionUrl(config.connectionString, role, password) }
        : { ...config, user: role, password }),
      application_name: 'nightshift-db-migrate-sign-in-check',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return true;
    } catch (error) {
      if (SIGN_IN_REFUSED.has((error as { code?: string }).code ?? '')) return false;
      throw new Error(`could not check role ${role}'s sign-in: ${errorMessage(error)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}
