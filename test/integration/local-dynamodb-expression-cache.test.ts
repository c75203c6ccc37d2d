import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createJobStatusTable } from '../../local/job-status-table';
import { dynamoClient, uniqueName } from '../support/services';

/**
 * The local DynamoDB reuses parsed expressions across requests (local/services/dynalite-expression-cache.ts).
 * A request that reuses an expression must be answered as if it were parsed afresh: its own
 * values, its own names, dynalite's own errors.
 */
describe('expressions reused by the local DynamoDB', () => {
  let client: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  let table: string;
  const key = (sk: string) => ({ pk: 'cache', sk });
  const item = async (sk: string) =>
    (await db.send(new GetCommand({ TableName: table, Key: key(sk), ConsistentRead: true }))).Item;
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: Error) => `${error.name}: ${error.message}`,
    );

  beforeAll(async () => {
    client = dynamoClient();
    db = DynamoDBDocumentClient.from(client);
    table = uniqueName('expr-cache');
    await createJobStatusTable(client, table);
  });
  afterAll(() => client.destroy());

  it('checks a repeated condition against each request’s own values', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { ...key('cond'), owner: 'a' } }));
    const takeOver = (expected: string, next: string) =>
      refusal(
        db.send(
          new PutCommand({
            TableName: table,
            Item: { ...key('cond'), owner: next },
            ConditionExpression: '#owner = :expected',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':expected': expected },
          }),
        ),
      );

    expect(await takeOver('a', 'b')).toBe('accepted');
    expect(await takeOver('a', 'c')).toMatch(/^ConditionalCheckFailedException/);
    expect(await takeOver('b', 'c')).toBe('accepted');
    expect(await item('cond')).toMatchObject({ owner: 'c' });
  });

  it('writes each request’s own values and names through a repeated update', async () => {
    const set = (name: string, value: number) =>
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: key('update'),
          UpdateExpression: 'SET #field = :value',
          ExpressionAttributeNames: { '#field': name },
          ExpressionAttributeValues: { ':value': value },
        }),
      );

    await set('first', 1);
    await set('first', 2);
    await set('second', 3);

    expect(await item('update')).toMatchObject({ first: 2, second: 3 });
  });

  it('counts a value as used by a repeated condition even when the update beside it no longer uses it', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { ...key('unused'), n: 0 } }));
    const update = (updateExpression: string, values: Record<string, unknown>) =>
      refusal(
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: key('unused'),
            UpdateExpression: updateExpression,
            ConditionExpression: 'n <> :x',
            ExpressionAttributeValues: values,
          }),
        ),
      );

    // The first parse of the condition meets :x already used by the update.
    expect(await update('SET n = :x', { ':x': 1 })).toBe('accepted');
    expect(await update('SET m = :z', { ':x': 2, ':z': 'z' })).toBe('accepted');
    expect(await update('SET m = :z', { ':x': 2, ':z': 'z', ':spare': 'no' })).toBe(
      'ValidationException: Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}',
    );
  });

  it('reports a value of the wrong type in an expression it has parsed before', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { ...key('types'), n: 1 } }));
    const add = (one: unknown) =>
      refusal(
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: key('types'),
            UpdateExpression: 'SET n = n + :one',
            ExpressionAttributeValues: { ':one': one },
          }),
        ),
      );

    expect(await add(1)).toBe('accepted');
    expect(await add('1')).toBe(
      'ValidationException: Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S',
    );
    expect(await item('types')).toMatchObject({ n: 2 });
  });

  it('checks the bounds of a repeated BETWEEN for each request', async () => {
    await db.send(new PutCommand({ TableName: table, Item: { ...key('between'), n: 5 } }));
    const within = (low: number, high: number) =>
      refusal(
        db.send(
          new UpdateCommand({
            TableName: table,
            Key: key('between'),
            UpdateExpression: 'SET checked = :yes',
            ConditionExpression: 'n BETWEEN :low AND :high',
            ExpressionAttributeValues: { ':low': low, ':high': high, ':yes': true },
          }),
        ),
      );

    expect(await within(1, 9)).toBe('accepted');
    expect(await within(9, 1)).toMatch(
      /^ValidationException: Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound/,
    );
  });
});
