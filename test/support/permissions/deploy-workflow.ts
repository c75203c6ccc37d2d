/**
 * What the GitHub deploy role does, read from the workflow that assumes it
 * (.github/workflows/deploy-stage.yml): its `aws` CLI calls, `cdk deploy` (which assumes the CDK
 * bootstrap roles) and the ops CLI commands it runs (whose calls come from their bundles).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../../lib/constructs/nightshift-function';
import type { Caller, Target } from './code-calls';

export const DEPLOY_WORKFLOW = '.github/workflows/deploy-stage.yml';

/** The module whose AWS calls each ops CLI command a workflow may run makes (against AWS). */
const OPS_COMMAND_ENTRIES: Record<string, string> = { smoke: 'ops/aws-backend.ts' };

/** The roles `cdk bootstrap` creates (default qualifier); the CDK CLI assumes one per step of a deploy. */
const BOOTSTRAP_ROLES = ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'];

export interface WorkflowCalls {
  /** Calls made with the role's own credentials, with where they come from. */
  readonly calls: ReadonlyArray<Target & { action: string; source: string }>;
  /** Entry files of the ops commands the workflow runs. */
  readonly opsEntries: readonly string[];
}

/** The calls of the deploy workflow for one stage, by the deploy role itself. */
export function deployWorkflowCalls(caller: Caller): WorkflowCalls {
  const text = readFileSync(path.join(REPO_ROOT, DEPLOY_WORKFLOW), 'utf8').replace(/\\\n\s*/g, ' ');
  const calls: Array<Target & { action: string; source: string }> = [];
  const arn = (service: string, resource: string, region = caller.region) =>
    `arn:aws:${service}:${region}:${caller.account}:${resource}`;
  const expand = (value: string) => value.replace(/\$\{?STAGE\}?/g, caller.stage).replace(/^"|"$/g, '');

  for (const [line] of text.matchAll(/(?<![\w-])aws [a-z0-9-]+ [a-z0-9-]+[^\n|;)]*/g)) {
    const [, service, operation] = line.split(/\s+/);
    const action = `${service}:${operation.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`;
    const stackName = /--stack-name\s+(\S+)/.exec(line)?.[1];
    if (service !== 'cloudformation' || !stackName) {
      throw new Error(`${DEPLOY_WORKFLOW}: "${line.trim()}" has no resource model here; add one`);
    }
    calls.push({
      action,
      resource: arn('cloudformation', `stack/${expand(stackName)}/00000000-0000-0000-0000-000000000000`),
      source: line.trim(),
    });
  }
  if (/\bcdk deploy\b/.test(text)) {
    for (const role of BOOTSTRAP_ROLES) {
      calls.push({
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${caller.account}:role/cdk-hnb659fds-${role}-${caller.account}-${caller.region}`,
        source: 'cdk deploy',
      });
    }
  }
  const opsEntries = [...text.matchAll(/npm run ops -- ([a-z-]+)/g)].map(([, command]) => {
    const entry = OPS_COMMAND_ENTRIES[command];
    if (!entry) throw new Error(`${DEPLOY_WORKFLOW} runs "ops ${command}", whose entry file is not known here`);
    return entry;
  });
  return { calls, opsEntries };
}
