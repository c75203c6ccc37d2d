import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '#shared/logger';
import { demoSeedSettings, seedDemoDays } from './seed-demo-messages';

/** Deploy-time Trigger of stages with `dailyParquet.demoMessages`: yesterday's and the day before's demo messages. */
const logger = createLogger('daily-parquet-demo-messages');
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async () => {
  const result = await seedDemoDays(documents, demoSeedSettings(process.env), new Date());
  logger.info('demo messages written', { ...result });
  return result;
};
