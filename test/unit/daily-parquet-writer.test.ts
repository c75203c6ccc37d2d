import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { MESSAGE_COLUMNS } from '../../contracts/analytics-messages';
import { dailyParquetPayload } from '../../lambdas/daily-parquet/daily-parquet-job';
import { parseTargetDate, sliceRanges } from '../../lambdas/daily-parquet/jst-day';
import { toMessageRow } from '../../lambdas/daily-parquet/message-row';
import { type CellValue, ParquetFileWriter } from '../../lambdas/daily-parquet/parquet-file-writer';

async function writeParquet(rows: Record<string, CellValue>[], rowGroupRows: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const writer = new ParquetFileWriter(MESSAGE_COLUMNS, async (chunk) => void chunks.push(chunk), { rowGroupRows });
  await writer.open();
  for (const row of rows) await writer.append(row);
  const { bytes } = await writer.close();
  const file = Buffer.concat(chunks);
  expect(file.length).toBe(bytes);
  return file;
}

async function readWithDuckDb(file: Buffer, sql: string): Promise<Record<string, unknown>[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parquet-writer-'));
  try {
    await writeFile(path.join(dir, 'f.parquet'), file);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(sql.replaceAll('$FILE', path.join(dir, 'f.parquet')));
    connection.closeSync();
    instance.closeSync();
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the daily-parquet Parquet writer', () => {
  it('writes values DuckDB reads back exactly, across row groups, with nulls, emoji and 64-bit integers', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({
      message_id: `m${i}`,
      text: i % 7 === 0 ? undefined : `こんにちは 🍣 ${i}`,
      created_at: new Date(Date.UTC(2025, 7, 10, 15) + i),
      tokens: i === 1 ? -(2 ** 40) : i === 2 ? Number.MAX_SAFE_INTEGER : i,
    }));

    const file = await writeParquet(rows, 1_000);

    const [summary] = await readWithDuckDb(
      file,
      `SELECT count(*) AS n, count(text) AS texts, max(tokens) AS big, min(tokens) AS small,
              strftime(max(created_at), '%Y-%m-%dT%H:%M:%S.%g') AS last, count(sender) AS senders FROM '$FILE'`,
    );
    expect(summary).toEqual({
      n: '2500',
      texts: String(2_500 - Math.ceil(2_500 / 7)),
      big: String(Number.MAX_SAFE_INTEGER),
      small: String(-(2 ** 40)),
      last: '2025-08-10T15:00:02.499',
      senders: '0',
    });
    expect(await readWithDuckDb(file, "SELECT text FROM '$FILE' WHERE message_id = 'm8'")).toEqual([
      { text: 'こんにちは 🍣 8' },
    ]);
    const groups = await readWithDuckDb(
      file,
      "SELECT DISTINCT row_group_id, compression FROM parquet_metadata('$FILE') ORDER BY 1",
    );
    expect(groups).toEqual([0, 1, 2].map((id) => ({ row_group_id: String(id), compression: 'SNAPPY' })));
  });

  it('keeps strings exact whether ASCII, long, or turning non-ASCII part way', async () => {
    const texts = ['', 'plain', 'x'.repeat(65), `${'y'.repeat(70)}é`, 'abc🍣def', 'ascii then かな', '\u007f\u0080'];
    const rows = texts.map((text, i) => ({ message_id: `m${i}`, text }));

    const file = await writeParquet(rows, 1_000);

    const read = await readWithDuckDb(file, "SELECT text FROM '$FILE' ORDER BY message_id");
    expect(read.map((row) => row.text)).toEqual(texts);
  });

  it('dictionary-encodes repeating strings and falls back to PLAIN mid row group, with exact values either way', async () => {
    const senders = ['user', 'assistant', 'システム'];
    const rows = Array.from({ length: 3_000 }, (_, i) => ({
      message_id: `m${String(i).padStart(4, '0')}`,
      conversation_id: `c${i % 1_000}`,
      sender: i % 5 === 0 ? undefined : senders[i % 3],
      text: i % 997 === 0 ? `t${i}` : undefined,
    }));

    const file = await writeParquet(rows, 2_500);

    const read = await readWithDuckDb(file, "SELECT message_id, conversation_id, sender, text FROM '$FILE'");
    expect(read).toEqual(rows.map((row) => ({ ...row, sender: row.sender ?? null, text: row.text ?? null })));
    const encodings = await readWithDuckDb(
      file,
      "SELECT path_in_schema AS col, encodings FROM parquet_metadata('$FILE') WHERE row_group_id = 0 ORDER BY column_id",
    );
    expect(encodings.slice(0, 4)).toEqual([
      { col: 'message_id', encodings: 'PLAIN, RLE' },
      { col: 'conversation_id', encodings: 'PLAIN_DICTIONARY, RLE' },
      { col: 'sender', encodings: 'PLAIN_DICTIONARY, RLE' },
      { col: 'text', encodings: 'PLAIN_DICTIONARY, RLE' },
    ]);
  });

  it('writes a valid file with no rows', async () => {
    const file = await writeParquet([], 1_000);

    expect(await readWithDuckDb(file, "SELECT count(*) AS n FROM '$FILE'")).toEqual([{ n: '0' }]);
  });
});

