import { CfnResource, type ITaggable, Stack, TagManager } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ScheduledJob } from '../../lib/constructs/scheduled-job';
import { buildTestApp } from '../support/build-test-app';

const { app, stacks } = buildTestApp({ context: { stage: 'prod', github: '{"repository":"acme/nightshift"}' } });
app.synth(); // tags are applied by an aspect during synthesis

/** The registry job a construct belongs to, if it sits inside a ScheduledJob. */
function jobOf(construct: IConstruct): string | undefined {
  return construct.node.scopes.find((scope): scope is ScheduledJob => scope instanceof ScheduledJob)?.jobId;
}

const taggable = app.node
  .findAll()
  .filter(
    (construct): construct is CfnResource => CfnResource.isCfnResource(construct) && TagManager.isTaggable(construct),
  );

const tagsOf = (resource: CfnResource): Record<string, string> =>
  Object.fromEntries(normalise((resource as unknown as ITaggable).tags.renderTags()));

/** Rendered tags are a list of {Key, Value} for most resources and a map for a few (e.g. SSM). */
function normalise(rendered: unknown): Array<[string, string]> {
  if (Array.isArray(rendered)) {
    return rendered.map((tag: Record<string, string>) => [tag.Key ?? tag.key, tag.Value ?? tag.value]);
  }
  return Object.entries((rendered ?? {}) as Record<string, string>);
}

describe('cost-allocation tags', () => {
  it('are on every taggable resource of every stack: project and stage', () => {
    expect(taggable.length).toBeGreaterThan(30);
    const missing = taggable
      .filter((resource) => {
        const tags = tagsOf(resource);
        return tags.project !== 'nightshift' || tags.stage !== 'prod';
      })
      .map((resource) => `${Stack.of(resource).stackName}/${resource.node.path} (${resource.cfnResourceType})`);
    expect(missing).toEqual([]);
  });

  it('name the job on every taggable resource of a registry job, and only there', () => {
    const wrong = taggable
      .filter((resource) => tagsOf(resource).job !== jobOf(resource))
      .map((resource) => `${resource.node.path}: job=${tagsOf(resource).job} expected ${jobOf(resource)}`);
    expect(wrong).toEqual([]);
    expect(taggable.filter((resource) => jobOf(resource) === 'sample-job').length).toBeGreaterThan(3);
  });

  it('name the job or the component on every nightshift function, the database migrations included', () => {
    const functions = taggable.filter(
      (resource) =>
        resource.cfnResourceType === 'AWS::Lambda::Function' &&
        String(Stack.of(resource).resolve((resource as unknown as { functionName?: string }).functionName)).startsWith(
          'nightshift-',
        ),
    );
    const untagged = functions
      .filter((fn) => !tagsOf(fn).job && !tagsOf(fn).component)
      .map((fn) => Stack.of(fn).resolve((fn as unknown as { functionName: string }).functionName));
    expect(functions.length).toBeGreaterThan(5);
    expect(untagged).toEqual([]);
    Template.fromStack(stacks.jobs).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-prod-db-migrate',
      Tags: Match.arrayWith([{ Key: 'component', Value: 'db-migrate' }]),
    });
  });

  it('show up in the template, e.g. on a job function', () => {
    Template.fromStack(stacks.jobs).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-prod-sample-job',
      Tags: [
        { Key: 'job', Value: 'sample-job' },
        { Key: 'project', Value: 'nightshift' },
        { Key: 'stage', Value: 'prod' },
      ],
    });
  });

  it('reach the job-status table, whose tags live on its replica', () => {
    Template.fromStack(stacks.data).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [
        Match.objectLike({
          Tags: Match.arrayWith([
            { Key: 'project', Value: 'nightshift' },
            { Key: 'stage', Value: 'prod' },
          ]),
        }),
      ],
    });
  });
});
