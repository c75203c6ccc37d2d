import { MESSAGE_COLUMNS, MESSAGES_SCHEMA_VERSION } from '../../contracts/analytics-messages';
import type { ParquetRow } from './message-row';
import { ParquetFileWriter } from './parquet-file-writer';
import type { AnalyticsSink, ObjectUpload } from './ports';

export interface PartStats {
  key: string;
  rows: number;
  bytes: number;
}

/** One Parquet file streamed to the sink row group by row group; memory holds one row group, not the file. */
export class ParquetPart {
  private rows = 0;
  private failure: Error | undefined;

  private constructor(
    readonly key: string,
    private readonly upload: ObjectUpload,
    private readonly writer: ParquetFileWriter,
  ) {}

  static async open(sink: AnalyticsSink, key: string, rowGroupRows: number): Promise<ParquetPart> {
    const upload = sink.openUpload(key, 'application/vnd.apache.parquet');
    let part: ParquetPart | undefined;
    // Waits for 'drain', so a slow upload slows the writer down instead of piling up buffers.
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve, reject) => {
        if (part?.failure) return reject(part.failure);
        if (upload.stream.write(chunk)) return resolve();
        upload.stream.once('drain', () => (part?.failure ? reject(part.failure) : resolve()));
      });
    const writer = new ParquetFileWriter(MESSAGE_COLUMNS, write, {
      rowGroupRows,
      metadata: { 'nightshift.schema_version': String(MESSAGES_SCHEMA_VERSION) },
    });
    part = new ParquetPart(key, upload, writer);
    upload.done.catch((error: Error) => {
      if (part) part.failure = error;
      upload.stream.emit('drain'); // releases a write waiting for a drain that will never come
    });
    await writer.open();
    return part;
  }

  get rowCount(): number {
    return this.rows;
  }

  async append(row: ParquetRow): Promise<void> {
    if (this.failure) throw this.failure;
    await this.writer.append(row);
    this.rows += 1;
  }

  /** Writes the footer and waits until the object is stored. */
  async close(): Promise<PartStats> {
    const { bytes } = await this.writer.close();
    this.upload.stream.end();
    await this.upload.done;
    return { key: this.key, rows: this.rows, bytes };
  }

  async abort(): Promise<void> {
    await this.upload.abort().catch(() => undefined);
  }
}
