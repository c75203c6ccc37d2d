/**
 * Per synthesized stage: every principal whose calls we can derive (each Lambda function of ours,
 * the GitHub deploy role), the calls it makes, and how IAM decides each.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../../lib/constructs/nightshift-function';
import { JOBS } from '../../../lib/jobs';
import type { SynthesizedStage } from '../stage-apps';
import { NOT_CALLED, type NotCalledBy } from './acknowledged';
import { CloudFormationValues, type StackTemplate } from './cloudformation-values';
import { type Caller, HELPERS, MODULE_CALLS, type Target } from './code-calls';
import { deployWorkflowCalls } from './deploy-workflow';
import { type DeployedFunction, type DeployedRole, deployedFunctions, deployedRole } from './deployed-principals';
import { type Evaluated, PolicyEvaluator } from './evaluate-calls';
import type { BundleContents } from './function-bundles';
import { actionsOfCommand, callImportsOf } from './sdk-actions';

/** One call with where it comes from: `lambdas/shared/job-status-store.ts BatchGetCommand`, `platform`, ... */
export type Call = Target & { action: string; source: string };

export interface PrincipalCalls {
  readonly id: string;
  readonly role: DeployedRole;
  readonly sessionName: string;
  readonly calls: readonly Call[];
  readonly decisions: ReadonlyArray<Evaluated & { source: string }>;
  /** The NOT_CALLED entries that excused a call of this principal. */
  readonly excusedBy: ReadonlySet<NotCalledBy>;
}

export function stageValues(stage: SynthesizedStage): CloudFormationValues {
  const stacks: StackTemplate[] = stage.assembly.stacks.map((artifact) => ({
    stackName: artifact.stackName,
    region: artifact.environment.region,
    template: artifact.template,
  }));
  return new CloudFormationValues(stacks, stage.config.account ?? '123456789012');
}

export function functionsOf(stage: SynthesizedStage, values: CloudFormationValues): DeployedFunction[] {
  return deployedFunctions(values, stage.app);
}

export function evaluatorOf(stage: SynthesizedStage, values: CloudFormationValues): PolicyEvaluator {
  const { database } = stage.config;
  return new PolicyEvaluator(
    values,
    database.mode === 'import' && database.secretKmsKeyArn
      ? [{ secretArn: database.secretArn, keyArn: database.secretKmsKeyArn }]
      : [],
  );
}

const sourceCache = new Map<string, string>();
const sourceOf = (file: string) => {
  let text = sourceCache.get(file);
  if (text === undefined) {
    text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    sourceCache.set(file, text);
  }
  return text;
};

/** The AWS calls a bundle's code makes for `caller`, from the files in it and MODULE_CALLS. */
export function codeCalls(bundle: BundleContents, caller: Caller, excusedBy?: Set<NotCalledBy>): Call[] {
  const calls: Call[] = [];
  for (const file of bundle.sourceFiles) {
    if (file in HELPERS) continue;
    for (const imported of callImportsOf(sourceOf(file))) {
      const kept = imported.commands.filter((command) => bundle.sdkCommands.includes(command));
      // A call whose command esbuild dropped (its code path is not in this bundle) is never made.
      if (kept.length === 0) continue;
      const excused = NOT_CALLED.find(
        (entry) => entry.functions.includes(caller.id) && entry.file === file && entry.calls.includes(imported.name),
      );
      if (excused) {
        excusedBy?.add(excused);
        continue;
      }
      const targets = MODULE_CALLS[file]?.[imported.name];
      if (!targets) throw new Error(`${file} imports ${imported.name}, which MODULE_CALLS does not place`);
      const actions = [...new Set(kept.flatMap(actionsOfCommand))];
      for (const target of targets(caller)) {
        for (const action of target.action ? [target.action] : actions) {
          calls.push({ ...target, action, source: `${file} ${imported.name}` });
        }
      }
    }
  }
  return dedupe(calls);
}

export function callerOf(
  stage: SynthesizedStage,
  fn: { name: string; env: Readonly<Record<string, string>>; stack: StackTemplate },
): Caller {
  return {
    id: fn.name.replace(`nightshift-${stage.config.stage}-`, ''),
    env: fn.env,
    region: fn.stack.region,
    account: stage.config.account ?? '123456789012',
    stage: stage.config.stage,
  };
}

