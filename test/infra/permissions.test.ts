import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sliceResultKey } from '../../lambdas/daily-parquet/partition-keys';
import { REPO_ROOT } from '../../lib/constructs/nightshift-function';
import { KNOWN_GAPS, NOT_CALLED, UNUSED_GRANTS } from '../support/permissions/acknowledged';
import type { CloudFormationValues } from '../support/permissions/cloudformation-values';
import { HELPERS, MODULE_CALLS, NEVER_SENT } from '../support/permissions/code-calls';
import type { DeployedFunction, PolicyDocument } from '../support/permissions/deployed-principals';
import { actionMatches, type PolicyEvaluator } from '../support/permissions/evaluate-calls';
import { type BundleContents, bundleEntries } from '../support/permissions/function-bundles';
import { callImportsOf } from '../support/permissions/sdk-actions';
import {
  evaluateDeployRole,
  evaluateFunction,
  evaluatorOf,
  functionsOf,
  type PrincipalCalls,
  stageValues,
} from '../support/permissions/stage-permissions';
import { STAGE_NAMES, type SynthesizedStage, synthStage } from '../support/stage-apps';

/**
 * Permissions proven by evaluation, not hoped for: for every stage shape, every Lambda function of
 * ours and the GitHub deploy role make the calls their code (and the services acting for them)
 * make, on the resources those calls touch, and IAM (as @cloud-copilot/iam-simulate evaluates it)
 * allows each one and grants nothing unused. docs/deploy.md says what this proves and what not.
 */

const OPS_ENTRIES = ['ops/aws-backend.ts'];
const bundleCache = new Map<string, Promise<BundleContents>>();

/** Bundles the entries not bundled yet in one esbuild run; every stage reuses them (the code is the same). */
function bundlesOf(entries: readonly string[]): Promise<Map<string, BundleContents>> {
  const missing = [...new Set(entries)].filter((entry) => !bundleCache.has(entry));
  if (missing.length > 0) {
    const built = bundleEntries(missing);
    for (const entry of missing)
      bundleCache.set(
        entry,
        built.then((all) => all.get(entry) as BundleContents),
      );
  }
  return Promise.all(entries.map(async (entry) => [entry, await bundleCache.get(entry)] as const)).then(
    (pairs) => new Map(pairs as Array<[string, BundleContents]>),
  );
}

function sourceFilesUnder(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
}

describe('the AWS calls in the code', () => {
  it('are each placed in MODULE_CALLS: every file under lambdas/ that imports a call, exactly its calls', () => {
    const files = [
      ...sourceFilesUnder('lambdas'),
      ...Object.keys(MODULE_CALLS).filter((f) => f.startsWith('ops/')),
    ].filter((file) => !(file in HELPERS));
    const mismatches = files.flatMap((file) => {
      const imported = [...new Set(callImportsOf(readFileSync(path.join(REPO_ROOT, file), 'utf8')).map((i) => i.name))];
      const placed = Object.keys(MODULE_CALLS[file] ?? {});
      return [
        ...imported
          .filter((name) => !placed.includes(name))
          .map(
            (name) =>
              `${file} imports ${name}: say in test/support/permissions/code-calls.ts which resources it touches`,
          ),
        ...placed
          .filter((name) => !imported.includes(name))
          .map((name) => `${file} no longer imports ${name}: drop it from MODULE_CALLS`),
      ];
    });
    expect(Object.keys(MODULE_CALLS).filter((file) => !existsSync(path.join(REPO_ROOT, file)))).toEqual([]);
    expect(mismatches).toEqual([]);
  });

  it('use commands, never an aggregated client whose methods hide which calls are made', () => {
    const aggregated = sourceFilesUnder('lambdas').flatMap((file) =>
      [...readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(/import\s+\{([^}]*)\}\s*from\s*'@aws-sdk\/[^']+'/g)]
        .flatMap(([, names]) => names.split(',').map((name) => name.trim().split(/\s+as\s+/)[0]))
        .filter(
          (name) =>
            name &&
            !name.startsWith('type ') &&
            !/(Client|Command|Exception|Input|Output)$|^paginate|^Upload$/.test(name),
        )
        .filter((name) =>
          /^(S3|DynamoDB|DynamoDBDocument|SecretsManager|Lambda|Scheduler|CloudWatch|CloudWatchLogs)$/.test(name),
        )
        .map((name) => `${file}: ${name}`),
    );
    expect(aggregated).toEqual([]);
  });
});

