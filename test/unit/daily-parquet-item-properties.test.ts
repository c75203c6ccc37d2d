import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { MESSAGE_COLUMNS } from '../../contracts/analytics-messages';
import { readDynamoNumber } from '../../lambdas/daily-parquet/dynamo-json';
import { toMessageRow } from '../../lambdas/daily-parquet/message-row';
import { ParquetFileWriter } from '../../lambdas/daily-parquet/parquet-file-writer';

/**
 * Any DynamoDB item becomes a row that DuckDB reads back, and nothing of it is lost: each schema
 * attribute is in its column or, raw, in `invalid` (counted); every other attribute is in `extra`
 * as JSON that says exactly what DynamoDB held; the sort key is left out only when the row spells
 * it. The converter never throws, so no item can fail its tenant. Items are generated as DynamoDB
 * sends them (AttributeValues, numbers as DynamoDB writes them: up to 38 digits, no needless
 * zeros) and unmarshalled as the job's document client does. Fixed seed, bounded runs.
 */
const RUNS = { seed: 20251118, numRuns: 40 };
const KEYS = ['tenant_id', 'sk'] as const;
const SCHEMA = MESSAGE_COLUMNS.filter((column) => column.type !== 'json');
const SCHEMA_NAMES = new Set(SCHEMA.map((column) => column.name));

/** A DynamoDB number's text: 1-38 significant digits, anywhere from 1e-130 to 1e125, no needless zeros. */
const dynamoNumber = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc
    .tuple(fc.boolean(), fc.stringMatching(/^[1-9]([0-9]{0,36}[1-9])?$/), fc.integer({ min: -130, max: 87 }))
    .map(([negative, digits, exponent]) => {
      // digits × 10^exponent, written out without an exponent.
      const point = digits.length + exponent;
      const text =
        point <= 0
          ? `0.${'0'.repeat(-point)}${digits}`
          : point >= digits.length
            ? digits + '0'.repeat(point - digits.length)
            : `${digits.slice(0, point)}.${digits.slice(point)}`;
      return negative ? `-${text}` : text;
    }),
);
const text = fc.string({ unit: 'binary', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 8 });
/** Names as they come, plus the ones that mean something to the job or to JavaScript. */
const attributeName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((name) => name !== '__proto__'),
  fc.constantFrom('_invalid', 'invalid', 'extra', 'metadata', 'constructor', 'toString', 'hasOwnProperty', '0'),
);
const { attribute } = fc.letrec<{ attribute: AttributeValue }>((tie) => ({
  attribute: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((S) => ({ S })),
    dynamoNumber.map((N) => ({ N })),
    bytes.map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    fc.uniqueArray(text, { minLength: 1, maxLength: 3 }).map((SS) => ({ SS })),
    fc.uniqueArray(dynamoNumber, { minLength: 1, maxLength: 3 }).map((NS) => ({ NS })),
    fc.array(bytes, { minLength: 1, maxLength: 2 }).map((BS) => ({ BS })),
    fc.array(tie('attribute'), { maxLength: 3 }).map((L) => ({ L })),
    fc.dictionary(attributeName, tie('attribute'), { maxKeys: 3 }).map((M) => ({ M })),
  ),
}));
const instant = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const sortKey = fc.oneof(
  fc.tuple(instant, text).map(([at, id]) => ({ S: `${at}#${id}` })),
  attribute,
);
/** A schema column holds its own kind most of the time, anything at all otherwise. */
const columnValue = (type: string) =>
  fc.oneof(
    type === 'timestamp'
      ? instant.map((S) => ({ S }))
      : type === 'bigint'
        ? fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => ({ N: String(n) }))
        : text.map((S) => ({ S })),
    attribute,
  );
const item = fc
  .tuple(
    fc.record(
      Object.fromEntries([['sk', sortKey], ...SCHEMA.map((column) => [column.name, columnValue(column.type)])]),
      { requiredKeys: [] },
    ),
    fc.dictionary(attributeName, attribute, { maxKeys: 4 }),
  )
  .map(([known, others]) => ({ tenant_id: { S: 't' }, ...others, ...known }) as Record<string, AttributeValue>);

