import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { jstDateOffset } from '#shared/jst-time';
import { batchPutMessages } from './batch-put-messages';
import { demoMessages } from './demo-messages';
import { tenantListSchema } from './settings';

/** Yesterday and the day before (JST): the days the dev stage's first daily-parquet runs and backfills find data for. */
export const DEPLOY_DEMO_DAYS = [-1, -2] as const;

const envSchema = z.object({
  MESSAGES_TABLE: z.string().min(1, 'required: the DynamoDB messages table'),
  /** daily-parquet's own TENANT_ID parsing, so the seeded tenants are the ones the job reads. */
  TENANT_ID: tenantListSchema,
});

export interface DemoSeedSettings {
  readonly tableName: string;
  readonly tenants: readonly string[];
}

/** Reads the seeder's environment; every problem names the variable. */
export function demoSeedSettings(env: NodeJS.ProcessEnv): DemoSeedSettings {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid demo-message settings: ${problems.join('; ')}`);
  }
  return { tableName: result.data.MESSAGES_TABLE, tenants: result.data.TENANT_ID };
}

export interface DemoSeedResult {
  /** JST days written, newest first. */
  readonly days: string[];
  readonly items: number;
}

/** Writes the demo messages of the JST days `dayOffsets` from `now` (e.g. -1 = yesterday); the same day again overwrites the same keys. */
export async function seedDemoDays(
  documents: DynamoDBDocumentClient,
  settings: DemoSeedSettings,
  now: Date,
  dayOffsets: readonly number[] = DEPLOY_DEMO_DAYS,
): Promise<DemoSeedResult> {
  const days = dayOffsets.map((offset) => jstDateOffset(now, offset));
  const items = days.flatMap((day) => demoMessages(settings.tenants, day));
  await batchPutMessages(documents, settings.tableName, items);
  return { days, items: items.length };
}