/** A function of ours: its code's calls (from its bundle), the Lambda service's, and what AWS adds (KMS). */
export async function evaluateFunction(
  stage: SynthesizedStage,
  fn: DeployedFunction,
  bundle: BundleContents,
  evaluator: PolicyEvaluator,
): Promise<PrincipalCalls> {
  const caller = callerOf(stage, fn);
  const excusedBy = new Set<NotCalledBy>();
  const calls = [
    ...fn.platformCalls.map((call) => ({ ...call, action: call.action as string, source: 'Lambda service' })),
    ...codeCalls(bundle, caller, excusedBy),
  ];
  return evaluatePrincipal(caller.id, fn.role, fn.name, calls, evaluator, excusedBy);
}

/** The GitHub deploy role: the deploy workflow's own calls and those of the ops commands it runs. */
export async function evaluateDeployRole(
  stage: SynthesizedStage,
  values: CloudFormationValues,
  bundles: ReadonlyMap<string, BundleContents>,
  evaluator: PolicyEvaluator,
): Promise<PrincipalCalls> {
  const stackName = stage.stacks.githubDeploy?.stackName;
  if (!stackName) throw new Error(`stage ${stage.config.stage} has no GitHub deploy stack`);
  const stack = values.stack(stackName);
  const roleId = Object.entries(stack.template.Resources ?? {}).find(([, r]) => r.Type === 'AWS::IAM::Role')?.[0];
  const role = deployedRole(values, stack, roleId as string);
  const api = values.stack(stage.stacks.api.stackName);
  const readToken = values.resolveString(api, api.template.Outputs?.ReadTokenSecret?.Value);
  const watchdog = JOBS.find((job) => job.watchesRegistry);
  const caller: Caller = {
    id: 'github-deploy',
    env: {
      READ_TOKEN_SECRET_ARN: readToken.startsWith('arn:') ? readToken : secretArnOfName(values, api, readToken),
      SMOKE_JOB_ID: watchdog?.id ?? '',
    },
    region: stack.region,
    account: values.account,
    stage: stage.config.stage,
  };
  const workflow = deployWorkflowCalls(caller);
  const excusedBy = new Set<NotCalledBy>();
  const calls = [
    ...workflow.calls,
    ...workflow.opsEntries.flatMap((entry) => codeCalls(bundles.get(entry) as BundleContents, caller, excusedBy)),
  ];
  return evaluatePrincipal(caller.id, role, 'GitHubActions', calls, evaluator, excusedBy);
}

/** The ARN of a secret the stage creates with a fixed name. */
function secretArnOfName(values: CloudFormationValues, stack: StackTemplate, name: string): string {
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type === 'AWS::SecretsManager::Secret' && values.resolve(stack, resource.Properties?.Name) === name) {
      return values.resolveString(stack, { Ref: logicalId });
    }
  }
  throw new Error(`${stack.stackName} creates no secret named ${name}`);
}

async function evaluatePrincipal(
  id: string,
  role: DeployedRole,
  sessionName: string,
  calls: readonly Call[],
  evaluator: PolicyEvaluator,
  excusedBy: ReadonlySet<NotCalledBy> = new Set(),
): Promise<PrincipalCalls> {
  const withImplied = dedupe([
    ...calls,
    ...calls.flatMap((call) =>
      evaluator.impliedBy(call, role.stack.region).map((implied) => ({ ...implied, source: `${call.source} (KMS)` })),
    ),
  ]);
  const decisions = await Promise.all(
    withImplied.map(async (call) => ({ ...(await evaluator.evaluate(role, sessionName, call)), source: call.source })),
  );
  return { id, role, sessionName, calls: withImplied, decisions, excusedBy };
}

function dedupe<T extends Target & { action: string }>(calls: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const call of calls) {
    const key = `${call.action} ${call.resource} ${JSON.stringify(call.context ?? {})}`;
    if (!seen.has(key)) seen.set(key, call);
  }
  return [...seen.values()];
}
