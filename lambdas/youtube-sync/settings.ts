import { z } from 'zod';
import { formatIssues } from '#shared/job-runner';

/**
 * JOB_SETTINGS of youtube-sync (`jobSettings["youtube-sync"]` in cdk.json) and its payload.
 * Channels are channel ids (`UC` + 22 characters) or `@handles`; locally YOUTUBE_CHANNELS (comma list)
 * stands in when the settings name none.
 */

const CHANNEL_ID = /^UC[A-Za-z0-9_-]{22}$/;
const HANDLE = /^@[\p{L}\p{N}._\-\u00b7]{3,30}$/u;

export const channelRef = z
  .string()
  .trim()
  .refine((value) => CHANNEL_ID.test(value) || HANDLE.test(value), 'a channel id (UC + 22 characters) or an @handle');

export const youtubeSyncSettings = z.strictObject({
  channels: z.array(channelRef).max(1000).default([]),
  /** Units one run may spend (the project's daily quota is 10,000 by default). */
  quotaBudget: z.number().int().min(1).max(1_000_000).default(3000),
  /** Channels fetched at once (each channel's calls are sequential). */
  concurrency: z.number().int().min(1).max(16).default(4),
  requestTimeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(10).default(5),
      baseDelayMs: z.number().int().min(0).max(60_000).default(1000),
      maxDelayMs: z.number().int().min(0).max(300_000).default(20_000),
    })
    .default({ attempts: 5, baseDelayMs: 1000, maxDelayMs: 20_000 }),
});
export type YoutubeSyncSettings = z.infer<typeof youtubeSyncSettings>;

export function parseSettings(env: NodeJS.ProcessEnv): YoutubeSyncSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(env.JOB_SETTINGS || '{}');
  } catch (error) {
    throw new Error(`JOB_SETTINGS is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = youtubeSyncSettings.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid settings: ${formatIssues(parsed.error, 'JOB_SETTINGS')}`);
  const settings = parsed.data;
  if (settings.channels.length === 0 && env.YOUTUBE_CHANNELS) {
    const fromEnv = z.array(channelRef).safeParse(
      env.YOUTUBE_CHANNELS.split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
    if (!fromEnv.success) throw new Error(`invalid ${formatIssues(fromEnv.error, 'YOUTUBE_CHANNELS')}`);
    return { ...settings, channels: fromEnv.data };
  }
  return settings;
}

export const youtubeSyncPayload = z
  .strictObject({
    /** Sync these instead of the configured channels. */
    channels: z.array(channelRef).min(1).max(1000).optional(),
    /** Reload a run's stored CSVs into PostgreSQL without calling the API. */
    replay_run: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a run id (letters, digits, _ and -)')
      .optional(),
  })
  .refine((payload) => !(payload.channels && payload.replay_run), {
    message: 'give either channels or replay_run, not both',
    path: ['replay_run'],
  });
export type YoutubeSyncPayload = z.infer<typeof youtubeSyncPayload>;
