import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's BatchWriteItem limit. */
const BATCH_SIZE = 25;

export interface BatchPutOptions {
  /** Rounds of retrying unprocessed items before giving up. @default 8 */
  readonly maxRetries?: number;
  /** Waits between rounds (exponential backoff from this base). @default 50 */
  readonly backoffMs?: number;
}

/**
 * Writes items with BatchWrite in chunks of 25, retrying unprocessed items with backoff (they
 * come back when the table throttles); throws when some are still unprocessed after the retries.
 */
export async function batchPutMessages(
  documents: DynamoDBDocumentClient,
  tableName: string,
  items: readonly object[],
  { maxRetries = 8, backoffMs = 50 }: BatchPutOptions = {},
): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH_SIZE) {
    let requests = items
      .slice(start, start + BATCH_SIZE)
      .map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > maxRetries) {
        throw new Error(
          `BatchWrite to ${tableName}: ${requests.length} items still unprocessed after ${maxRetries} retries`,
        );
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
      const result = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}
