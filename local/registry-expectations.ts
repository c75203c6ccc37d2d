import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseBuiltInExpectations } from '../lambdas/job-watchdog/built-in-expectations';
import { syncBuiltInExpectations } from '../lambdas/job-watchdog/watch-expectations';
import { JobStatusStore } from '../lambdas/shared/job-status-store';

/**
 * The registry's expectations, stored when `npm start` starts: every built-in job is on the status
 * page (未実行, with its next run) from the first start, not only after the watchdog's first run five
 * minutes later. The same sync the watchdog runs, so the two never disagree. On AWS, `ops smoke`
 * runs the watchdog right after each deploy, which does the same there.
 */
export async function storeRegistryExpectations(
  client: DynamoDBClient,
  tableName: string,
  builtInExpectations: string,
): Promise<number> {
  const store = new JobStatusStore(DynamoDBDocumentClient.from(client), tableName);
  const stored = await syncBuiltInExpectations(store, parseBuiltInExpectations(builtInExpectations));
  return stored.filter((expectation) => expectation.source === 'registry').length;
}
