import fc from 'fast-check';
import { createCsvEncoder } from '../../lambdas/ftp-export/encode-csv';
import { type ColumnKind, CsvFormatError, CsvRenderStream } from '../../lambdas/ftp-export/render-csv';

/**
 * Properties of the CSV renderer over generated tables: whatever the cells and however PostgreSQL's output
 * is cut into chunks, the file parses back (RFC 4180) to the cells, neutralised and in JST ISO 8601; and
 * input that is not PostgreSQL's CSV fails with a CsvFormatError, never anything else. Fixed seed and a
 * bounded number of runs, so `npm test` stays fast and repeatable.
 */

const RUNS = { seed: 20251123, numRuns: 150 };
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

type Cell = string | null;
interface Table {
  kinds: ColumnKind[];
  rows: Cell[][];
}

/** A cell as PostgreSQL's COPY CSV writes it: NULL unquoted and empty, quoted when needed. */
function pgCell(value: Cell): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** Splits an RFC 4180 file into rows of cells (every cell of this renderer's output is a string). */
function parseCsv(text: string, lineEnding: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let at = 0;
  while (at < text.length) {
    if (text[at] === '"') {
      const end = text.indexOf('"', at + 1);
      if (text[end + 1] === '"') {
        cell += text.slice(at + 1, end + 1);
        at = end + 1;
        continue;
      }
      cell += text.slice(at + 1, end);
      at = end + 1;
    } else if (text[at] === ',') {
      row.push(cell);
      cell = '';
      at++;
    } else if (text.startsWith(lineEnding, at)) {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      at += lineEnding.length;
    } else {
      cell += text[at];
      at++;
    }
  }
  return rows;
}

/** What a cell must read as in the file. */
function expectedCell(value: Cell, kind: ColumnKind): string {
  if (value === null) return '';
  if (kind === 'text' && FORMULA_START.has(value[0])) return `'${value}`;
  if (kind === 'timestamp' && value.length >= 19 && value[10] === ' ') {
    const iso = `${value.slice(0, 10)}T${value.slice(11)}`;
    return iso.endsWith('+09') ? `${iso}:00` : iso;
  }
  return value;
}

const text = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', 'あ', ',', '"', '\n', '\r', '=', '-', '+', '@', '\t', ' ', '𠮷'),
    maxLength: 12,
  }),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const timestamp = fc.oneof(
  fc
    .record({
      date: fc.date({
        min: new Date('1000-01-01T00:00:00Z'),
        max: new Date('9999-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      fraction: fc.constantFrom('', '.5', '.123456'),
      offset: fc.constantFrom('+09', '+10', '+09:18:59', '+09:18:59 BC'),
    })
    .map(({ date, fraction, offset }) => `${date.toISOString().slice(0, 19).replace('T', ' ')}${fraction}${offset}`),
  fc.constantFrom('infinity', '-infinity', '12345-01-01 00:00:00+09'),
);
const plain = fc.oneof(fc.integer().map(String), fc.constantFrom('true', 'false', '2025-08-11', '-1.5', '{a,b}'));
const kind = fc.constantFrom<ColumnKind>('text', 'timestamp', 'plain');
const cellOf = (columnKind: ColumnKind) =>
  fc.option(columnKind === 'text' ? text : columnKind === 'timestamp' ? timestamp : plain, { freq: 5 });

const table: fc.Arbitrary<Table> = fc.array(kind, { minLength: 1, maxLength: 5 }).chain((kinds) =>
  fc.record({
    kinds: fc.constant(kinds),
    rows: fc.array(fc.tuple(...kinds.map(cellOf)), { maxLength: 12 }),
  }),
);

async function render(
  input: Buffer,
  kinds: ColumnKind[],
  cuts: number[],
  options: { lineEnding: 'crlf' | 'lf'; neutraliseFormulas: boolean },
) {
  const headers = kinds.map((_kind, index) => `c${index}`);
  const stream = new CsvRenderStream({
    headers,
    kinds,
    ...options,
    encoder: createCsvEncoder('utf8', { headers }),
  });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  let from = 0;
  for (const cut of [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b)) {
    if (cut > from) stream.write(input.subarray(from, cut));
    from = Math.max(from, cut);
  }
  if (from < input.length) stream.write(input.subarray(from));
  stream.end();
  await ended;
  return { text: Buffer.concat(chunks).toString('utf8'), rows: stream.rows, bytes: stream.bytes };
}

describe('CsvRenderStream properties', () => {
  it('renders any table, cut anywhere, to a file that parses back to its cells', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom<'crlf' | 'lf'>('crlf', 'lf'),
        async ({ kinds, rows }, cuts, lineEnding) => {
          const input = Buffer.from(rows.map((row) => `${row.map(pgCell).join(',')}\n`).join(''), 'utf8');

          const rendered = await render(input, kinds, cuts, { lineEnding, neutraliseFormulas: true });

          const newline = lineEnding === 'crlf' ? '\r\n' : '\n';
          const expected = [
            kinds.map((_kind, index) => `c${index}`),
            ...rows.map((row) => row.map((value, index) => expectedCell(value, kinds[index]))),
          ];
          expect(parseCsv(rendered.text, newline)).toEqual(expected);
          expect(rendered.rows).toBe(rows.length);
          expect(rendered.bytes).toBe(Buffer.byteLength(rendered.text));
          const whole = await render(input, kinds, [], { lineEnding, neutraliseFormulas: true });
          expect(rendered.text).toBe(whole.text);
        },
      ),
      RUNS,
    );
  });

  it('passes every cell through unchanged but the timestamps when formulas are kept', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.array(fc.nat(), { maxLength: 4 }), async ({ kinds, rows }, cuts) => {
        const plainKinds = kinds.map((columnKind) => (columnKind === 'timestamp' ? 'plain' : columnKind));
        const input = Buffer.from(rows.map((row) => `${row.map(pgCell).join(',')}\n`).join(''), 'utf8');

        const rendered = await render(input, plainKinds, cuts, { lineEnding: 'lf', neutraliseFormulas: false });

        expect(rendered.text.slice(rendered.text.indexOf('\n') + 1)).toBe(input.toString('utf8'));
      }),
      RUNS,
    );
  });

  it('fails input that is not PostgreSQL CSV with a CsvFormatError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(kind, { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (kinds, bytes, cuts) => {
          const outcome = await render(Buffer.from(bytes), kinds, cuts, {
            lineEnding: 'crlf',
            neutraliseFormulas: true,
          })
            .then(() => 'rendered')
            .catch((error: unknown) => error);

          if (outcome !== 'rendered') expect(outcome).toBeInstanceOf(CsvFormatError);
        },
      ),
      RUNS,
    );
  });
});
