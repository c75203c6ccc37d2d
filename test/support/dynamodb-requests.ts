import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts every request a DynamoDB client sends, at the wire: the middleware sits below the SDK's
 * retry step, so each retry counts too. It also asks every request for its consumed capacity and
 * adds up the request units the store reports (ReturnConsumedCapacity; dynalite reports them too).
 */
export interface DynamoDbRequestCount {
  requests: number;
  /** Operation name → requests, e.g. `{ GetItemCommand: 1, PutItemCommand: 1, TransactWriteItemsCommand: 1 }`. */
  byOperation: Record<string, number>;
  /** Read and write request units together, as reported. */
  capacityUnits: number;
  reset(): void;
}

type Capacity = { CapacityUnits?: number };

export function countDynamoDbRequests(client: DynamoDBClient): DynamoDbRequestCount {
  const count: DynamoDbRequestCount = {
    requests: 0,
    byOperation: {},
    capacityUnits: 0,
    reset() {
      count.requests = 0;
      count.byOperation = {};
      count.capacityUnits = 0;
    },
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity ??= 'TOTAL';
      return next(args);
    },
    { step: 'initialize', name: 'askForConsumedCapacity' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      count.requests += 1;
      const operation = context.commandName ?? 'unknown';
      count.byOperation[operation] = (count.byOperation[operation] ?? 0) + 1;
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      for (const entry of [consumed ?? []].flat()) count.capacityUnits += entry.CapacityUnits ?? 0;
      return result;
    },
    // Below the retry middleware (finalizeRequest): once per attempt sent.
    { step: 'deserialize', priority: 'high', name: 'countDynamoDbRequests' },
  );
  return count;
}
