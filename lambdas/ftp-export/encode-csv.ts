import iconv from 'iconv-lite';
import type { CsvEncoding } from './settings';

/**
 * Turns rendered CSV (UTF-8, whole rows per chunk) into the recipient's encoding. Shift_JIS is the
 * Windows variant (code page 932) that Excel reads; a character it cannot hold fails the export naming
 * the row and column, or becomes the configured replacement character.
 */

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const QUESTION_MARK = 0x3f;

/**
 * Characters that are in JIS X 0208 but that Unicode→CP932 tables reach only through their Microsoft
 * code points ("wave dash problem"): text typed on macOS or the web uses the left-hand ones.
 */
const JIS_TO_CP932: Record<string, string> = {
  '\u301c': '\uff5e', // 〜 wave dash → ～
  '\u2212': '\uff0d', // − minus sign → －
  '\u2014': '\u2015', // — em dash → ―
  '\u2016': '\u2225', // ‖ double vertical line → ∥
  '\u00a2': '\uffe0', // ¢ → ￠
  '\u00a3': '\uffe1', // £ → ￡
  '\u00ac': '\uffe2', // ¬ → ￢
};

export class CsvEncodingError extends Error {
  override name = 'CsvEncodingError';
}

export interface CsvEncoder {
  /** Bytes before the header: the BOM for utf8-bom. */
  readonly prefix: Buffer;
  /** Encodes whole rows; `firstRow` is the data row number of the first one (0 = the header). */
  encodeRows(utf8: Buffer, firstRow: number): Buffer;
  /** Characters replaced so far (shift_jis with a replacement character). */
  readonly replaced: number;
  /** Whether `encodeRows` must get whole rows (it cannot start or end inside a character or row). */
  readonly wholeRows: boolean;
}

export interface EncoderOptions {
  /** Column headers in output order, to name the column of an unencodable character. */
  headers: readonly string[];
  replacementCharacter?: string;
}

export function createCsvEncoder(encoding: CsvEncoding, options: EncoderOptions): CsvEncoder {
  if (encoding === 'utf8')
    return { prefix: Buffer.alloc(0), encodeRows: (utf8) => utf8, replaced: 0, wholeRows: false };
  if (encoding === 'utf8-bom') return { prefix: UTF8_BOM, encodeRows: (utf8) => utf8, replaced: 0, wholeRows: false };
  return new ShiftJisEncoder(options);
}

/** Shift_JIS code of each BMP code point ≥ U+0080 (single bytes below 0x100), 0 where there is none. */
let shiftJisTable: Uint16Array | undefined;

/**
 * Builds the table once from iconv-lite's own CP932 encoder, with a single call over every BMP character:
 * encoding row by row through iconv-lite's per-character string path was the slowest step of an export.
 */
function shiftJisCodes(): Uint16Array {
  if (shiftJisTable) return shiftJisTable;
  const codePoints: number[] = [];
  for (let codePoint = 0x80; codePoint <= 0xffff; codePoint++) {
    if (codePoint < 0xd800 || codePoint > 0xdfff) codePoints.push(codePoint);
  }
  let text = '';
  for (let at = 0; at < codePoints.length; at += 4096) text += String.fromCharCode(...codePoints.slice(at, at + 4096));
  const bytes = iconv.encode(text, 'shift_jis');
  const table = new Uint16Array(0x10000);
  let at = 0;
  for (const codePoint of codePoints) {
    const lead = bytes[at];
    // Lead bytes of two-byte codes are 0x81-0x9F and 0xE0-0xFC; any other byte stands alone.
    if ((lead >= 0x81 && lead <= 0x9f) || (lead >= 0xe0 && lead <= 0xfc)) {
      table[codePoint] = (lead << 8) | bytes[at + 1];
      at += 2;
    } else {
      // iconv-lite writes "?" for a character it has no code for.
      table[codePoint] = lead === QUESTION_MARK ? 0 : lead;
      at += 1;
    }
  }
  for (const [jis, cp932] of Object.entries(JIS_TO_CP932)) table[jis.charCodeAt(0)] = table[cp932.charCodeAt(0)];
  shiftJisTable = table;
  return table;
}

function shiftJisCode(codePoint: number): number {
  if (codePoint < 0x80) return codePoint;
  return codePoint <= 0xffff ? shiftJisCodes()[codePoint] : 0;
}

/** Whether one character (code point) has a Shift_JIS (CP932) encoding, after the wave-dash mapping. */
export function isShiftJisEncodable(character: string): boolean {
  const codePoint = character.codePointAt(0);
  return codePoint !== undefined && (codePoint === 0 || shiftJisCode(codePoint) !== 0);
}

class ShiftJisEncoder implements CsvEncoder {
  readonly prefix = Buffer.alloc(0);
  readonly wholeRows = true;
  replaced = 0;
  private readonly table = shiftJisCodes();
  private readonly replacementCode: number | undefined;

  constructor(private readonly options: EncoderOptions) {
    const { replacementCharacter } = options;
    this.replacementCode =
      replacementCharacter === undefined ? undefined : shiftJisCode(replacementCharacter.codePointAt(0)!);
  }

  /** Walks the UTF-8 bytes: ASCII is copied, every other character looked up; never longer than the input. */
  encodeRows(utf8: Buffer, firstRow: number): Buffer {
    const { table } = this;
    const out = Buffer.allocUnsafe(utf8.length);
    const length = utf8.length;
    let written = 0;
    for (let at = 0; at < length; ) {
      const lead = utf8[at];
      if (lead < 0x80) {
        out[written++] = lead;
        at++;
        continue;
      }
      let codePoint: number;
      if (lead >= 0xf0) {
        codePoint =
          ((lead & 0x07) << 18) | ((utf8[at + 1] & 0x3f) << 12) | ((utf8[at + 2] & 0x3f) << 6) | (utf8[at + 3] & 0x3f);
        at += 4;
      } else if (lead >= 0xe0) {
        codePoint = ((lead & 0x0f) << 12) | ((utf8[at + 1] & 0x3f) << 6) | (utf8[at + 2] & 0x3f);
        at += 3;
      } else {
        codePoint = ((lead & 0x1f) << 6) | (utf8[at + 1] & 0x3f);
        at += 2;
      }
      let code = codePoint <= 0xffff ? table[codePoint] : 0;
      if (code === 0) {
        if (this.replacementCode === undefined) throw this.unencodableError(utf8.toString('utf8'), firstRow);
        code = this.replacementCode;
        this.replaced++;
      }
      if (code < 0x100) out[written++] = code;
      else {
        out[written++] = code >> 8;
        out[written++] = code & 0xff;
      }
    }
    return out.subarray(0, written);
  }
  /** Finds the first unencodable character and says where it is: row (1-based, header = 0) and column. */
  private unencodableError(text: string, firstRow: number): CsvEncodingError {
    let row = firstRow;
    let column = 0;
    let quoted = false;
    for (const character of text) {
      if (character === '"') quoted = !quoted;
      else if (!quoted && character === ',') column++;
      else if (!quoted && character === '\n') {
        row++;
        column = 0;
      } else if (!isShiftJisEncodable(character)) {
        const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
        const where = row === 0 ? 'header' : `row ${row}`;
        const header = this.options.headers[column] ?? `#${column + 1}`;
        return new CsvEncodingError(
          `${where}, column "${header}": "${character}" (${codePoint}) cannot be encoded in shift_jis; ` +
            'set replacementCharacter to replace such characters',
        );
      }
    }
    return new CsvEncodingError('shift_jis encoding failed for a character that could not be located');
  }
}
