import { Transform, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { CsvEncoder } from './encode-csv';

/**
 * Renders the export's CSV from PostgreSQL's own CSV output (`COPY ... TO STDOUT WITH (FORMAT csv)`):
 * PostgreSQL quotes per RFC 4180 in C, far faster than any per-row JavaScript, and this stream does only
 * the per-cell work it cannot: neutralise formula-looking text, turn timestamps into JST ISO 8601, set
 * the line ending, count rows, and hand whole rows to the encoder.
 *
 * One pass over the bytes, its state kept between chunks: a cell cut by a chunk boundary is never
 * scanned twice, so time is linear in the size of the data however large a cell is. Memory is one chunk
 * (plus, for shift_jis, the row being read).
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
const PLUS = 0x2b;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const COLON = 0x3a;
/** Spreadsheets treat a cell starting with these as a formula (OWASP "CSV injection"). */
const FORMULA_START = new Uint8Array(256);
for (const character of '=+-@\t\r') FORMULA_START[character.charCodeAt(0)] = 1;
/** Longer than any timestamp PostgreSQL prints (`294276-12-31 23:59:59.999999+09:18:59 BC`). */
const MAX_TIMESTAMP = 64;

/** Where the parser is: between cells, or inside one (a chunk may end anywhere). */
enum State {
  CellStart,
  /** After the opening quote of a text cell: its first character decides about the apostrophe. */
  QuotedFirst,
  Quoted,
  /** A quote inside a quoted cell: closing, or the first of an escaped `""`. */
  QuoteInQuoted,
  Unquoted,
  Timestamp,
  /** The byte after a cell: a comma, or LF after the last column. */
  Delimiter,
}

const KIND_PLAIN = 0;
const KIND_TEXT = 1;
const KIND_TIMESTAMP = 2;

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
  /** Per column: KIND_TEXT only when formulas are neutralised. */
  private readonly kinds: Uint8Array;
  private readonly last: number;
  private readonly crlf: boolean;
  private state = State.CellStart;
  private column = 0;
  /** The rendered part of the row cut by the last chunk boundary. */
  private partialRow: Buffer[] = [];
  private readonly timestamp = Buffer.alloc(MAX_TIMESTAMP);
  private timestampLength = 0;

  constructor(private readonly options: CsvRenderOptions) {
    super();
    this.hasRows = new Promise((resolve) => {
      this.resolveHasRows = resolve;
    });
    this.kinds = Uint8Array.from(options.kinds, (kind) =>
      kind === 'timestamp' ? KIND_TIMESTAMP : kind === 'text' && options.neutraliseFormulas ? KIND_TEXT : KIND_PLAIN,
    );
    this.last = options.kinds.length - 1;
    this.crlf = options.lineEnding === 'crlf';
    const header = options.encoder.encodeRows(renderHeader(options.headers, options.lineEnding), 0);
    this.pushCounted(Buffer.concat([options.encoder.prefix, header]));
  }

  /** Characters the encoder replaced (shift_jis with a replacement character). */
  get replacedCharacters(): number {
    return this.options.encoder.replaced;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.render(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.resolveHasRows(this.rows > 0);
    if (this.state !== State.CellStart || this.column !== 0 || this.partialRow.length > 0) {
      callback(new CsvFormatError(`the CSV from PostgreSQL ends inside row ${this.rows + 1}`));
    } else callback();
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
   * Renders one chunk into a new buffer: bytes copied, with an apostrophe before a formula, `T` and `:00`
   * in a timestamp and CR before a row's LF. Complete rows go to the encoder; the rest waits for the next.
   */
  private render(input: Buffer): void {
    const { kinds, last, crlf } = this;
    const length = input.length;
    // Growth per input byte is bounded: an apostrophe per cell or a CR per row (each takes ≥ 1 byte), 3 per timestamp.
    const out = Buffer.allocUnsafe(length * 2 + MAX_TIMESTAMP + 8);
    let written = 0;
    let at = 0;
    let rows = 0;
    let rowsEnd = 0;
    let { state, column } = this;

    while (at < length) {
      switch (state) {
        case State.CellStart: {
          const first = input[at];
          if (first === QUOTE) {
            out[written++] = QUOTE;
            at++;
            state = kinds[column] === KIND_TEXT ? State.QuotedFirst : State.Quoted;
          } else if (kinds[column] === KIND_TIMESTAMP) {
            this.timestampLength = 0;
            state = State.Timestamp;
          } else {
            if (kinds[column] === KIND_TEXT && FORMULA_START[first] === 1) out[written++] = APOSTROPHE;
            state = State.Unquoted;
          }
          break;
        }
        case State.QuotedFirst:
          if (FORMULA_START[input[at]] === 1) out[written++] = APOSTROPHE;
          state = State.Quoted;
          break;
        case State.Quoted: {
          // Quotes can be dense ("" every few bytes) or far apart: a byte loop over the next few bytes,
          // then a native search and copy up to the next quote.
          while (at < length) {
            const near = Math.min(length, at + 32);
            while (at < near && input[at] !== QUOTE) out[written++] = input[at++];
            if (at === near) {
              const quote = input.indexOf(QUOTE, at);
              const end = quote === -1 ? length : quote;
              written += input.copy(out, written, at, end);
              at = end;
              if (at === length) break;
            }
            out[written++] = QUOTE;
            if (++at === length) {
              state = State.QuoteInQuoted;
              break;
            }
            if (input[at] !== QUOTE) {
              state = State.Delimiter; // that quote closed the cell
              break;
            }
            out[written++] = QUOTE;
            at++;
          }
          break;
        }
        case State.QuoteInQuoted:
          if (input[at] === QUOTE) {
            out[written++] = QUOTE;
            at++;
            state = State.Quoted;
          } else {
            state = State.Delimiter; // the cell ended
          }
          break;
        case State.Unquoted: {
          let byte = input[at];
          while (byte !== COMMA && byte !== LF) {
            out[written++] = byte;
            if (++at === length) break;
            byte = input[at];
          }
          if (at < length) state = State.Delimiter;
          break;
        }
        case State.Timestamp: {
          const cell = this.timestamp;
          let cellLength = this.timestampLength;
          let byte = input[at];
          while (byte !== COMMA && byte !== LF) {
            if (cellLength === MAX_TIMESTAMP) {
              throw new CsvFormatError(`unexpected timestamp from PostgreSQL in row ${this.rows + rows + 1}`);
            }
            cell[cellLength++] = byte;
            if (++at === length) break;
            byte = input[at];
          }
          this.timestampLength = cellLength;
          if (at < length) {
            written = writeTimestamp(cell, cellLength, out, written);
            state = State.Delimiter;
          }
          break;
        }
        case State.Delimiter: {
          const delimiter = input[at++];
          if (delimiter !== (column === last ? LF : COMMA)) {
            throw new CsvFormatError(`unexpected CSV from PostgreSQL in row ${this.rows + rows + 1}`);
          }
          if (column === last) {
            if (crlf) out[written++] = CR;
            out[written++] = LF;
            column = 0;
            rows++;
            rowsEnd = written;
          } else {
            out[written++] = COMMA;
            column++;
          }
          state = State.CellStart;
          break;
        }
      }
    }
    this.state = state;
    this.column = column;
    this.pushRows(out, written, rows, rowsEnd);
  }

  /**
   * Encodes and pushes the rendered bytes. An encoder that needs whole rows (shift_jis: whole characters,
   * and the row of an unencodable one) gets the complete rows, the start of the first kept from before;
   * UTF-8 passes everything on at once, so even a cell of many megabytes never sits in memory.
   */
  private pushRows(out: Buffer, written: number, rows: number, rowsEnd: number): void {
    const { encoder } = this.options;
    const end = encoder.wholeRows ? rowsEnd : written;
    if (end > 0) {
      const rendered = out.subarray(0, end);
      const bytes = this.partialRow.length > 0 ? Buffer.concat([...this.partialRow, rendered]) : rendered;
      this.partialRow = [];
      this.pushCounted(encoder.encodeRows(bytes, this.rows + 1));
    }
    if (rows > 0) {
      this.rows += rows;
      this.resolveHasRows(true);
    }
    // A copy: a view would keep the whole (twice the chunk) output buffer alive while a large row is read.
    if (written > end) this.partialRow.push(Buffer.from(out.subarray(end, written)));
  }
}

/**
 * `2025-08-11 09:15:00[.f]+09` → `2025-08-11T09:15:00[.f]+09:00`. Other forms are left as PostgreSQL
 * printed them, except the `T` (infinity; years after 9999; BC; an offset other than +09 before 1952).
 */
function writeTimestamp(cell: Buffer, length: number, out: Buffer, written: number): number {
  written += cell.copy(out, written, 0, length);
  if (length < 19 || cell[10] !== SPACE) return written;
  out[written - length + 10] = LETTER_T;
  if (cell[length - 3] === PLUS && cell[length - 2] === DIGIT_0 && cell[length - 1] === DIGIT_9) {
    out[written++] = COLON;
    out[written++] = DIGIT_0;
    out[written++] = DIGIT_0;
  }
  return written;
}
