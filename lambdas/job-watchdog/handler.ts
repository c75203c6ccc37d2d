import { createScheduledHandler } from '#shared/job-runner';
import { createWatchdogJob, watchdogPortsFromEnv } from './watchdog-job';

let ports: ReturnType<typeof watchdogPortsFromEnv> | undefined;

/** Ports are built on the first run, so importing the handler (local mode, `npm run invoke`) needs no environment yet. */
export const handler = createScheduledHandler(createWatchdogJob(() => (ports ??= watchdogPortsFromEnv())));
