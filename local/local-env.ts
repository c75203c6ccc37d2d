import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where `npm start` keeps its data and tells other processes (`npm run invoke`, `npm run ops -- --stage local`)
 * how to reach it. NIGHTSHIFT_LOCAL_DIR moves it (tests run local mode in a temporary folder).
 */
export const LOCAL_DIR = path.resolve(process.env.NIGHTSHIFT_LOCAL_DIR ?? path.join(__dirname, '..', '.local'));
export const LOCAL_ENV_FILE = path.join(LOCAL_DIR, 'env.json');

/** Per-service JSON lines logs of local mode (`ops logs` reads them). */
export const localLogDir = (localDir: string = LOCAL_DIR): string => path.join(localDir, 'logs');

/** Names of the local resources, as the stacks name them for stage "local". */
export const LOCAL_RESOURCES = {
  jobStatusTable: 'nightshift-local-job-status',
  analyticsBucket: 'nightshift-local-analytics',
} as const;

/** What a running `npm start` publishes in env.json. */
export interface RunningLocalMode {
  readonly pid: number;
  /** The job monitor API and status page, e.g. `http://127.0.0.1:3000`. */
  readonly apiUrl?: string;
  /** The environment the jobs run with (endpoints, table names, tokens). */
  readonly env: Record<string, string>;
  /** The folder it keeps its data, logs and schedule pauses in. */
  readonly dir: string;
}

/** The running local mode that published `localDir`/env.json, or undefined when none is running. */
export function readRunningLocalMode(localDir: string = LOCAL_DIR): RunningLocalMode | undefined {
  const file = path.join(localDir, 'env.json');
  if (!existsSync(file)) return undefined;
  const published = JSON.parse(readFileSync(file, 'utf8')) as Omit<RunningLocalMode, 'dir'>;
  try {
    process.kill(published.pid, 0); // still alive?
    return { ...published, dir: localDir };
  } catch {
    return undefined;
  }
}

/** The environment a running `npm start` published, or undefined when none is running. */
export function readRunningLocalEnv(): Record<string, string> | undefined {
  return readRunningLocalMode()?.env;
}
