import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { awsPorts } from '../../lambdas/daily-parquet/aws-ports';
import { createDailyParquetJob } from '../../lambdas/daily-parquet/daily-parquet-job';
import type { DailyParquetPorts } from '../../lambdas/daily-parquet/ports';
import { type JobOutcome, runJob } from '../../lambdas/shared/job-runner';
import { createLogger } from '../../lambdas/shared/logger';
import { createMessagesTable, putMessages } from '../../local/daily-parquet-local';
import { dynamoClient, s3Client, uniqueName } from '../support/services';

/** One daily-parquet test's world: its own messages table and analytics bucket on dynalite and s3rver. */
export class DailyParquetWorld {
  readonly dynamo = dynamoClient();
  readonly s3 = s3Client();
  readonly table = uniqueName('messages');
  readonly bucket = uniqueName('analytics');
  private readonly dirs: string[] = [];

  async setUp(): Promise<this> {
    await createMessagesTable(this.dynamo, this.table);
    await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    return this;
  }

  put(items: readonly object[]): Promise<void> {
    return putMessages(this.dynamo, this.table, items);
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
    } = {},
  ): Promise<JobOutcome> {
    const env = this.env(options.env);
    const job = createDailyParquetJob((settings) => (options.wrapPorts ?? ((p) => p))(awsPorts(settings, env)), env);
    return runJob(job, payload, {
      store: null,
      publishMetrics: false,
      logger: createLogger('daily-parquet-test'),
      now: () => options.now ?? new Date('2025-08-12T02:00:00+09:00'),
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

  /** Copies the bucket's Parquet files to disk and runs `sql` in DuckDB over them as the view `messages` (their glob: `$FILES`). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'daily-parquet-'));
    this.dirs.push(dir);
    const parquetKeys = (await this.keys('analytics/messages/')).filter((key) => key.endsWith('.parquet'));
    for (const key of parquetKeys) {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      await mkdir(path.dirname(path.join(dir, key)), { recursive: true });
      await writeFile(path.join(dir, key), await object.Body!.transformToByteArray());
    }
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      const files = parquetKeys.length
        ? `read_parquet('${dir}/analytics/messages/**/*.parquet', hive_partitioning = true, hive_types = {'tenant_id': VARCHAR, 'dt': VARCHAR})`
        : '(SELECT NULL::VARCHAR AS tenant_id, NULL::VARCHAR AS dt WHERE false)';
      await connection.run(`CREATE VIEW messages AS SELECT * FROM ${files}`);
      const reader = await connection.runAndReadAll(sql.replaceAll('$FILES', `${dir}/analytics/messages/**/*.parquet`));
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
