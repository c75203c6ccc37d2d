import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ExactNumber, readDynamoNumber } from '../../lambdas/daily-parquet/dynamo-json';
import { toMessageRow } from '../../lambdas/daily-parquet/message-row';

const KEYS = ['tenant_id', 'sk'] as const;
/** An item as the job's document client returns it (aws-ports.ts: wrapNumbers = readDynamoNumber). */
const fromDynamo = (item: Parameters<typeof unmarshall>[0]) => unmarshall(item, { wrapNumbers: readDynamoNumber });

describe('a message item as a row', () => {
  it('keeps schema attributes in their columns and the rest as JSON in extra, without the key attributes', () => {
    const { row, invalid } = toMessageRow(
      {
        tenant_id: 't',
        sk: '2025-08-11T01:00:00.000Z#1',
        message_id: '1',
        created_at: '2025-08-11T01:00:00.000Z',
        tokens: 3,
        metadata: { a: new Set(['x']) },
        lang: 'ja',
      },
      KEYS,
    );

    expect(invalid).toBe(0);
    expect(row).toEqual({
      message_id: '1',
      created_at: Date.parse('2025-08-11T01:00:00.000Z'),
      tokens: 3,
      extra: '{"metadata":{"a":["x"]},"lang":"ja"}',
    });
  });

  it('nulls a value of the wrong type, keeps it raw in the invalid column and counts it', () => {
    const { row, invalid } = toMessageRow({ message_id: 7, created_at: '2025-13-45', tokens: 2.5 }, []);

    expect(invalid).toBe(3);
    expect(row).toEqual({ invalid: '{"message_id":7,"created_at":"2025-13-45","tokens":2.5}' });
  });

  it('never writes bookkeeping over an attribute of the same name', () => {
    const { row } = toMessageRow({ message_id: 'm', tokens: 'many', _invalid: 'mine', invalid: 'also mine' }, []);

    expect(JSON.parse(row.extra as string)).toEqual({ _invalid: 'mine', invalid: 'also mine' });
    expect(JSON.parse(row.invalid as string)).toEqual({ tokens: 'many' });
  });
});

describe('what the sort key holds', () => {
  it('gives created_at and message_id to an item that lacks them, and is then left out', () => {
    const { row, invalid } = toMessageRow({ tenant_id: 't', sk: '2025-08-11T01:02:03.456Z#m-1#x', text: 'hi' }, KEYS);

    expect(invalid).toBe(0);
    expect(row).toEqual({ message_id: 'm-1#x', created_at: Date.parse('2025-08-11T01:02:03.456Z'), text: 'hi' });
  });

  it('stands in for invalid values, which stay in the invalid column', () => {
    const { row, invalid } = toMessageRow(
      { sk: '2025-08-11T01:02:03.456Z#m-1', message_id: 42, created_at: 'yesterday' },
      KEYS,
    );

    expect(invalid).toBe(2);
    expect(row).toEqual({
      message_id: 'm-1',
      created_at: Date.parse('2025-08-11T01:02:03.456Z'),
      invalid: '{"message_id":42,"created_at":"yesterday"}',
    });
  });

  it('stays in extra when the columns do not spell it exactly', () => {
    const differs = toMessageRow(
      { sk: '2025-08-11T01:00:00.000Z#m1', message_id: 'other', created_at: '2025-08-11T01:00:00.000Z' },
      KEYS,
    );
    const noSeparator = toMessageRow({ sk: '2025-08-11T01:00:00.000Z' }, KEYS);
    const notText = toMessageRow({ sk: 5, message_id: 'm' }, KEYS);

    expect(differs.row).toMatchObject({ message_id: 'other', extra: '{"sk":"2025-08-11T01:00:00.000Z#m1"}' });
    expect(noSeparator.row).toEqual({
      created_at: Date.parse('2025-08-11T01:00:00.000Z'),
      extra: '{"sk":"2025-08-11T01:00:00.000Z"}',
    });
    expect(notText.row).toEqual({ message_id: 'm', extra: '{"sk":5}' });
  });
});

describe('DynamoDB numbers', () => {
  it('stay numbers when a double reproduces their text, and keep their text otherwise', () => {
    expect(readDynamoNumber('42')).toBe(42);
    expect(readDynamoNumber('-0.125')).toBe(-0.125);
    expect(readDynamoNumber('12345678901234567890123.5')).toEqual(new ExactNumber('12345678901234567890123.5'));
    expect(readDynamoNumber('0.1000000000000000055511151231257827')).toBeInstanceOf(ExactNumber);
    expect(readDynamoNumber('9007199254740993')).toBeInstanceOf(ExactNumber);
  });

  it('are written digit for digit in extra, and one too large for tokens is null there and exact in invalid', () => {
    const item = fromDynamo({
      sk: { S: '2025-08-11T01:00:00.000Z#m1' },
      tokens: { N: '12345678901234567890123.5' },
      amount: { N: '-99999999999999999999999999999999999999' },
      ratios: { NS: ['0.1000000000000000055511151231257827', '2'] },
      small: { N: '0.5' },
    });

    const { row, invalid } = toMessageRow(item, KEYS);

    expect(invalid).toBe(1);
    expect(row.tokens).toBeUndefined();
    expect(row.invalid).toBe('{"tokens":12345678901234567890123.5}');
    expect(row.extra).toBe(
      '{"amount":-99999999999999999999999999999999999999,"ratios":[0.1000000000000000055511151231257827,2],"small":0.5}',
    );
  });

  it('fill tokens when they are whole and within 2^53, whatever their text', () => {
    expect(toMessageRow({ tokens: new ExactNumber('-0') }, []).row).toEqual({ tokens: 0 });
    expect(toMessageRow({ tokens: new ExactNumber('9007199254740991') }, []).row).toEqual({
      tokens: 9007199254740991,
    });
  });
});

describe('every DynamoDB attribute type', () => {
  it('goes to extra as JSON: S, N, B, BOOL, NULL, M, L, SS, NS, BS', () => {
    const item = fromDynamo({
      s: { S: 'テキスト' },
      n: { N: '1.5' },
      b: { B: Uint8Array.from([0, 255]) },
      bool: { BOOL: true },
      nul: { NULL: true },
      m: { M: { inner: { L: [{ N: '1' }, { S: 'x' }] } } },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
      bs: { BS: [Uint8Array.from([1])] },
    });

    expect(JSON.parse(toMessageRow(item, KEYS).row.extra as string)).toEqual({
      s: 'テキスト',
      n: 1.5,
      b: 'AP8=',
      bool: true,
      nul: null,
      m: { inner: [1, 'x'] },
      ss: ['a', 'b'],
      ns: [1, 2],
      bs: ['AQ=='],
    });
  });

  it('of the wrong kind for a column is null there and raw in invalid', () => {
    const item = fromDynamo({
      text: { B: Uint8Array.from([1, 2]) },
      sender: { SS: ['a'] },
      conversation_id: { BOOL: false },
      tokens: { M: { n: { N: '1' } } },
      created_at: { L: [] },
      message_id: { NULL: true },
    });

    const { row, invalid } = toMessageRow(item, KEYS);

    expect(invalid).toBe(5);
    expect(JSON.parse(row.invalid as string)).toEqual({
      conversation_id: false,
      sender: ['a'],
      text: 'AQI=',
      created_at: [],
      tokens: { n: 1 },
    });
  });
});
