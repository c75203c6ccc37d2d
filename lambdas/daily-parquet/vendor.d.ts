// Minimal typings for packages that ship none: only what daily-parquet and its benchmark use.

declare module 'snappyjs' {
  export function compress(data: Buffer): Buffer;
  export function uncompress(data: Buffer): Buffer;
}

declare module 'parquetjs-lite' {
  import type { Writable } from 'node:stream';

  interface FieldDefinition {
    type: string;
    optional?: boolean;
    compression?: 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'LZO';
    encoding?: 'PLAIN' | 'RLE';
  }

  export class ParquetSchema {
    constructor(fields: Record<string, FieldDefinition>);
  }

  export class ParquetWriter {
    static openStream(
      schema: ParquetSchema,
      stream: Writable,
      options?: { rowGroupSize?: number; pageSize?: number; useDataPageV2?: boolean },
    ): Promise<ParquetWriter>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    setMetadata(key: string, value: string): void;
    close(): Promise<void>;
  }
}
