import { Match, Template } from 'aws-cdk-lib/assertions';
import { MESSAGE_COLUMNS, MESSAGE_PARTITION_KEYS } from '../../contracts/analytics-messages';
import { JOBS } from '../../lib/jobs';
import { buildTestApp } from '../support/build-test-app';

const policyDocumentsOf = (template: Template, logicalPrefix: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(logicalPrefix))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);

describe('daily-parquet as deployed', () => {
  const { app, stacks } = buildTestApp({ jobs: JOBS });
  const jobs = Template.fromStack(stacks.jobs);
  const data = Template.fromStack(stacks.data);

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('runs at 2:00 Asia/Tokyo every day with the schedule time in the payload', () => {
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'daily-parquet-daily-0200',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Jobdailyparquet'), 'Arn'] },
        Input: JSON.stringify({ scheduled_time: '<aws.scheduler.scheduled-time>' }),
      }),
    });
  });

  it('declares the Glue columns of the writer schema, with projected tenant_id and dt partitions', () => {
    data.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'nightshift_dev',
      TableInput: Match.objectLike({
        Name: 'messages',
        PartitionKeys: MESSAGE_PARTITION_KEYS.map((column) => Match.objectLike({ Name: column.name, Type: 'string' })),
        StorageDescriptor: Match.objectLike({
          Columns: MESSAGE_COLUMNS.map((column) => ({
            Name: column.name,
            Type: { string: 'string', json: 'string', timestamp: 'timestamp', bigint: 'bigint' }[column.type],
            Comment: column.comment,
          })),
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          Location: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/analytics/messages/current/'])] }),
        }),
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.tenant_id.type': 'injected',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2024-01-01,NOW',
          'storage.location.template': Match.objectLike({
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholders, not JavaScript's
            'Fn::Join': ['', Match.arrayWith(['/analytics/messages/current/tenant_id=${tenant_id}/dt=${dt}/'])],
          }),
        }),
      }),
    });
  });

  it('reads each partition through its symlink file, so one PUT switches a whole partition to the new run', () => {
    data.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'messages',
        StorageDescriptor: Match.objectLike({
          // The partition location lists data files; the files are Parquet (the SerDe reads them).
          InputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
      }),
    });
  });

  it('keeps Athena results encrypted in a workgroup clients cannot override', () => {
    data.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'nightshift-dev',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
    const buckets = Object.values(data.findResources('AWS::S3::Bucket'));
    for (const bucket of buckets) expect(bucket.Properties.BucketEncryption).toBeDefined();
  });

  it('creates the messages table in dev and expires abandoned staging parts', () => {
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'nightshift-dev-messages',
      KeySchema: [
        { AttributeName: 'tenant_id', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    data.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'analytics/_staging/messages/', ExpirationInDays: 2 })]),
      },
    });
  });

  it('may Query the messages table and touch objects under analytics/ only', () => {
    const statements = policyDocumentsOf(jobs, 'Jobdailyparquet');
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:Query', Resource: expect.objectContaining({}) }),
    );
    const queryStatement = dynamo.find((s) => s.Action === 'dynamodb:Query')!;
    expect(JSON.stringify(queryStatement.Resource)).toContain(':table/nightshift-dev-messages');
    const s3Statements = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    const writes = s3Statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    expect(writes[0].Action).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:DeleteObject', 's3:GetObject', 's3:AbortMultipartUpload']),
    );
    expect(JSON.stringify(writes[0].Resource)).toMatch(/\/analytics\/\*"\]\]\}$/);
    const listing = s3Statements.find((s) => s.Action === 's3:ListBucket')!;
    expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': ['analytics/*'] } });
    expect(dynamo.map((s) => s.Action)).not.toContainEqual(
      expect.stringMatching(/dynamodb:(Scan|PutItem|DeleteItem|\*)/),
    );
    expect(JSON.stringify(statements)).not.toContain('s3:*');
  });

  it('hands the function its table, tenants and bucket', () => {
    jobs.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-daily-parquet',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          MESSAGES_TABLE: 'nightshift-dev-messages',
          TENANT_ID: 'demo',
          ANALYTICS_BUCKET: Match.anyValue(),
        }),
      },
    });
  });
});

describe('daily-parquet with an imported table and scale-out mode', () => {
  const { app, stacks } = buildTestApp({
    jobs: JOBS,
    context: {
      dailyParquet: JSON.stringify({
        messagesTable: { mode: 'import', tableName: 'makoto-messages', partitionKey: 'tenant', sortKey: 'created' },
        scaleOut: { enabled: true, maxConcurrency: 25, slicesPerDay: 12 },
      }),
    },
  });
  const jobs = Template.fromStack(stacks.jobs);
  const data = Template.fromStack(stacks.data);

  it('synthesizes with cdk-nag clean', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('creates no messages table and queries the imported one by name with its key names', () => {
    data.resourcePropertiesCountIs('AWS::DynamoDB::GlobalTable', { TableName: 'nightshift-dev-messages' }, 0);
    jobs.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'nightshift-dev-daily-parquet',
      Environment: {
        Variables: Match.objectLike({
          MESSAGES_TABLE: 'makoto-messages',
          MESSAGES_PARTITION_KEY: 'tenant',
          MESSAGES_SORT_KEY: 'created',
          SCALE_OUT_SLICES: '12',
        }),
      },
    });
    expect(JSON.stringify(policyDocumentsOf(jobs, 'Jobdailyparquet'))).toContain(':table/makoto-messages');
  });

  it('schedules the state machine: Plan, a Distributed Map with retries and catch, then Publish', () => {
    jobs.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'daily-parquet-daily-0200',
      Target: Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('DailyParquetScaleOutStateMachine') } }),
    });
    const [machine] = Object.values(jobs.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.parse(
      (machine.Properties.DefinitionString['Fn::Join'][1] as unknown[])
        .map((part) => (typeof part === 'string' ? part : 'ARN'))
        .join(''),
    );
    expect(definition.StartAt).toBe('Plan');
    expect(definition.States.Plan.Next).toBe('Slices');
    const map = definition.States.Slices;
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 25,
      ItemsPath: '$.plan.items',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
      Next: 'Publish',
    });
    const item = map.ItemProcessor.States.WriteSlice;
    expect(item.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: ['States.TaskFailed', 'States.Timeout'], MaxAttempts: 2 }),
    );
    expect(item.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'SliceFailed' })]);
    expect(definition.States.Publish).toMatchObject({ Type: 'Task', End: true });
    expect(definition.States.Publish.Parameters).toMatchObject({
      step: 'publish',
      'run_id.$': '$.plan.run_id',
    });
  });

  it('alarms on failed, timed-out and aborted executions to the alarm topic', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      jobs.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Threshold: 1,
        AlarmActions: [Match.anyValue()],
        OKActions: [Match.anyValue()],
      });
    }
  });
});
