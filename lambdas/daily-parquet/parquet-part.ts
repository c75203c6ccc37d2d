import { Writable } from 'node:stream';
import { ParquetSchema, ParquetWriter } from 'parquetjs-lite';
import { MESSAGE_COLUMNS, MESSAGES_SCHEMA_VERSION, type MessageColumnType } from '../../contracts/analytics-messages';
import type { ParquetRow } from './message-row';
import type { AnalyticsSink } from './ports';

/** Parquet type of each logical column type: TIMESTAMP_MILLIS is UTC by definition (Athena and DuckDB read a timestamp). */
const PARQUET_TYPES: Record<MessageColumnType, string> = {
  string: 'UTF8',
  json: 'UTF8',
  timestamp: 'TIMESTAMP_MILLIS',
  bigint: 'INT64',
};

/** The writer's schema, built from the same column list the Glue table is built from. */
export const PARQUET_SCHEMA = new ParquetSchema(
  Object.fromEntries(
    MESSAGE_COLUMNS.map((column) => [
      column.name,
      { type: PARQUET_TYPES[column.type], optional: true, compression: 'SNAPPY' as const },
    ]),
  ),
);

export interface PartStats {
  key: string;
  rows: number;
  bytes: number;
}

/** One Parquet file streamed to the sink row group by row group; memory holds one row group, not the file. */
export class ParquetPart {
  private rows = 0;
  private bytes = 0;
  private failure: Error | undefined;

  private constructor(
    readonly key: string,
    private readonly writer: ParquetWriter,
    private readonly upload: ReturnType<AnalyticsSink['openUpload']>,
  ) {}

  static async open(sink: AnalyticsSink, key: string, rowGroupRows: number): Promise<ParquetPart> {
    const upload = sink.openUpload(key, 'application/vnd.apache.parquet');
    let part: ParquetPart | undefined;
    // parquetjs-lite waits for each write's callback only; this waits for 'drain' so a slow upload slows the writer down.
    const throttled = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (part?.failure) return callback(part.failure);
        if (part) part.bytes += chunk.length;
        if (upload.stream.write(chunk)) callback();
        else upload.stream.once('drain', () => callback());
      },
      final(callback) {
        upload.stream.end();
        callback();
      },
    });
    upload.done.catch((error: Error) => {
      if (part) part.failure = error;
      upload.stream.emit('drain'); // releases a write waiting for a drain that will never come
    });
    const writer = await ParquetWriter.openStream(PARQUET_SCHEMA, throttled, {
      rowGroupSize: rowGroupRows,
      pageSize: 8192,
      useDataPageV2: false, // v1 data pages: the most widely read by Athena/Trino, Spark and DuckDB
    });
    writer.setMetadata('nightshift.schema_version', String(MESSAGES_SCHEMA_VERSION));
    part = new ParquetPart(key, writer, upload);
    part.bytes = 4; // the magic header parquetjs wrote before `part` existed
    return part;
  }

  get rowCount(): number {
    return this.rows;
  }

  async append(row: ParquetRow): Promise<void> {
    if (this.failure) throw this.failure;
    await this.writer.appendRow(row);
    this.rows += 1;
  }

  /** Writes the footer and waits until the object is stored. */
  async close(): Promise<PartStats> {
    await this.writer.close();
    await this.upload.done;
    if (this.failure) throw this.failure;
    return { key: this.key, rows: this.rows, bytes: this.bytes };
  }

  async abort(): Promise<void> {
    await this.upload.abort().catch(() => undefined);
  }
}
