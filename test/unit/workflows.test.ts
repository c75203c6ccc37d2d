import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DEPLOY_BRANCH, DEPLOY_SESSION, DEPLOY_WORKFLOW } from '../../lib/stacks/github-deploy-stack';
import { NAT_IMAGE_PARAMETER } from '../../lib/stacks/network-stack';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((name) => name.endsWith('.yml'));
const text = (name: string) => readFileSync(path.join(WORKFLOWS, name), 'utf8');
/** A GitHub expression as it appears in a workflow, e.g. expression('github.sha'). */
const expression = (inner: string) => ['$', '{{ ', inner, ' }}'].join('');

/** actionlint (1.7, as WebAssembly: runs offline) over the workflows under `cwd`; exit code and report. */
function actionlint(cwd: string): Promise<{ code: number; output: string }> {
  const bin = path.join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, '.github/workflows/*.yml'], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

type Step = {
  id?: string;
  uses?: string;
  run?: string;
  name?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = Record<string, unknown> & { steps?: Step[]; needs?: string | string[]; uses?: string; if?: string };
const workflow = (name: string) =>
  parse(text(name)) as { on: Record<string, unknown>; jobs: Record<string, Job> } & Record<string, unknown>;

describe('GitHub Actions workflows', () => {
  it('pass actionlint, which really lints: a broken workflow beside them is reported', async () => {
    // One run over copies of the workflows plus a broken one: loading the linter takes most of the time.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'actionlint-'));
    const target = path.join(dir, '.github', 'workflows');
    mkdirSync(target, { recursive: true });
    for (const name of files) writeFileSync(path.join(target, name), text(name));
    const step = `echo ${expression('github.no_such_thing')}`;
    writeFileSync(
      path.join(target, 'zz-broken.yml'),
      `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${step}\n`,
    );

    const { code, output } = await actionlint(dir);

    expect(output).toContain(`Checking ${files.length + 1} workflow file(s)`);
    const reported = output.split('\n').filter((line) => /^\.github\/workflows\/[\w.-]+:\d+:\d+ /.test(line));
    expect(reported.map((line) => line.split(':')[0])).toEqual(['.github/workflows/zz-broken.yml']);
    expect(code).toBe(1);
  });

  it('pin every action by commit SHA, with its version in a comment', () => {
    const uses = files.flatMap((name) =>
      text(name)
        .split('\n')
        .filter((line) => /^\s*(-\s+)?uses:/.test(line))
        .map((line) => ({ name, line: line.trim() })),
    );
    expect(uses.length).toBeGreaterThan(5);
    const unpinned = uses.filter(
      ({ line }) => !/uses: \.\//.test(line) && !/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(line),
    );
    expect(unpinned).toEqual([]);
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');

  it('runs npm test (actionlint included) on pull requests and pushes to main', () => {
    expect(Object.keys(ci.on)).toEqual(['pull_request', 'push']);
    expect(ci.jobs.test.steps?.some((step) => step.run === 'npm test')).toBe(true);
  });

  it('publishes the cdk diff of every stage against the base branch as the job summary of a pull request', () => {
    const diff = ci.jobs.diff;
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    const step = diff.steps?.find((candidate) => candidate.run?.includes('.ci/cdk-diff.sh'));
    expect(step?.env?.BASE_SHA).toBe(expression('github.event.pull_request.base.sha'));
    expect(step?.run).toContain('"$GITHUB_STEP_SUMMARY"');
    expect(readFileSync(path.join(ROOT, '.ci', 'cdk-diff.sh'), 'utf8')).toContain("context['nightshift:stages']");
  });
});

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml');
  const stage = workflow('deploy-stage.yml');
  const stageJob = stage.jobs.deploy;
  const steps = stageJob.steps ?? [];
  const stepIndex = (match: (step: Step) => boolean) => steps.findIndex(match);

  it('deploys only after the ci workflow passed on the same commit', () => {
    expect(deploy.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    expect(deploy.jobs.gate.if).toContain("github.event.workflow_run.conclusion == 'success'");
    const gate = deploy.jobs.gate.steps?.[0];
    expect(gate?.env?.SHA).toBe(expression('github.event.workflow_run.head_sha || github.sha'));
    expect(gate?.run).toContain('actions/workflows/ci.yml/runs?head_sha=$SHA&status=success');
    const checkout = steps.find((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe(expression('inputs.sha'));
  });

  it('deploys main only: no dispatch from another branch, no CI run of a pull request or of another branch', () => {
    const main = `refs/heads/${DEPLOY_BRANCH}`;
    // Each way into the gate names main: a dispatch must run from it, a CI run must be a push to it.
    const ways = String(deploy.jobs.gate.if).split('||');
    expect(ways).toHaveLength(2);
    expect(ways[0]).toContain("github.event_name == 'workflow_dispatch'");
    expect(ways[0]).toContain(`github.ref == '${main}'`);
    expect(ways[1]).toContain("github.event.workflow_run.event == 'push'");
    expect(ways[1]).toContain(`github.event.workflow_run.head_branch == '${DEPLOY_BRANCH}'`);
    // The proof that CI passed counts only CI runs of pushes to main (a pull request's run has the same head SHA).
    expect(deploy.jobs.gate.steps?.[0].run).toContain(`&event=push&branch=${DEPLOY_BRANCH}`);
  });

  it('checks the branch again before it asks for credentials, in the workflow the deploy role trusts', () => {
    expect(deploy.jobs.dev.uses).toBe(`./${DEPLOY_WORKFLOW}`);
    expect(deploy.jobs.prod.uses).toBe(`./${DEPLOY_WORKFLOW}`);
    const guard = stepIndex((step) => step.name === 'Only main deploys');
    const credentials = stepIndex((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@') === true);
    expect(guard).toBe(0);
    expect(credentials).toBeGreaterThan(guard);
    expect(steps[guard].env?.REF).toBe(expression('github.ref'));
    expect(steps[guard].run).toContain(`"$REF" != refs/heads/${DEPLOY_BRANCH}`);
    expect(steps[guard].run).toContain('exit 1');
  });

  it('gives a first deploy the fck-nat image of a stage that pins none, from the environment variable NAT_INSTANCE_AMI_ID', () => {
    const cdkDeploy = steps.find((step) => step.run?.includes('cdk deploy'));
    expect(cdkDeploy?.env?.NAT_INSTANCE_AMI_ID).toBe(expression('vars.NAT_INSTANCE_AMI_ID'));
    expect(cdkDeploy?.run).toContain(
      [
        '$',
        `{NAT_INSTANCE_AMI_ID:+--parameters "Nightshift-$STAGE-Network:${NAT_IMAGE_PARAMETER}=$NAT_INSTANCE_AMI_ID"}`,
      ].join(''),
    );
  });

  it('deploys dev first, then prod behind the GitHub environment named after the stage', () => {
    expect(deploy.jobs.dev).toMatchObject({ uses: './.github/workflows/deploy-stage.yml', with: { stage: 'dev' } });
    expect(deploy.jobs.prod).toMatchObject({ uses: './.github/workflows/deploy-stage.yml', with: { stage: 'prod' } });
    expect(deploy.jobs.prod.needs).toContain('dev');
    expect(stageJob.environment).toBe(expression('inputs.stage'));
  });

  it('runs one deploy at a time and never cancels one halfway', () => {
    expect(deploy.concurrency).toEqual({ group: 'deploy', 'cancel-in-progress': false });
  });

  it('keeps the deploy role session for as long as the deploy role allows, longer than the job may run', () => {
    const credentials = steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(credentials?.with?.['role-duration-seconds']).toBe(DEPLOY_SESSION.toSeconds());
    expect(Number(stageJob['timeout-minutes']) * 60).toBeLessThan(DEPLOY_SESSION.toSeconds());
  });

  it('passes the deployed alarm e-mail back when ALARM_EMAIL is unset, so the subscription stays', () => {
    const keep = steps.find((step) => step.id === 'email' || (step as { id?: string }).id === 'email') as Step & {
      run: string;
    };
    expect(keep.run).toContain('Nightshift-$STAGE-Monitoring');
    expect(keep.run).toContain("OutputKey=='AlarmEmail'");
    const cdkDeploy = steps.find((step) => step.run?.includes('cdk deploy'));
    expect(cdkDeploy?.env?.ALARM_EMAIL).toBe(expression('steps.email.outputs.email'));
    // Only with an address: an empty `-c alarmEmail=` would fail config validation.
    expect(cdkDeploy?.run).toContain(['$', '{ALARM_EMAIL:+-c "alarmEmail=$ALARM_EMAIL"}'].join(''));
  });

  it('smoke-tests each stage right after its deploy, failing the workflow when it fails', () => {
    const deployed = stepIndex((step) => step.run?.includes('cdk deploy') === true);
    const smoke = stepIndex((step) => step.run?.includes('npm run ops -- smoke') === true);
    expect(deployed).toBeGreaterThan(0);
    expect(smoke).toBe(deployed + 1);
    expect(steps[deployed].run).toContain('--outputs-file cdk-outputs.json');
    expect(steps[smoke].run).toContain('--outputs cdk-outputs.json');
    expect(steps[smoke]).not.toHaveProperty('continue-on-error');
  });
});