describe.each(STAGE_NAMES)('the %s stage', (stageName) => {
  let stage: SynthesizedStage;
  let ours: DeployedFunction[];
  let others: DeployedFunction[];
  let bundles: Map<string, BundleContents>;
  let principals: PrincipalCalls[];
  let values: CloudFormationValues;
  let evaluator: PolicyEvaluator;

  beforeAll(async () => {
    stage = synthStage(stageName, { nag: false });
    values = stageValues(stage);
    const functions = functionsOf(stage, values);
    ours = functions.filter((fn) => fn.entry);
    others = functions.filter((fn) => !fn.entry);
    bundles = await bundlesOf([...ours.map((fn) => fn.entry as string), ...OPS_ENTRIES]);
    evaluator = evaluatorOf(stage, values);
    principals = await Promise.all([
      ...ours.map((fn) => evaluateFunction(stage, fn, bundles.get(fn.entry as string) as BundleContents, evaluator)),
      evaluateDeployRole(stage, values, bundles, evaluator),
    ]);
  }, 600_000);

  it('evaluates every Lambda function of ours; the others are the custom-resource providers aws-cdk-lib brings', () => {
    expect(ours.length).toBeGreaterThanOrEqual(8);
    // aws-cdk-lib's providers come with their code and their policies; nothing of ours runs in them.
    const providers =
      /^(Custom[A-Za-z0-9]*CustomResourceProvider|AWSCDK[A-Za-z]*CustomResourceProvider|AWS679f53fac002430cb0da5b7982bd2287|LogRetention)/;
    expect(
      others.filter((fn) => !providers.test(fn.logicalId)).map((fn) => `${fn.stack.stackName}/${fn.logicalId}`),
    ).toEqual([]);
  });

  it('finds every AWS SDK command in the bundles placed in MODULE_CALLS or excused as never sent', () => {
    const unexplained = [...bundles.values()].flatMap((bundle) => {
      const placed = new Set(
        bundle.sourceFiles.flatMap((file) =>
          callImportsOf(readFileSync(path.join(REPO_ROOT, file), 'utf8')).flatMap((i) => i.commands),
        ),
      );
      return bundle.sdkCommands
        .filter((command) => !placed.has(command) && !(command in NEVER_SENT))
        .map((command) => `${bundle.entry} bundles ${command}, which no file of ours imports`);
    });
    expect(unexplained).toEqual([]);
  });

  it('lets every function and the deploy role make every call, on the resources it touches', () => {
    const denied = principals.flatMap((principal) =>
      principal.decisions
        .filter((decision) => decision.decision !== 'Allowed')
        .filter(
          (decision) =>
            !KNOWN_GAPS.some((gap) => gap.functions.includes(principal.id) && gap.action === decision.action),
        )
        .map((d) => `${principal.id}: ${d.action} on ${d.resource} is ${d.decision} (called by ${d.source})`),
    );
    expect(denied).toEqual([]);
  });

  it('still denies each known gap that another branch fixes (remove the entry once it is allowed)', () => {
    const fixed = KNOWN_GAPS.flatMap((gap) =>
      principals
        .filter((principal) => gap.functions.includes(principal.id))
        .flatMap((principal) => principal.decisions.filter((d) => d.action === gap.action && d.decision === 'Allowed'))
        .map((d) => `${gap.action} on ${d.resource} is allowed now: ${gap.reason}`),
    );
    expect(fixed).toEqual([]);
  });

  it('grants no principal an action none of its calls uses, beyond the acknowledged ones', () => {
    const used = new Set<(typeof UNUSED_GRANTS)[number]>();
    const acknowledged = (id: string, action: string) => {
      const grant = UNUSED_GRANTS.find(
        (entry) =>
          (entry.functions === 'every function' || entry.functions.includes(id)) && actionMatches(entry.action, action),
      );
      if (grant) used.add(grant);
      return Boolean(grant);
    };
    const unused = principals.flatMap((principal) =>
      principal.role.policies.flatMap(({ name, policy }) =>
        policy.Statement.filter((statement) => statement.Effect === 'Allow')
          .flatMap((statement) => [statement.Action ?? []].flat())
          .filter((granted) => !principal.calls.some((call) => actionMatches(granted, call.action)))
          .filter((granted) => !acknowledged(principal.id, granted))
          .map((granted) => `${principal.id}: ${granted} is granted (${name}) but no call of its code uses it`),
      ),
    );
    expect([...new Set(unused)]).toEqual([]);
    // Every acknowledgement still accepts something, where its functions exist.
    const present = (functions: readonly string[] | 'every function') =>
      functions === 'every function' || principals.some((principal) => functions.includes(principal.id));
    const stale = UNUSED_GRANTS.filter((grant) => present(grant.functions) && !used.has(grant));
    expect(stale.map((grant) => `${grant.action} (${grant.functions})`)).toEqual([]);
  });

  it('excuses with NOT_CALLED only calls the functions bundle, each entry still needed', () => {
    const excusing = new Set(principals.flatMap((principal) => [...principal.excusedBy]));
    const stale = NOT_CALLED.filter(
      (entry) => principals.some((principal) => entry.functions.includes(principal.id)) && !excusing.has(entry),
    );
    expect(stale.map((entry) => `${entry.file} ${entry.calls.join(', ')} for ${entry.functions.join(', ')}`)).toEqual(
      [],
    );
    expect(NOT_CALLED.filter((entry) => entry.calls.some((call) => !MODULE_CALLS[entry.file]?.[call]))).toEqual([]);
  });

  it('passes roles only to the service named in an iam:PassedToService condition', () => {
    const unconditioned = values.all.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::Role')
        .flatMap(([logicalId, resource]) => {
          const props = values.resolve(stack, resource.Properties ?? {}) as {
            PolicyDocument?: PolicyDocument;
            Policies?: Array<{ PolicyDocument: PolicyDocument }>;
          };
          const documents = [props.PolicyDocument, ...(props.Policies ?? []).map((inline) => inline.PolicyDocument)];
          return documents
            .flatMap((document) => document?.Statement ?? [])
            .filter((statement) => statement.Effect === 'Allow')
            .filter((statement) =>
              [statement.Action ?? []].flat().some((action) => actionMatches(action, 'iam:PassRole')),
            )
            .filter((statement) => !statement.Condition?.StringEquals?.['iam:PassedToService'])
            .map(() => `${stack.stackName}/${logicalId}`);
        }),
    );
    expect(unconditioned).toEqual([]);
  });

  it("lets daily-parquet list exactly a slice result's key, so a missing result reads as missing, not denied", async () => {
    const parquet = ours.find((fn) => fn.name.endsWith('-daily-parquet')) as DeployedFunction;
    const key = sliceResultKey('demo', '2025-08-11', 'run-1', 0);
    const list = (context: Record<string, string>) =>
      evaluator.evaluate(parquet.role, parquet.name, {
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${parquet.env.ANALYTICS_BUCKET}`,
        context,
      });
    expect((await list({ 's3:prefix': key })).decision).toBe('Allowed');
    // Not under its prefix: the listing that would reveal other keys stays denied.
    expect((await list({ 's3:prefix': 'raw/youtube/' })).decision).toBe('ImplicitlyDenied');
  });
});

describe('the HTTP scheduler API passing its scheduler role', () => {
  it('may pass it to EventBridge Scheduler and to no other service', async () => {
    const stage = synthStage('dev', { nag: false });
    const values = stageValues(stage);
    const api = functionsOf(stage, values).find((fn) => fn.name.endsWith('-http-scheduler')) as DeployedFunction;
    const evaluator = evaluatorOf(stage, values);
    const passTo = async (service: string) =>
      (
        await evaluator.evaluate(api.role, api.name, {
          action: 'iam:PassRole',
          resource: api.env.SCHEDULER_ROLE_ARN,
          context: { 'iam:PassedToService': service },
        })
      ).decision;
    expect(await passTo('scheduler.amazonaws.com')).toBe('Allowed');
    expect(await passTo('lambda.amazonaws.com')).toBe('ImplicitlyDenied');
    expect(await passTo('ec2.amazonaws.com')).toBe('ImplicitlyDenied');
  });
});
