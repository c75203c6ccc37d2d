import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTestApp } from '../support/build-test-app';

const statementsOfRolePolicies = (template: Template, logicalPrefix: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(logicalPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);

describe('demo messages on the dev stage (dailyParquet.demoMessages in cdk.json)', () => {
  const { app, stacks } = buildTestApp();
  const data = Template.fromStack(stacks.data);

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it("deploys a seeding function told the created table and the stage's tenants", () => {
    data.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-demo-messages',
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          MESSAGES_TABLE: { Ref: Match.stringLikeRegexp('^MessagesTable') },
          TENANT_ID: 'demo',
        }),
      },
    });
  });

  it('runs the function at deploy through a CDK Trigger, after the table exists', () => {
    const [trigger] = Object.values(data.findResources('Custom::Trigger'));
    expect(trigger).toBeDefined();
    expect(JSON.stringify(trigger.Properties.HandlerArn)).toContain('DemoMessagesHandler');
    expect(trigger.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^MessagesTable/)]));
  });

  it('lets the function batch-write items into the messages table and nothing else', () => {
    const statements = statementsOfRolePolicies(data, 'DemoMessagesHandler');
    const dynamo = statements.filter((statement) => JSON.stringify(statement.Action).includes('dynamodb:'));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'dynamodb:BatchWriteItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MessagesTable/), 'Arn'] },
      }),
    ]);
  });
});

describe('demo messages elsewhere', () => {
  it('are not deployed on prod, whose config leaves dailyParquet.demoMessages off', () => {
    const { stacks } = buildTestApp({ context: { stage: 'prod' } });
    const data = Template.fromStack(stacks.data);
    data.resourcePropertiesCountIs('AWS::Lambda::Function', { FunctionName: 'nightshift-prod-demo-messages' }, 0);
    data.resourceCountIs('Custom::Trigger', 0);
  });

  it('are refused at synth for an imported messages table, naming the field', () => {
    expect(() =>
      buildTestApp({
        context: {
          dailyParquet: JSON.stringify({
            messagesTable: { mode: 'import', tableName: 'makoto-messages' },
            demoMessages: true,
          }),
        },
      }),
    ).toThrow(/dailyParquet\.demoMessages: demo messages are written only into a table the stack creates/);
  });
});
