import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Each run's channel CSVs, gzipped, in the analytics bucket:
 * `raw/youtube/dt=<JST date>/run=<run id>/<channel id>.csv.gz`. A replay reads them back instead of
 * calling the API.
 */

export const RAW_PREFIX = 'raw/youtube/';

export interface RawCsvStore {
  put(key: string, csv: Buffer): Promise<void>;
  /** The stored CSV, decompressed. */
  get(key: string): Promise<Buffer>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): Promise<string[]>;
}

export function rawCsvKey(jstDate: string, runId: string, channelId: string): string {
  return `${RAW_PREFIX}dt=${jstDate}/run=${runId}/${channelId}.csv.gz`;
}

/** The run's keys, whatever its date (one listing call per 1,000 stored files). */
export async function findRunKeys(store: RawCsvStore, runId: string): Promise<string[]> {
  return (await store.list(RAW_PREFIX)).filter((key) => key.includes(`/run=${runId}/`));
}

/** The S3 store; S3_ENDPOINT points it at s3rver locally. */
export function s3RawCsvStore(bucket: string, env: NodeJS.ProcessEnv = process.env): RawCsvStore {
  const s3 = new S3Client({
    region: env.AWS_REGION ?? 'ap-northeast-1',
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}),
  });
  const listAll = async (prefix: string) => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).flatMap((item) => item.Key ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  };
  return {
    async put(key, csv) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: gzipSync(csv),
          // A .csv.gz file, not a compressed transfer: downloads keep the gzip bytes.
          ContentType: 'application/gzip',
        }),
      );
    },
    async get(key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return gunzipSync(await object.Body.transformToByteArray());
    },
    list: async (prefix) => (await listAll(prefix)).sort(),
  };
}

/** The same layout in a local directory, for `npm run invoke` without S3 (ANALYTICS_BUCKET unset). */
export function fileRawCsvStore(rootDir: string): RawCsvStore {
  return {
    async put(key, csv) {
      await mkdir(path.dirname(path.join(rootDir, key)), { recursive: true });
      await writeFile(path.join(rootDir, key), gzipSync(csv));
    },
    get: async (key) => gunzipSync(await readFile(path.join(rootDir, key))),
    async list(prefix) {
      const files = await readdir(rootDir, { recursive: true, withFileTypes: true }).catch(() => []);
      return files
        .filter((file) => file.isFile())
        .map((file) => path.relative(rootDir, path.join(file.parentPath, file.name)).split(path.sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
  };
}