describe('a created_at string as epoch milliseconds', () => {
  const createdAt = (raw: string) => toMessageRow({ created_at: raw }, []).row.created_at;

  it('agrees with Date.parse on any toISOString instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(createdAt(iso)).toBe(Date.parse(iso));
      }),
    );
  });

  it('agrees with Date.parse on odd but valid instants, and nulls the invalid ones', () => {
    for (const raw of [
      '2025-02-30T00:00:00.000Z',
      '2025-08-10T24:00:00.000Z',
      '2025-08-10T15:00Z',
      '2025-08-10T15:00:00+09:00',
    ])
      expect(createdAt(raw)).toBe(Date.parse(raw));
    for (const raw of [
      '2025-08-10T15:00:60.000Z',
      '2025-00-10T15:00:00.000Z',
      '2025-08-10 15:00:00.000Z',
      '２025-08-10T15:00:00.000Z',
    ])
      expect(createdAt(raw)).toBeUndefined();
  });
});

describe('a JST day as sort-key ranges', () => {
  it('starts at 15:00 UTC the day before and cuts the day into equal slices', () => {
    expect(sliceRanges('2025-08-11', 2)).toEqual([
      { index: 0, fromSortKey: '2025-08-10T15:00:00.000Z', toSortKey: '2025-08-11T03:00:00.000Z' },
      { index: 1, fromSortKey: '2025-08-11T03:00:00.000Z', toSortKey: '2025-08-11T15:00:00.000Z' },
    ]);
  });

  it('refuses dates that are not on the calendar', () => {
    expect(() => parseTargetDate('2025-02-29')).toThrow('"2025-02-29" is not a calendar date');
    expect(() => parseTargetDate('0099-02-29')).toThrow('"0099-02-29" is not a calendar date');
    expect(() => parseTargetDate('20250811')).toThrow('is not a date like 2025-08-11');
  });

  it('reads years 0000-0099 as themselves, not as 1900-1999', () => {
    expect(new Date(parseTargetDate('0050-01-01').startMs + 9 * 3_600_000).toISOString()).toBe(
      '0050-01-01T00:00:00.000Z',
    );
    expect(() => parseTargetDate('0096-02-29')).not.toThrow();
  });

  it('refuses a target_date before the first day the analytics table shows, saying so', () => {
    const result = dailyParquetPayload.safeParse({ target_date: '0025-08-11' });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      '"0025-08-11" is before 2024-01-01, the first day the analytics table shows',
    ]);
    expect(dailyParquetPayload.safeParse({ target_date: '2024-01-01' }).success).toBe(true);
  });
});
