import { Transform, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { CsvEncoder } from './encode-csv';

/**
 * Renders the export's CSV from PostgreSQL's own CSV output (`COPY ... TO STDOUT WITH (FORMAT csv)`):
 * PostgreSQL quotes per RFC 4180 in C, far faster than any per-row JavaScript, and this stream does only
 * the per-cell work it cannot: neutralise formula-looking text, turn timestamps into JST ISO 8601, set
 * the line ending, count rows, and hand whole rows to the encoder. Memory stays at one chunk plus one row.
 */

export type ColumnKind = 'text' | 'timestamp' | 'plain';

export interface CsvRenderOptions {
  headers: readonly string[];
  /** Per output column: `text` may be neutralised, `timestamp` arrives as `YYYY-MM-DD HH:MM:SS[.f]+09`. */
  kinds: readonly ColumnKind[];
  neutraliseFormulas: boolean;
  lineEnding: 'crlf' | 'lf';
  encoder: CsvEncoder;
}

export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const APOSTROPHE = 0x27;
const LETTER_T = 0x54;
const JST_SUFFIX = Buffer.from('+09');
const OFFSET_MINUTES = Buffer.from(':00');
/** Spreadsheets treat a cell starting with these as a formula (OWASP "CSV injection"). */
const FORMULA_START = new Uint8Array(256);
for (const character of '=+-@\t\r') FORMULA_START[character.charCodeAt(0)] = 1;

/** The header row, quoted by csv-stringify the same RFC 4180 way PostgreSQL quotes the data rows. */
export function renderHeader(headers: readonly string[], lineEnding: 'crlf' | 'lf'): Buffer {
  return Buffer.from(stringify([headers], { record_delimiter: lineEnding === 'crlf' ? 'windows' : 'unix' }), 'utf8');
}

export class CsvRenderStream extends Transform {
  /** Data rows rendered so far (the header not counted). */
  rows = 0;
  /** Bytes pushed so far, BOM and header included: what the remote file's size must be. */
  bytes = 0;
  /** Resolves true once a data row is rendered, false if the input ends without one. */
  readonly hasRows: Promise<boolean>;
  private resolveHasRows!: (hasRows: boolean) => void;
  private pending: Buffer | undefined;
  private readonly textColumns: boolean[];
  private readonly timestampColumns: boolean[];
  private readonly extraPerRow: number;

  constructor(private readonly options: CsvRenderOptions) {
    super();
    this.hasRows = new Promise((resolve) => {
      this.resolveHasRows = resolve;
    });
    this.textColumns = options.kinds.map((kind) => kind === 'text' && options.neutraliseFormulas);
    this.timestampColumns = options.kinds.map((kind) => kind === 'timestamp');
    this.extraPerRow =
      this.textColumns.filter(Boolean).length +
      this.timestampColumns.filter(Boolean).length * OFFSET_MINUTES.length +
      (options.lineEnding === 'crlf' ? 1 : 0);
    const header = options.encoder.encodeRows(renderHeader(options.headers, options.lineEnding), 0);
    this.pushCounted(Buffer.concat([options.encoder.prefix, header]));
  }

  /** Characters the encoder replaced (shift_jis with a replacement character). */
  get replacedCharacters(): number {
    return this.options.encoder.replaced;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const input = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      const consumed = this.renderRows(input);
      this.pending = consumed < input.length ? input.subarray(consumed) : undefined;
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.resolveHasRows(this.rows > 0);
    if (this.pending) callback(new CsvFormatError(`the CSV from PostgreSQL ends inside row ${this.rows + 1}`));
    else callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.resolveHasRows(this.rows > 0);
    callback(error);
  }

  private pushCounted(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.bytes += bytes.length;
    this.push(bytes);
  }

  /**
   * Renders the complete rows at the start of `input` and returns how many input bytes they took; the
   * rest (a row cut by the chunk boundary) is rendered again with the next chunk. Output is the input
   * copied in spans, with bytes inserted or replaced where a cell needs it.
   */
  private renderRows(input: Buffer): number {
    const { textColumns, timestampColumns } = this;
    const crlf = this.options.lineEnding === 'crlf';
    const last = textColumns.length - 1;
    const length = input.length;
    // Each row has at least one byte per column (separators), which bounds the rows and so the insertions.
    const out = Buffer.allocUnsafe(length + (Math.floor(length / (last + 1)) + 1) * this.extraPerRow);
    let written = 0;
    let copyFrom = 0;
    const copyUpTo = (end: number) => {
      if (end > copyFrom) written += input.copy(out, written, copyFrom, end);
      copyFrom = end;
    };
    let at = 0;
    let rows = 0;
    // Where the last complete row ended: in the input, in the output, and the pending copy position.
    let rowEndInput = 0;
    let rowEndWritten = 0;
    let rowEndCopyFrom = 0;

    complete: while (at < length) {
      for (let column = 0; column <= last; column++) {
        if (at >= length) break complete;
        let end = -1;
        if (input[at] === QUOTE) {
          if (textColumns[column]) {
            if (at + 1 >= length) break complete;
            if (FORMULA_START[input[at + 1]]) {
              copyUpTo(at + 1);
              out[written++] = APOSTROPHE;
            }
          }
          // The closing quote is a quote not followed by another ("" is an escaped quote).
          let from = at + 1;
          for (;;) {
            const quote = input.indexOf(QUOTE, from);
            if (quote === -1 || quote + 1 >= length) break complete;
            if (input[quote + 1] !== QUOTE) {
              end = quote + 1;
              break;
            }
            from = quote + 2;
          }
        } else {
          end = input.indexOf(column === last ? LF : COMMA, at);
          if (end === -1) break complete;
          if (end > at) {
            if (textColumns[column] && FORMULA_START[input[at]]) {
              copyUpTo(at);
              out[written++] = APOSTROPHE;
            } else if (timestampColumns[column] && end - at >= 19 && input[at + 10] === SPACE) {
              copyUpTo(at + 10);
              out[written++] = LETTER_T;
              copyFrom = at + 11;
              if (input.compare(JST_SUFFIX, 0, 3, end - 3, end) === 0) {
                copyUpTo(end);
                written += OFFSET_MINUTES.copy(out, written);
              }
            }
          }
        }
        if (end >= length) break complete;
        if (input[end] !== (column === last ? LF : COMMA)) {
          throw new CsvFormatError(`unexpected CSV from PostgreSQL in row ${this.rows + rows + 1}`);
        }
        if (column === last && crlf) {
          copyUpTo(end);
          out[written++] = CR;
        }
        at = end + 1;
      }
      rows++;
      rowEndInput = at;
      rowEndWritten = written;
      rowEndCopyFrom = copyFrom;
    }
    // Drop whatever the cut row already wrote, then copy the rest of the complete rows.
    written = rowEndWritten;
    copyFrom = rowEndCopyFrom;
    copyUpTo(rowEndInput);
    if (rows > 0) {
      this.pushCounted(this.options.encoder.encodeRows(out.subarray(0, written), this.rows + 1));
      this.rows += rows;
      this.resolveHasRows(true);
    }
    return rowEndInput;
  }
}
