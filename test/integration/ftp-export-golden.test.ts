import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ExportFixture, exportFixture, recipientsOf } from './ftp-export-fixture';

/**
 * The exported bytes stay exactly what they were: files rendered from hostile and unusual values (quotes,
 * line breaks, formulas, padded chars, enums, every odd timestamp PostgreSQL prints, cells larger than a
 * network chunk) compared with files kept from an earlier renderer. `UPDATE_GOLDEN=1` rewrites them;
 * only do that for an intended change of the output, and say so in the commit.
 */

const GOLDEN_DIR = path.join(__dirname, '../fixtures/ftp-export-golden');
const SLOT = { slot: '2025-08-11T09:15', dry_run: true };

const TEXTS: Array<string | null> = [
  null,
  '',
  'plain',
  'a,b',
  'say "hi"',
  'two\nlines',
  'cr\rhere',
  '\r\nstarts with a line break',
  '=SUM(A1)',
  '+81 3 1234',
  '-1',
  '@cmd',
  '\ttab first',
  '"=quoted formula"',
  '=a,b',
  '\\.',
  ' leading space',
  "'already guarded",
  '=',
  '-',
  ',',
  '"',
  '""',
  'trailing line break\n',
  '店舗 ①〜−—‖¢£¬ ｼﾌﾞﾔ',
  '𠮷野家',
  '😀 emoji',
  `big ${'x'.repeat(70_000)},"${'y'.repeat(3)}"`,
  `=${'z'.repeat(100_000)}\n`,
];
const TIMESTAMPS: Array<string | null> = [
  null,
  '2025-08-11 09:15:00+09',
  '2025-08-11 09:15:00.123456+09',
  '2025-08-11 09:15:00.5+09',
  'infinity',
  '-infinity',
  '1950-05-10 01:00:00+10',
  '1880-01-01 00:00:00+09:18:59',
  '0044-03-15 12:00:00+09 BC',
  '12345-01-01 00:00:00+09',
];
const NAIVE: Array<string | null> = [
  null,
  '2025-08-11 00:15:00',
  '2025-08-11 00:15:00.25',
  'infinity',
  '1000-01-01 00:00:00',
];

const CASES: Record<string, object> = {
  'utf8-crlf': {},
  'utf8-bom-lf-formulas-kept': { encoding: 'utf8-bom', lineEnding: 'lf', neutraliseFormulas: false },
  'shift-jis-replaced': { encoding: 'shift_jis', replacementCharacter: '〓' },
  'headers-quoted': {
    columns: [
      { name: 'id', header: '番号, "id"' },
      { name: 'label', header: 'ラベル' },
      'stamp',
      { name: 'mood', header: '=mood' },
    ],
  },
};

let fixture: ExportFixture;
beforeAll(async () => {
  fixture = await exportFixture('ftp-export-golden');
  await fixture.db.query(`CREATE TYPE mood AS ENUM ('=happy', 'sad, "very"', 'ok')`);
  await fixture.db.query(`CREATE TABLE golden (
    id int PRIMARY KEY, label text, code char(6), short varchar(20), mood mood, stamp timestamptz,
    naive timestamp, day date, flag boolean, amount numeric, visitors int, tags text[], doc jsonb)`);
  const rows = Math.max(TEXTS.length, TIMESTAMPS.length) * 12;
  for (let id = 1; id <= rows; id++) {
    // The cells larger than a network chunk once each, in the label column: enough to cut rows anywhere.
    const text = (offset: number) => {
      const value = TEXTS[(id + offset) % TEXTS.length];
      return value !== null && value.length > 1000 && (offset !== 0 || id > TEXTS.length) ? 'big' : value;
    };
    const short = (offset: number) => (text(offset) ?? '').slice(0, 20);
    await fixture.db.query(`INSERT INTO golden VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, [
      id,
      text(0),
      id % 7 === 0 ? null : short(3).slice(0, 6),
      id % 5 === 0 ? null : short(5),
      [null, '=happy', 'sad, "very"', 'ok'][id % 4],
      TIMESTAMPS[id % TIMESTAMPS.length],
      NAIVE[id % NAIVE.length],
      id % 3 === 0 ? null : `2025-08-${String((id % 28) + 1).padStart(2, '0')}`,
      [null, true, false][id % 3],
      id % 4 === 0 ? null : (id * -1.25).toString(),
      id % 6 === 0 ? null : id * 1000 - 50_000,
      id % 2 === 0 ? null : [short(1), short(2)],
      id % 2 === 1 ? null : JSON.stringify({ store: short(7), n: id }),
    ]);
  }
});
afterAll(() => fixture.close());

async function exported(settings: object): Promise<Buffer> {
  const result = await fixture.run(SLOT, { jobSettings: { defaults: { table: 'golden', ...settings } } });
  const [recipient] = recipientsOf(result);
  if (recipient.status !== 'dry-run') throw new Error(String(recipient.error));
  return readFile(String(recipient.path));
}

describe('ftp-export: output bytes kept from the previous renderer', () => {
  it.each(Object.keys(CASES))('renders the %s case byte for byte as before', async (name) => {
    const actual = await exported(CASES[name]);
    const file = path.join(GOLDEN_DIR, `${name}.csv`);

    if (process.env.UPDATE_GOLDEN === '1') {
      await mkdir(GOLDEN_DIR, { recursive: true });
      await writeFile(file, actual);
    }
    const expected = await readFile(file);
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected)).toBe(true);
  });

  it('names the same row and column of an unencodable character as before', async () => {
    const result = await fixture.run(SLOT, { jobSettings: { defaults: { table: 'golden', encoding: 'shift_jis' } } });

    expect(recipientsOf(result)[0].error).toBe(
      'row 18, column "doc": "𠮷" (U+20BB7) cannot be encoded in shift_jis; set replacementCharacter to replace such characters',
    );
  });
});
