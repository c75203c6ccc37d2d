import type { App } from 'aws-cdk-lib';

/** One synthesized stack: what CloudFormation would receive. */
export interface StackTemplate {
  readonly name: string;
  readonly template: Template;
  /** Stacks `cdk deploy --all` deploys before this one. */
  readonly dependencies: readonly string[];
}

type Template = {
  Resources?: Record<string, { Type: string; Properties?: unknown }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
};

/** Every stack of the app, in the order `cdk deploy --all` deploys them (dependencies first). */
export function stacksInDeployOrder(app: App): StackTemplate[] {
  const stacks = app.synth().stacks.map((stack) => ({
    name: stack.stackName,
    template: stack.template as Template,
    dependencies: stack.dependencies.map((dependency) => dependency.id),
  }));
  const ordered: StackTemplate[] = [];
  const visit = (stack: StackTemplate) => {
    if (ordered.includes(stack)) return;
    for (const name of stack.dependencies) {
      const dependency = stacks.find((candidate) => candidate.name === name);
      if (dependency) visit(dependency);
    }
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack);
  return ordered;
}

/**
 * The deployed stacks of one stage, and CloudFormation's rules for what one stack update may do
 * to the others: an update may not import an export nobody has, may not delete or change an export
 * another stack imports ("Cannot delete/update export ... as it is in use by ..."), and its
 * SSM-typed parameters must name parameters that exist. An export counts as changed when its value
 * differs or the resource it refers to changed (a changed resource may be replaced, with a new id).
 */
export class DeployedStage {
  private readonly deployed = new Map<string, Template>();

  constructor(stacks: readonly StackTemplate[]) {
    for (const stack of stacks) this.deployed.set(stack.name, stack.template);
  }

  /** Deploys one stack if CloudFormation would accept it; returns why it would not, otherwise nothing. */
  deploy(stack: StackTemplate): string[] {
    const problems = [...this.missingImports(stack), ...this.exportsInUse(stack), ...this.missingParameters(stack)];
    if (problems.length === 0) this.deployed.set(stack.name, stack.template);
    return problems;
  }

  /** Deploys the stacks in order, stopping at the first refused update (as `cdk deploy` does). */
  deployAll(stacks: readonly StackTemplate[]): string[] {
    for (const stack of stacks) {
      const problems = this.deploy(stack);
      if (problems.length > 0) return problems.map((problem) => `${stack.name}: ${problem}`);
    }
    return [];
  }

  private others(name: string): Array<[string, Template]> {
    return [...this.deployed].filter(([other]) => other !== name);
  }

  private missingImports(stack: StackTemplate): string[] {
    const available = new Set(this.others(stack.name).flatMap(([, template]) => Object.keys(exportsOf(template))));
    return importsOf(stack.template)
      .filter((name) => !available.has(name))
      .map((name) => `No export named ${name} found`);
  }

  private exportsInUse(stack: StackTemplate): string[] {
    const before = this.deployed.get(stack.name);
    if (!before) return [];
    const after = exportsOf(stack.template);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(exportsOf(before))) {
      const users = this.others(stack.name)
        .filter(([, template]) => importsOf(template).includes(name))
        .map(([user]) => user);
      if (users.length === 0) continue;
      if (!(name in after)) {
        problems.push(`Cannot delete export ${name} as it is in use by ${users.join(', ')}`);
      } else if (
        JSON.stringify(after[name]) !== JSON.stringify(value) ||
        changedTargets(value, before, stack.template)
      ) {
        problems.push(`Cannot update export ${name} as it is in use by ${users.join(', ')}`);
      }
    }
    return problems;
  }

  private missingParameters(stack: StackTemplate): string[] {
    const written = new Set(
      this.others(stack.name).flatMap(([, template]) =>
        Object.values(template.Resources ?? {})
          .filter((resource) => resource.Type === 'AWS::SSM::Parameter')
          .map((resource) => (resource.Properties as { Name?: unknown }).Name),
      ),
    );
    return (
      Object.values(stack.template.Parameters ?? {})
        .filter((parameter) => parameter.Type.startsWith('AWS::SSM::Parameter::Value<') && parameter.Default)
        // `cdk bootstrap` wrote the bootstrap version parameter before any stage was deployed.
        .filter((parameter) => !written.has(parameter.Default) && !parameter.Default?.startsWith('/cdk-bootstrap/'))
        .map((parameter) => `SSM parameter ${parameter.Default} does not exist`)
    );
  }
}

function exportsOf(template: Template): Record<string, unknown> {
  return Object.fromEntries(
    Object.values(template.Outputs ?? {})
      .filter((output) => output.Export)
      .map((output) => [output.Export?.Name as string, output.Value]),
  );
}

function importsOf(template: Template): string[] {
  return [...JSON.stringify(template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((match) => match[1]);
}

/** Whether a resource the value refers to (Ref, Fn::GetAtt) changed between the two templates. */
function changedTargets(value: unknown, before: Template, after: Template): boolean {
  const text = JSON.stringify(value);
  const ids = [
    ...[...text.matchAll(/"Ref":"([^"]+)"/g)].map((match) => match[1]),
    ...[...text.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)].map((match) => match[1]),
  ];
  return ids.some(
    (id) => JSON.stringify(before.Resources?.[id]) !== JSON.stringify(after.Resources?.[id]) && !id.startsWith('AWS::'),
  );
}