/** What DynamoDB held, as JSON text, written from the AttributeValue itself (not from what the converter saw). */
function expectedJson(value: AttributeValue): string {
  if (value.S !== undefined) return JSON.stringify(value.S);
  if (value.N !== undefined) return value.N;
  if (value.B !== undefined) return JSON.stringify(Buffer.from(value.B).toString('base64'));
  if (value.BOOL !== undefined) return String(value.BOOL);
  if (value.NULL) return 'null';
  if (value.SS) return `[${value.SS.map((s) => JSON.stringify(s)).join(',')}]`;
  if (value.NS) return `[${value.NS.join(',')}]`;
  if (value.BS) return `[${value.BS.map((b) => JSON.stringify(Buffer.from(b).toString('base64'))).join(',')}]`;
  if (value.L) return `[${value.L.map(expectedJson).join(',')}]`;
  if (value.M) return expectedObject(Object.entries(value.M));
  throw new Error(`no value in ${JSON.stringify(value)}`);
}
const expectedObject = (entries: [string, AttributeValue][]) =>
  `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${expectedJson(value)}`).join(',')}}`;

async function writeAndRead(rows: Record<string, string | number | undefined>[]) {
  const chunks: Buffer[] = [];
  const writer = new ParquetFileWriter(MESSAGE_COLUMNS, async (chunk) => void chunks.push(chunk), {
    rowGroupRows: 1_000,
  });
  await writer.open();
  for (const row of rows) await writer.append(row);
  await writer.close();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'item-properties-'));
  try {
    await writeFile(path.join(dir, 'f.parquet'), Buffer.concat(chunks));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      `SELECT message_id, conversation_id, sender, text, epoch_ms(created_at) AS created_at, tokens, extra, invalid
       FROM '${path.join(dir, 'f.parquet')}'`,
    );
    connection.closeSync();
    instance.closeSync();
    return reader.getRowObjectsJson() as Record<string, string | null>[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('any DynamoDB item through the converter and the writer', () => {
  it('is a row DuckDB reads back, holding every value the item had', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), async (items) => {
        const converted = items.map((raw) => toMessageRow(unmarshall(raw, { wrapNumbers: readDynamoNumber }), KEYS));

        const read = await writeAndRead(converted.map((c) => c.row));

        expect(read).toHaveLength(items.length);
        items.forEach((raw, i) => {
          const back = read[i];
          const invalidNames: string[] = [];
          for (const column of SCHEMA) {
            const value = raw[column.name];
            if (value === undefined || value.NULL) continue;
            const safeInteger =
              value.N !== undefined && /^-?\d+$/.test(value.N) && Number.isSafeInteger(Number(value.N));
            const inColumn =
              column.type === 'string'
                ? value.S !== undefined && back[column.name] === value.S
                : column.type === 'timestamp'
                  ? value.S !== undefined && back.created_at === String(Date.parse(value.S))
                  : safeInteger && back.tokens === String(Number(value.N));
            // A string always fits a string column, a whole number within 2^53 always fits tokens.
            if (column.type === 'string' && value.S !== undefined) expect(inColumn).toBe(true);
            if (column.type === 'bigint' && safeInteger) expect(inColumn).toBe(true);
            if (!inColumn) invalidNames.push(column.name);
          }
          expect(converted[i].invalid).toBe(invalidNames.length);
          expect(back.invalid).toBe(
            invalidNames.length ? expectedObject(invalidNames.map((name) => [name, raw[name]])) : null,
          );

          const sk = raw.sk;
          const extraNames = Object.keys(raw).filter((name) => !SCHEMA_NAMES.has(name) && name !== 'tenant_id');
          const skInExtra = back.extra !== null && Object.hasOwn(JSON.parse(back.extra), 'sk');
          const expectedExtra = extraNames.filter((name) => name !== 'sk' || skInExtra);
          expect(back.extra).toBe(
            expectedExtra.length ? expectedObject(expectedExtra.map((name) => [name, raw[name]])) : null,
          );
          if (sk !== undefined && !expectedExtra.includes('sk')) {
            // Left out only when the row spells it: <created_at>#<message_id>.
            const separator = sk.S?.indexOf('#') ?? -1;
            expect(separator).toBeGreaterThan(0);
            expect(back.message_id).toBe(sk.S!.slice(separator + 1));
            expect(back.created_at).toBe(String(Date.parse(sk.S!.slice(0, separator))));
          }
        });
      }),
      RUNS,
    );
  }, 120_000);
});
