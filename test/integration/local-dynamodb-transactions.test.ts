import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/** TransactWriteItems as local mode's dynalite answers it (local/services/dynamodb-transactions.ts). */
describe('TransactWriteItems on the local DynamoDB', () => {
  let client: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  let table: string;
  let other: string;
  const get = async (tableName: string, sk: string) =>
    (await db.send(new GetCommand({ TableName: tableName, Key: { pk: 'p', sk }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    client = dynamoClient();
    db = DynamoDBDocumentClient.from(client);
    table = uniqueName('tx');
    other = uniqueName('tx-other');
    await Promise.all([createJobStatusTable(client, table), createJobStatusTable(client, other)]);
  });
  afterAll(() => client.destroy());

  it('applies every action across two tables, or none when one condition fails', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'counter', n: 1 } }));
    const actions = (expected: number) => [
      { Put: { TableName: table, Item: { pk: 'p', sk: 'a', v: expected } } },
      {
        Update: {
          TableName: table,
          Key: { pk: 'p', sk: 'counter' },
          UpdateExpression: 'SET n = n + :one',
          ConditionExpression: 'n = :expected',
          ExpressionAttributeValues: { ':one': 1, ':expected': expected },
        },
      },
      { Put: { TableName: other, Item: { pk: 'p', sk: 'b', v: expected } } },
    ];

    await db.send(new TransactWriteCommand({ TransactItems: actions(1) }));
    const refused = await db.send(new TransactWriteCommand({ TransactItems: actions(1) })).catch((error) => error);

    expect(await get(table, 'counter')).toMatchObject({ n: 2 });
    expect(await get(other, 'b')).toMatchObject({ v: 1 });
    expect(refused).toBeInstanceOf(TransactionCanceledException);
    expect((refused as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(await get(table, 'a')).toMatchObject({ v: 1 });
  });

  it('returns the item that failed its condition when asked (ReturnValuesOnConditionCheckFailure)', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'lease', owner: 'first' } }));

    const refused = (await db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { pk: 'p', sk: 'lease', owner: 'second' },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      )
      .catch((error) => error)) as TransactionCanceledException;

    expect(refused.CancellationReasons?.[0]).toMatchObject({
      Code: 'ConditionalCheckFailed',
      Item: { owner: { S: 'first' } },
    });
    expect(await get(table, 'lease')).toMatchObject({ owner: 'first' });
  });

  it('refuses two actions on one item, as DynamoDB does', async () => {
    const twice = db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'p', sk: 'same' } } },
          { Delete: { TableName: table, Key: { pk: 'p', sk: 'same' } } },
        ],
      }),
    );

    await expect(twice).rejects.toThrow('Transaction request cannot include multiple operations on one item');
    expect(await get(table, 'same')).toBeUndefined();
  });

  it('answers a repeated client request token as the first time, without applying it again', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'p', sk: 'idempotent', n: 0 } }));
    const increment = {
      ClientRequestToken: uniqueName('token'),
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: { pk: 'p', sk: 'idempotent' },
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    };

    await db.send(new TransactWriteCommand(increment));
    await db.send(new TransactWriteCommand(increment));

    expect(await get(table, 'idempotent')).toMatchObject({ n: 1 });
  });

  it('is never seen half applied by a write racing it, however they interleave', async () => {
    const set = (sk: string, value: number, expected?: number) => ({
      TableName: table,
      Key: { pk: 'p', sk },
      UpdateExpression: 'SET n = :value',
      ...(expected === undefined ? {} : { ConditionExpression: 'n = :expected' }),
      ExpressionAttributeValues: { ':value': value, ...(expected === undefined ? {} : { ':expected': expected }) },
    });
    for (let round = 0; round < 20; round += 1) {
      await Promise.all(['race-a', 'race-b'].map((sk) => db.send(new UpdateCommand(set(sk, 0)))));
      const transaction = db
        .send(
          new TransactWriteCommand({
            TransactItems: [{ Update: set('race-a', 1, 0) }, { Update: set('race-b', 1, 0) }],
          }),
        )
        .then(
          () => 'applied',
          (error) => (error instanceof TransactionCanceledException ? 'cancelled' : `failed: ${error}`),
        );
      const racer = new Promise((resolve) => setTimeout(resolve, round % 4)).then(() =>
        db.send(new UpdateCommand(set('race-b', 2, 0))).catch(() => undefined),
      );
      const [outcome] = await Promise.all([transaction, racer]);
      const state = [(await get(table, 'race-a'))?.n, (await get(table, 'race-b'))?.n];

      expect({ round, outcome, state }).toEqual({
        round,
        outcome,
        state: outcome === 'applied' ? [1, 1] : [0, 2],
      });
    }
  });

  it('reports two write units per KB of each item, per table', async () => {
    const result = await db.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'p', sk: 'units-1' } } },
          { Put: { TableName: table, Item: { pk: 'p', sk: 'units-2', text: 'x'.repeat(1500) } } },
          { Put: { TableName: other, Item: { pk: 'p', sk: 'units-3' } } },
        ],
      }),
    );

    expect(result.ConsumedCapacity).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ TableName: table, CapacityUnits: 6 }),
        expect.objectContaining({ TableName: other, CapacityUnits: 2 }),
      ]),
    );
  });
});
