import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where `npm start` keeps its data and tells other processes (`npm run invoke`) how to reach it. */
export const LOCAL_DIR = path.resolve(__dirname, '..', '.local');
export const LOCAL_ENV_FILE = path.join(LOCAL_DIR, 'env.json');

/** Names of the local resources, as the stacks name them for stage "local". */
export const LOCAL_RESOURCES = {
  jobStatusTable: 'nightshift-local-job-status',
  analyticsBucket: 'nightshift-local-analytics',
} as const;

/** The environment a running `npm start` published, or undefined when none is running. */
export function readRunningLocalEnv(): Record<string, string> | undefined {
  if (!existsSync(LOCAL_ENV_FILE)) return undefined;
  const published = JSON.parse(readFileSync(LOCAL_ENV_FILE, 'utf8')) as { pid: number; env: Record<string, string> };
  try {
    process.kill(published.pid, 0); // still alive?
    return published.env;
  } catch {
    return undefined;
  }
}
