import { buildTestApp } from '../support/build-test-app';
import { DeployedStage, type StackTemplate, stacksInDeployOrder } from '../support/deploy-sequence';
import { IMPORTED_DATABASE, IMPORTED_NETWORK } from '../support/stage-apps';

/**
 * Switching database.mode or network.mode, or replacing the database, must synthesize into a
 * sequence of stack updates CloudFormation accepts (the procedures in docs/deploy.md#switching-modes).
 */
const stage = (context: Record<string, unknown>) => stacksInDeployOrder(buildTestApp({ context }).app);
const created = stage({ stage: 'dev' });
const databaseImported = stage({ stage: 'dev', database: JSON.stringify(IMPORTED_DATABASE) });
const bothImported = stage({
  stage: 'dev',
  network: JSON.stringify(IMPORTED_NETWORK),
  database: JSON.stringify(IMPORTED_DATABASE),
});
const named = (stacks: readonly StackTemplate[], ...suffixes: string[]) =>
  suffixes.map((suffix) => stacks.find((stack) => stack.name.endsWith(`-${suffix}`)) as StackTemplate);

describe('switching modes', () => {
  it('switches database.mode from create to import with one cdk deploy --all', () => {
    expect(new DeployedStage(created).deployAll(databaseImported)).toEqual([]);
  });

  it('switches database.mode from import to create with one cdk deploy --all', () => {
    expect(new DeployedStage(databaseImported).deployAll(created)).toEqual([]);
  });

  it('replaces the database with one cdk deploy --all, the jobs reading its new endpoint at deploy', () => {
    const replaced = stage({
      stage: 'dev',
      database: JSON.stringify({ mode: 'create', instanceClass: 't4g.micro', databaseName: 'visitors' }),
    });

    expect(new DeployedStage(created).deployAll(replaced)).toEqual([]);
    // SSM-typed parameters: resolved on every deploy, and the CDK CLI never skips a stack that has them.
    const [jobs] = named(replaced, 'Jobs');
    const migrations = Object.values(jobs.template.Resources ?? {}).find(
      (resource) => (resource.Properties as { FunctionName?: string }).FunctionName === 'nightshift-dev-db-migrate',
    );
    const { Environment } = (migrations as { Properties: unknown }).Properties as {
      Environment: { Variables: { DB_HOST: { Ref: string } } };
    };
    const host = Environment.Variables.DB_HOST;
    expect(jobs.template.Parameters?.[host.Ref]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/nightshift/dev/database/host',
    });
  });

  it('switches network.mode from create to import: the stacks in the VPC move first, then the network goes', () => {
    // All at once, the network stack would delete the VPC under the jobs: its exports refuse that, before anything changes.
    const allAtOnce = new DeployedStage(created).deployAll(bothImported);
    expect(allAtOnce.length).toBeGreaterThan(0);
    for (const problem of allAtOnce) {
      expect(problem).toMatch(/^Nightshift-dev-Network: Cannot delete export \S+ as it is in use by Nightshift-dev-/);
    }

    const deployed = new DeployedStage(created);
    expect(deployed.deployAll(named(bothImported, 'Data', 'Jobs'))).toEqual([]); // cdk deploy <Data> <Jobs> --exclusively
    expect(deployed.deployAll(bothImported)).toEqual([]); // cdk deploy --all
  });

  it('switches network.mode from import to create with one cdk deploy --all', () => {
    expect(new DeployedStage(bothImported).deployAll(databaseImported)).toEqual([]);
  });
});
