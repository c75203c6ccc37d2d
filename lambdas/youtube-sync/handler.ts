import { createScheduledHandler } from '#shared/job-runner';
import { youtubeSyncJob } from './youtube-sync-job';

/** Lambda entry of youtube-sync: the shared runner with the real ports (YouTube API, PostgreSQL, S3, Secrets Manager). */
export const handler = createScheduledHandler(youtubeSyncJob);
