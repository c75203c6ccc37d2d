import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { MESSAGES_CURRENT_PREFIX, MESSAGES_RUNS_PREFIX } from '../../contracts/analytics-messages';
import { awsPorts } from '../../lambdas/daily-parquet/aws-ports';
import { createDailyParquetJob } from '../../lambdas/daily-parquet/daily-parquet-job';
import type { DailyParquetPorts } from '../../lambdas/daily-parquet/ports';
import { type JobOutcome, runJob } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { createMessagesTable, putMessages } from '../../local/daily-parquet-local';
import { dynamoClient, s3Client, uniqueName } from '../support/services';

const DOCS = path.join(__dirname, '../../docs/daily-parquet.md');

/**
 * The DuckDB recipe exactly as docs/daily-parquet.md prints it (the SQL block after its
 * `duckdb-recipe` marker), for `bucket`, reading a copy of the bucket at `root` instead of S3.
 */
export function duckdbRecipe(bucket: string, root: string): string {
  const docs = readFileSync(DOCS, 'utf8');
  const block = /<!-- duckdb-recipe[^>]*-->\s*```sql\n([\s\S]*?)```/.exec(docs)?.[1];
  if (!block) throw new Error('docs/daily-parquet.md has no duckdb-recipe SQL block');
  const rootLine = /^SET VARIABLE messages_root = '[^']*';/m;
  if (!rootLine.test(block)) throw new Error('the duckdb-recipe block does not start by setting messages_root');
  return block.replace(rootLine, `SET VARIABLE messages_root = '${root}';`).replaceAll('<bucket>', bucket);
}

/** One daily-parquet test's world: its own messages table and analytics bucket on dynalite and s3rver. */
/** The day most tests publish. JST: 2025-08-10T15:00:00.000Z up to 2025-08-11T15:00:00.000Z. */
export const DAY = '2025-08-11';
/** Where readers look for a tenant's day: the symlink file naming the current run's files. */
export const symlinkKey = (tenant: string, dt = DAY) =>
  `analytics/messages/current/tenant_id=${tenant}/dt=${dt}/symlink.txt`;
/** The folder of one run's files for a tenant's day. */
export const runFilesPrefix = (tenant: string, runId: string, dt = DAY) =>
  `analytics/messages/runs/tenant_id=${tenant}/dt=${dt}/run=${runId}/`;

export class DailyParquetWorld {
  readonly dynamo = dynamoClient();
  readonly s3 = s3Client();
  readonly table = uniqueName('messages');
  private currentBucket = uniqueName('analytics');
  private readonly dirs: string[] = [];

  async setUp(): Promise<this> {
    await createMessagesTable(this.dynamo, this.table);
    await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    return this;
  }

  get bucket(): string {
    return this.currentBucket;
  }

  /** The same world (clients, table) over another, already created, bucket; tear down only the original. */
  inBucket(bucket: string): DailyParquetWorld {
    const view = Object.create(DailyParquetWorld.prototype) as DailyParquetWorld;
    return Object.assign(view, this, { currentBucket: bucket });
  }

  put(items: readonly object[]): Promise<void> {
    return putMessages(this.dynamo, this.table, items);
  }

  putInto(table: string, items: readonly object[]): Promise<void> {
    return putMessages(this.dynamo, table, items);
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, MESSAGES_TABLE: this.table, ANALYTICS_BUCKET: this.bucket, TENANT_ID: 'acme', ...extra };
  }

  /** Runs the job through the shared runner (payload validation included) with the real AWS adapters. */
  run(
    payload: unknown,
    options: {
      env?: Record<string, string>;
      wrapPorts?: (ports: DailyParquetPorts) => DailyParquetPorts;
      now?: Date;
      /** As Lambda's request id: an async retry runs again with the same one. */
      runId?: string;
    } = {},
  ): Promise<JobOutcome> {
    const env = this.env(options.env);
    const job = createDailyParquetJob((settings) => (options.wrapPorts ?? ((p) => p))(awsPorts(settings, env)), env);
    return runJob(job, payload, {
      store: null,
      publishMetrics: false,
      logger: createLogger('daily-parquet-test'),
      now: () => options.now ?? new Date('2025-08-12T02:00:00+09:00'),
      runId: options.runId,
    });
  }

  async keys(prefix = 'analytics/'): Promise<string[]> {
    const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((object) => object.Key!).sort();
  }

  async text(key: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return object.Body!.transformToString('utf8');
  }

  /**
   * What a reader sees: copies each partition's symlink file and the files it lists (not one object
   * more) to disk, then runs docs/daily-parquet.md's DuckDB recipe over that copy and `sql` against
   * its view `messages`. `$FILES` in `sql` is a glob of the copied Parquet files. A symlink file that
   * names a missing object fails the read, as it would fail Athena.
   */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'daily-parquet-'));
    this.dirs.push(dir);
    const symlinks = await this.keys(`${MESSAGES_CURRENT_PREFIX}/`);
    const copy = async (key: string) => {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await object.Body!.transformToByteArray();
      await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
      await writeFile(path.join(dir, key), bytes);
      return Buffer.from(bytes).toString('utf8');
    };
    for (const symlink of symlinks) {
      for (const uri of (await copy(symlink)).split('\n').filter(Boolean)) {
        const prefix = `s3://${this.bucket}/`;
        if (!uri.startsWith(prefix)) throw new Error(`${symlink} names ${uri}, outside the bucket`);
        await copy(uri.slice(prefix.length));
      }
    }
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      if (symlinks.length > 0) await connection.run(duckdbRecipe(this.bucket, dir));
      else
        await connection.run(
          'CREATE VIEW messages AS SELECT NULL::VARCHAR AS tenant_id, NULL::VARCHAR AS dt WHERE false',
        );
      const reader = await connection.runAndReadAll(
        sql.replaceAll('$FILES', `${dir}/${MESSAGES_RUNS_PREFIX}/**/*.parquet`),
      );
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  async tearDown(): Promise<void> {
    this.dynamo.destroy();
    this.s3.destroy();
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
