import type { Writable } from 'node:stream';

/**
 * What the daily-parquet core needs from the outside world. The AWS adapters (DynamoDB Query,
 * S3 with multipart upload) live in aws-ports.ts; another cloud is another adapter, not a rewrite.
 */

/** Items of one tenant whose sort key lies in [fromSortKey, toSortKey], page by page, in key order. */
export interface MessageSource {
  queryRange(tenant: string, fromSortKey: string, toSortKey: string): AsyncIterable<Record<string, unknown>[]>;
}

/** An object being streamed: write to `stream`, end it, then await `done`; `abort` drops what was sent. */
export interface ObjectUpload {
  readonly stream: Writable;
  readonly done: Promise<void>;
  abort(): Promise<void>;
}

/** Object storage under one bucket (keys only; the bucket appears only in `uriOf`). */
export interface AnalyticsSink {
  /** The object's full address as query engines name it (`s3://<bucket>/<key>`). */
  uriOf(key: string): string;
  openUpload(key: string, contentType: string): ObjectUpload;
  putText(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or undefined when it does not exist. */
  getText(key: string): Promise<string | undefined>;
  copy(fromKey: string, toKey: string): Promise<void>;
  listKeys(prefix: string): Promise<string[]>;
  deleteKeys(keys: readonly string[]): Promise<void>;
}

export interface DailyParquetPorts {
  source: MessageSource;
  sink: AnalyticsSink;
}
