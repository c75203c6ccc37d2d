import type { MessageColumn, MessageColumnType } from '../../contracts/analytics-messages';

export const isInt64 = (type: MessageColumnType) => type === 'bigint' || type === 'timestamp';

export type CellValue = string | number | Date | undefined;

/** A string column stops dictionary-encoding a row group after this many distinct values. */
export const DICTIONARY_LIMIT = 1_024;

/** PLAIN-encoded values in a growing Buffer, outside the JavaScript heap. */
export class PlainBytes {
  data: Buffer;
  length = 0;

  constructor(sizeHint: number) {
    this.data = Buffer.allocUnsafe(Math.max(64 * 1024, Math.ceil(sizeHint * 1.1)));
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.length + bytes));
    this.data.copy(grown, 0, 0, this.length);
    this.data = grown;
  }

  int64(value: number): void {
    this.reserve(8);
    const data = this.data;
    let at = this.length;
    const low = value >>> 0;
    const high = Math.floor(value / 4294967296) | 0;
    data[at++] = low;
    data[at++] = low >>> 8;
    data[at++] = low >>> 16;
    data[at++] = low >>> 24;
    data[at++] = high;
    data[at++] = high >>> 8;
    data[at++] = high >>> 16;
    data[at++] = high >>> 24;
    this.length = at;
  }

  /**
   * Short ASCII values (ids, JSON) are copied byte by byte in JavaScript, about twice as fast as a
   * call into the native UTF-8 encoder for strings this short; anything else goes to that encoder.
   */
  string(text: string): void {
    const chars = text.length;
    this.reserve(chars * 3 + 4);
    const data = this.data;
    const start = this.length + 4;
    let written = 0;
    if (chars <= 64) {
      while (written < chars) {
        const code = text.charCodeAt(written);
        if (code >= 0x80) break;
        data[start + written] = code;
        written += 1;
      }
    }
    if (written < chars) written = data.write(text, start, 'utf8');
    data[start - 4] = written;
    data[start - 3] = written >>> 8;
    data[start - 2] = written >>> 16;
    data[start - 1] = written >>> 24;
    this.length = start + written;
  }

  bytes(): Buffer {
    return this.data.subarray(0, this.length);
  }
}

/**
 * One column of the row group being built. Values are encoded as they are appended, so the heap
 * holds almost nothing of a row group. A string column starts with a dictionary (sender, JSON that
 * repeats: a few distinct values stored once, then one small index per row) and falls back to
 * PLAIN for the rest of the row group once it sees more than DICTIONARY_LIMIT distinct values.
 */
export class ColumnBuffer {
  readonly plain: PlainBytes;
  readonly defined: Uint8Array;
  values = 0;
  nulls = 0;
  min: number | undefined;
  max: number | undefined;
  dictionary: Map<string, number> | undefined;
  readonly dictionaryValues: string[] = [];
  private readonly indices: Uint32Array | undefined;
  private readonly int64: boolean;

  constructor(
    readonly column: MessageColumn,
    capacity: number,
    /** The previous row group's PLAIN size, so later groups rarely grow (and copy) their buffer. */
    sizeHint: number,
  ) {
    this.plain = new PlainBytes(sizeHint);
    this.defined = new Uint8Array(capacity);
    this.int64 = isInt64(column.type);
    if (!this.int64) {
      this.dictionary = new Map();
      this.indices = new Uint32Array(capacity);
    }
  }

  push(cell: CellValue): void {
    if (cell === undefined) {
      this.defined[this.values++] = 0;
      this.nulls += 1;
      return;
    }
    this.defined[this.values++] = 1;
    if (this.int64) {
      const value = typeof cell === 'number' ? cell : (cell as Date).getTime();
      if (this.min === undefined || value < this.min) this.min = value;
      if (this.max === undefined || value > this.max) this.max = value;
      this.plain.int64(value);
      return;
    }
    const text = cell as string;
    const dictionary = this.dictionary;
    if (dictionary === undefined) {
      this.plain.string(text);
      return;
    }
    let index = dictionary.get(text);
    if (index === undefined) {
      if (dictionary.size >= DICTIONARY_LIMIT) {
        this.abandonDictionary();
        this.plain.string(text);
        return;
      }
      index = dictionary.size;
      dictionary.set(text, index);
      this.dictionaryValues.push(text);
    }
    (this.indices as Uint32Array)[this.values - this.nulls - 1] = index;
  }

  /** The values so far, re-encoded PLAIN (the current one, not yet counted, is pushed by the caller). */
  private abandonDictionary(): void {
    const indices = this.indices as Uint32Array;
    const defined = this.values - this.nulls - 1;
    for (let i = 0; i < defined; i += 1) this.plain.string(this.dictionaryValues[indices[i]]);
    this.dictionary = undefined;
    this.dictionaryValues.length = 0;
  }

  /** RLE/bit-packed hybrid, bit width 1, as runs only, with the 4-byte length prefix of v1 pages. */
  definitionLevels(): Buffer {
    const defined = this.defined;
    const count = this.values;
    // A run of L values takes at most 4L bytes (a varint header of 2L and one value byte).
    const out = Buffer.allocUnsafe(4 + count * 4);
    let at = 4;
    let index = 0;
    while (index < count) {
      const value = defined[index];
      let end = index + 1;
      while (end < count && defined[end] === value) end += 1;
      let header = (end - index) * 2;
      while (header >= 0x80) {
        out[at++] = (header & 0x7f) | 0x80;
        header >>>= 7;
      }
      out[at++] = header;
      out[at++] = value;
      index = end;
    }
    out.writeUInt32LE(at - 4, 0);
    return out.subarray(0, at);
  }

  /**
   * Dictionary indices as the data page's values: the bit width byte, then bit-packed runs of at
   * most 63 groups of 8 (a one-byte run header, as parquet-mr writes them), the last group padded.
   */
  dictionaryIndices(): Buffer {
    const indices = this.indices as Uint32Array;
    const count = this.values - this.nulls;
    const width = Math.max(1, 32 - Math.clz32(this.dictionaryValues.length - 1));
    const groups = Math.ceil(count / 8);
    const out = Buffer.alloc(1 + Math.ceil(groups / 63) + groups * width);
    out[0] = width;
    let at = 1;
    for (let first = 0; first < groups; first += 63) {
      const runGroups = Math.min(63, groups - first);
      out[at++] = (runGroups << 1) | 1;
      const end = Math.min(count, (first + runGroups) * 8);
      let bits = 0;
      let filled = 0;
      for (let i = first * 8; i < end; i += 1) {
        bits |= indices[i] << filled;
        filled += width;
        while (filled >= 8) {
          out[at++] = bits & 0xff;
          bits >>>= 8;
          filled -= 8;
        }
      }
      if (filled > 0) out[at++] = bits & 0xff;
      at = 1 + Math.ceil((first + runGroups) / 63) + (first + runGroups) * width;
    }
    return out;
  }
}
