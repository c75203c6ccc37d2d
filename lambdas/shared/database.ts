import type { ClientConfig } from 'pg';
import { readJsonSecret } from './secrets';

interface DatabaseSecret {
  username: string;
  password: string;
  host?: string;
  port?: number;
  dbname?: string;
}

/**
 * PostgreSQL connection settings. The URL in `urlVariable` wins (local mode, tests): DATABASE_URL for the
 * migrations; for a job its own, `DATABASE_URL_<JOB>`, which signs in as the job's role (jobs share one
 * process locally, so each needs a variable of its own; local/migrate.ts sets them). On AWS the RDS-shaped secret named by DB_SECRET_ARN (the
 * job's own role, or the admin user for the migrations) plus DB_HOST/DB_PORT/DB_NAME, over TLS verified
 * against the Lambda runtime's CA bundle (NODE_EXTRA_CA_CERTS includes the RDS CAs).
 */
export async function databaseConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  urlVariable = 'DATABASE_URL',
): Promise<ClientConfig> {
  const url = env[urlVariable];
  if (url) return { connectionString: url };
  const secretArn = env.DB_SECRET_ARN;
  if (!secretArn) throw new Error(`neither ${urlVariable} nor DB_SECRET_ARN is set`);
  const secret = await readJsonSecret<DatabaseSecret>(secretArn);
  const host = env.DB_HOST || secret.host;
  if (!host) throw new Error('database host is not set (DB_HOST or the secret host)');
  return {
    host,
    port: Number(env.DB_PORT || secret.port || 5432),
    database: env.DB_NAME || secret.dbname || 'postgres',
    user: secret.username,
    password: secret.password,
    ssl: { rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
  };
}
