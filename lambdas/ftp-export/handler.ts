import { createScheduledHandler } from '#shared/job-runner';
import { ftpExportJob } from './ftp-export-job';

/** Lambda entry of ftp-export: the shared runner with the real ports (PostgreSQL, Secrets Manager, FTPS). */
export const handler = createScheduledHandler(ftpExportJob);
