import cdkJson from '../cdk.json';
import { OpsUsageError } from './ops-errors';

/** Which deployed stage the CLI talks to, and where. */
export interface OpsTarget {
  readonly stage: string;
  readonly region: string;
}

type StageEntries = Record<string, { region?: string }>;

/**
 * Stage from `--stage` (default dev); region from `--region`, then AWS_REGION / AWS_DEFAULT_REGION,
 * then the stage's region in cdk.json — so on-call rarely has to type it.
 */
export function resolveTarget(
  options: { stage?: string; region?: string },
  env: NodeJS.ProcessEnv,
  stages: StageEntries = cdkJson.context['nightshift:stages'] as StageEntries,
): OpsTarget {
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
