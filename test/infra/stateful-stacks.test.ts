import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildTestApp } from '../support/build-test-app';

describe('data stack', () => {
  const { stacks } = buildTestApp();
  const data = Template.fromStack(stacks.data);

  it('keeps job status in an encrypted on-demand table with point-in-time recovery and TTL', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'nightshift-dev-job-status',
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byKind' })],
    });
  });

  it('indexes every latest-status row by kind and jobKey, the keys every writer of one sets (a start too)', () => {
    // A GSI holds only items with both its keys: a sort key a start leaves out (lastFinishedAt) would hide a
    // job whose first run is still running from the job list and from the watchdog's hung check.
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'nightshift-dev-job-status',
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'kind', AttributeType: 'S' },
        { AttributeName: 'jobKey', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byKind',
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'jobKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('blocks public access to the analytics bucket, encrypts it, versions it and expires old versions', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['nightshift-dev-analytics-', { Ref: 'AWS::AccountId' }, '-ap-northeast-1']] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({}),
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
    });
  });

  it('refuses plain-HTTP access to the buckets', () => {
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('creates an encrypted PostgreSQL reachable only from the jobs security group', () => {
    data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      DBInstanceClass: 'db.t4g.micro',
      PubliclyAccessible: false,
    });
    data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DatabaseClients'), 'GroupId'] },
    });
  });

  it('runs PostgreSQL 17 on gp3 with automatic minor upgrades, password sign-in only, and a retention on its exported log', () => {
    data.hasResourceProperties('AWS::RDS::DBInstance', {
      EngineVersion: '17',
      AutoMinorVersionUpgrade: true,
      StorageType: 'gp3',
      EnableIAMDatabaseAuthentication: false,
      DBInstanceIdentifier: 'nightshift-dev',
      EnableCloudwatchLogsExports: ['postgresql'],
    });
    data.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/instance/nightshift-dev/postgresql',
      RetentionInDays: 7,
    });
    const [instance] = Object.values(data.findResources('AWS::RDS::DBInstance'));
    expect(instance.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^PostgresLogs/)]));
  });

  it('lets dev data be deleted with the stack', () => {
    data.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    expect(stacks.data.terminationProtection).toBe(false);
  });
});

describe('data stack in prod', () => {
  const { stacks } = buildTestApp({ context: { stage: 'prod' } });
  const data = Template.fromStack(stacks.data);

  it('keeps job logs when the jobs stack is deleted', () => {
    Template.fromStack(stacks.jobs).hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ LogGroupName: '/aws/lambda/nightshift-prod-sample-job', RetentionInDays: 30 }),
    });
  });

  it('retains stateful resources, protects the database and the stack from deletion', () => {
    expect(stacks.data.terminationProtection).toBe(true);
    data.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    data.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    data.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      Properties: Match.objectLike({ DeletionProtection: true, MultiAZ: true }),
    });
  });
});

describe('data stack with an imported database', () => {
  const secretArn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shared/db-AbCdEf';
  const secretKmsKeyArn = 'arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const { stacks } = buildTestApp({
    context: {
      database: JSON.stringify({
        mode: 'import',
        host: 'db.internal',
        databaseName: 'visitors',
        secretArn,
        secretKmsKeyArn,
        securityGroupId: 'sg-0123abcd',
      }),
    },
  });

  it('creates no database and admits the jobs into the existing database security group', () => {
    const data = Template.fromStack(stacks.data);
    data.resourceCountIs('AWS::RDS::DBInstance', 0);
    data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0123abcd', FromPort: 5432 });
  });

  // Who may read its secret and decrypt its key: test/infra/database-roles.test.ts.
});

describe('monitoring stack', () => {
  const { stacks } = buildTestApp({ context: { alarmEmail: 'oncall@example.com' } });
  const monitoring = Template.fromStack(stacks.monitoring);
  const fromThisStagesAlarms = {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudwatch:ap-northeast-1:',
            { Ref: 'AWS::AccountId' },
            ':alarm:nightshift-dev-*',
          ],
        ],
      },
    },
  };

  it("encrypts the alarm topic with a rotating key only this stage's alarms may use, and subscribes the on-call e-mail", () => {
    monitoring.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'nightshift-dev-alarms',
      KmsMasterKeyId: Match.anyValue(),
    });
    monitoring.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: fromThisStagesAlarms,
          }),
        ]),
      },
    });
    monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it("lets this stage's CloudWatch alarms publish to the topic, besides refusing plain HTTP", () => {
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('AlarmTopic') },
            Condition: fromThisStagesAlarms,
          }),
        ]),
      },
    });
  });

  it('keeps the e-mail subscription when a later deploy has no alarmEmail, and outputs it for the deploy workflow', () => {
    const withEmail = Template.fromStack(
      buildTestApp({ context: { alarmEmail: 'oncall@example.com' } }).stacks.monitoring,
    );
    withEmail.hasResource('AWS::SNS::Subscription', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    withEmail.hasOutput('AlarmEmail', { Value: 'oncall@example.com' });
    const without = Template.fromStack(buildTestApp().stacks.monitoring);
    without.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(without.findOutputs('AlarmEmail')).toEqual({});
  });
});

describe('cdk-nag', () => {
  it('fails synthesis on an unacknowledged finding', () => {
    const { app, stacks } = buildTestApp();
    new s3.Bucket(stacks.data, 'CarelessBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions[\s\S]*CarelessBucket/);
  });
});
