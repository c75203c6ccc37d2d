import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HTTP_JOBS_TABLE } from '../lib/tables';
import { createKeyedTable } from './job-status-table';

/** Creates the HTTP jobs table from the definition the data stack deploys; an existing one is kept. */
export function createHttpJobsTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { kindIndex, ...keys } = HTTP_JOBS_TABLE;
  return createKeyedTable(client, tableName, { ...keys, index: kindIndex });
}
