import { z } from 'zod';

/**
 * daily-parquet's configuration: resources and tenants from the environment (set by the jobs
 * stack, or by hand for `npm run invoke`), tuning from JOB_SETTINGS (`jobSettings["daily-parquet"]`).
 * Every problem names the variable or field.
 */

const tenantId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -');

/** `TENANT_ID`: the original daily batch's comma list, default `default_tenant` (the demo seeder reads it too). */
export const tenantListSchema = z
  .string()
  .default('default_tenant')
  .transform((list) =>
    list
      .split(',')
      .map((tenant) => tenant.trim())
      .filter(Boolean),
  )
  .pipe(z.array(tenantId).min(1, 'at least one tenant'));

const jobSettingsSchema = z.strictObject({
  /** Tenants written at the same time. */
  tenantConcurrency: z.number().int().min(1).max(32).optional(),
  /** Time slices one tenant-day is read in (parallel Queries on sort-key ranges). */
  slicesPerDay: z.number().int().min(1).max(96).optional(),
  /** Slices of one tenant read at the same time. */
  sliceConcurrency: z.number().int().min(1).max(32).optional(),
  /** Rows per Parquet row group: the unit held in memory. */
  rowGroupRows: z.number().int().min(1_000).max(1_000_000).optional(),
  /** A slice starts a new part after this many rows. */
  maxRowsPerFile: z.number().int().min(1_000).optional(),
});

const envSchema = z.object({
  MESSAGES_TABLE: z.string().min(1, 'required: the DynamoDB messages table'),
  ANALYTICS_BUCKET: z.string().min(1, 'required: the S3 bucket for the Parquet files'),
  MESSAGES_PARTITION_KEY: z.string().min(1).default('tenant_id'),
  MESSAGES_SORT_KEY: z.string().min(1).default('sk'),
  TENANT_ID: tenantListSchema,
  TARGET_DATE_OFFSET: z
    .string()
    .regex(/^-?\d+$/, 'a whole number of days, e.g. -1')
    .default('-1')
    .transform(Number),
  JOB_SETTINGS: z.string().default('{}'),
});

export interface DailyParquetSettings {
  messagesTable: string;
  analyticsBucket: string;
  keyAttributes: readonly [string, string];
  tenants: string[];
  targetDateOffset: number;
  tenantConcurrency: number;
  slicesPerDay: number;
  sliceConcurrency: number;
  rowGroupRows: number;
  maxRowsPerFile: number;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** `env.TARGET_DATE_OFFSET: a whole number of days, e.g. -1`, one per problem. */
function formatIssues(error: z.ZodError, root: string): string {
  return error.issues.map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ');
}

export function parseSettings(env: NodeJS.ProcessEnv): DailyParquetSettings {
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) throw new SettingsError(formatIssues(parsedEnv.error, 'env'));
  const { data } = parsedEnv;
  let json: unknown;
  try {
    json = JSON.parse(data.JOB_SETTINGS.trim() || '{}');
  } catch (error) {
    throw new SettingsError(`JOB_SETTINGS: not valid JSON (${(error as Error).message})`);
  }
  const parsed = jobSettingsSchema.safeParse(json);
  if (!parsed.success) throw new SettingsError(formatIssues(parsed.error, 'JOB_SETTINGS'));
  return {
    messagesTable: data.MESSAGES_TABLE,
    analyticsBucket: data.ANALYTICS_BUCKET,
    keyAttributes: [data.MESSAGES_PARTITION_KEY, data.MESSAGES_SORT_KEY],
    tenants: data.TENANT_ID,
    targetDateOffset: data.TARGET_DATE_OFFSET,
    tenantConcurrency: parsed.data.tenantConcurrency ?? 4,
    slicesPerDay: parsed.data.slicesPerDay ?? 1,
    sliceConcurrency: parsed.data.sliceConcurrency ?? 4,
    rowGroupRows: parsed.data.rowGroupRows ?? 50_000,
    maxRowsPerFile: parsed.data.maxRowsPerFile ?? 5_000_000,
  };
}
