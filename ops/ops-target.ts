import path from 'node:path';
import cdkJson from '../cdk.json';
import { type RunningLocalMode, readRunningLocalMode } from '../local/local-env';
import { OpsError, OpsUsageError } from './ops-errors';

/** Which deployed stage the CLI talks to, and where; stage `local` is a running `npm start`. */
export interface OpsTarget {
  readonly stage: string;
  readonly region: string;
  /** Set for stage `local`: the running local mode. */
  readonly local?: RunningLocalMode;
}

type StageEntries = Record<string, { region?: string }>;

export const LOCAL_STAGE = 'local';

/** The .local folder of `npm start` (NIGHTSHIFT_LOCAL_DIR moves it, as for npm start itself). */
export function localDirOf(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.NIGHTSHIFT_LOCAL_DIR ?? path.join(__dirname, '..', '.local'));
}

/**
 * Stage from `--stage`; without it, a running `npm start` (local mode), else dev. Region from
 * `--region`, then AWS_REGION / AWS_DEFAULT_REGION, then the stage's region in cdk.json — so on-call
 * rarely has to type it.
 */
export function resolveTarget(
  options: { stage?: string; region?: string },
  env: NodeJS.ProcessEnv,
  stages: StageEntries = cdkJson.context['nightshift:stages'] as StageEntries,
): OpsTarget {
  const localDir = localDirOf(env);
  if (options.stage === LOCAL_STAGE || options.stage === undefined) {
    const local = readRunningLocalMode(localDir);
    if (local) return { stage: LOCAL_STAGE, region: local.env.AWS_REGION ?? 'local', local };
    if (options.stage === LOCAL_STAGE) {
      throw new OpsError(
        `local mode is not running (no live \`npm start\` in ${localDir}): start it with \`npm start\``,
      );
    }
  }
  const stage = options.stage ?? 'dev';
  if (!stages[stage]) {
    throw new OpsUsageError(`unknown stage "${stage}"; stages in cdk.json: ${Object.keys(stages).join(', ')}`);
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? stages[stage].region;
  if (!region) {
    throw new OpsUsageError(`no AWS region for stage "${stage}": pass --region or set AWS_REGION`);
  }
  return { stage, region };
}
