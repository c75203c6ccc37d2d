import { readFileSync } from 'node:fs';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from './aws-clients';

let provider: SecretsProvider | undefined;

/** Secrets are cached in the warm Lambda for this long, then re-read (rotation picks up within it). */
const SECRET_CACHE_SECONDS = 300;

/**
 * Reads a JSON secret. On AWS: Secrets Manager through Powertools Parameters (cached).
 * Locally: the file named by NIGHTSHIFT_LOCAL_SECRETS_FILE, a JSON object keyed by secret name.
 */
export async function readJsonSecret<T = Record<string, unknown>>(secretId: string): Promise<T> {
  const localFile = process.env.NIGHTSHIFT_LOCAL_SECRETS_FILE;
  if (localFile) {
    const all = JSON.parse(readFileSync(localFile, 'utf8')) as Record<string, unknown>;
    if (!(secretId in all)) throw new Error(`secret "${secretId}" is not in ${localFile}`);
    return all[secretId] as T;
  }
  provider ??= new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
  const value = await provider.get(secretId, { transform: 'json', maxAge: SECRET_CACHE_SECONDS });
  if (value === undefined || value === null) throw new Error(`secret "${secretId}" has no value`);
  return value as T;
}

/** Reads a required environment variable, naming it when it is missing. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}
