import iconv from 'iconv-lite';
import { createCsvEncoder, isShiftJisEncodable } from '../../lambdas/ftp-export/encode-csv';

const headers = ['store_id', 'store_name'];
const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('createCsvEncoder', () => {
  it('passes UTF-8 through without a BOM', () => {
    const encoder = createCsvEncoder('utf8', { headers });

    expect(encoder.prefix.length).toBe(0);
    expect(encoder.encodeRows(utf8('S001,渋谷店\n'), 1).toString('utf8')).toBe('S001,渋谷店\n');
  });

  it('puts a BOM before utf8-bom files', () => {
    const encoder = createCsvEncoder('utf8-bom', { headers });

    expect([...encoder.prefix]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('encodes Japanese text in Shift_JIS', () => {
    const encoder = createCsvEncoder('shift_jis', { headers });

    const bytes = encoder.encodeRows(utf8('S001,渋谷店 ｱｲｳ ①\n'), 1);

    expect(bytes.equals(iconv.encode('S001,渋谷店 ｱｲｳ ①\n', 'shift_jis'))).toBe(true);
  });

  it('encodes the JIS wave dash and minus sign as Shift_JIS 0x8160 and 0x817C', () => {
    const encoder = createCsvEncoder('shift_jis', { headers });

    const bytes = encoder.encodeRows(utf8('10時〜12時,−5\n'), 1);

    expect(bytes.includes(Buffer.from([0x81, 0x60]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x81, 0x7c]))).toBe(true);
    expect(bytes.includes(0x3f)).toBe(false);
  });

  it('fails naming the row and column of a character Shift_JIS cannot encode', () => {
    const encoder = createCsvEncoder('shift_jis', { headers });

    expect(() => encoder.encodeRows(utf8('S001,渋谷店\nS002,"吉野家, 𠮷"\n'), 41)).toThrow(
      'row 42, column "store_name": "𠮷" (U+20BB7) cannot be encoded in shift_jis',
    );
  });

  it('names the header when a header cannot be encoded', () => {
    const encoder = createCsvEncoder('shift_jis', { headers: ['id', 'café'] });

    expect(() => encoder.encodeRows(utf8('id,café\n'), 0)).toThrow('header, column "café"');
  });

  it('replaces unencodable characters with the configured replacement and counts them', () => {
    const encoder = createCsvEncoder('shift_jis', { headers, replacementCharacter: '〓' });

    const bytes = encoder.encodeRows(utf8('S001,𠮷野家 😀?\n'), 1);

    expect(iconv.decode(bytes, 'shift_jis')).toBe('S001,〓野家 〓?\n');
    expect(encoder.replaced).toBe(2);
  });
});

describe('Shift_JIS table', () => {
  it('encodes every BMP character exactly as iconv-lite does, or refuses it where iconv-lite has no code', () => {
    const encoder = createCsvEncoder('shift_jis', { headers: ['c'] });
    const reference = iconv.getEncoder('shift_jis');
    const differences: string[] = [];

    for (let codePoint = 0x80; codePoint <= 0xffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const character = String.fromCharCode(codePoint);
      const expected = reference.write(character);
      const unencodable = expected.length === 1 && expected[0] === 0x3f;
      let actual: Buffer | undefined;
      try {
        actual = encoder.encodeRows(Buffer.from(character, 'utf8'), 1);
      } catch {
        actual = undefined;
      }
      const jisVariant = ['\u301c', '\u2212', '\u2014', '\u2016', '\u00a2', '\u00a3', '\u00ac'].includes(character);
      if (jisVariant) continue; // mapped on purpose; see the wave dash test
      if (unencodable ? actual !== undefined : !actual?.equals(expected)) differences.push(codePoint.toString(16));
    }

    expect(differences).toEqual([]);
  });
});

describe('isShiftJisEncodable', () => {
  it('accepts kanji, kana and NEC special characters but not emoji or accented Latin', () => {
    expect(['漢', 'ア', 'ｱ', '①', '?'].every(isShiftJisEncodable)).toBe(true);
    expect(['😀', 'é', '𠮷'].some(isShiftJisEncodable)).toBe(false);
  });
});
