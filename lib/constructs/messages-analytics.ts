import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  MESSAGE_COLUMNS,
  MESSAGE_PARTITION_KEYS,
  MESSAGES_CURRENT_PREFIX,
  MESSAGES_FIRST_DATE,
  type MessageColumnType,
} from '../../contracts/analytics-messages';

/** Glue type of each logical column type of the shared schema (contracts/analytics-messages.ts). */
const GLUE_TYPES: Record<MessageColumnType, string> = {
  string: 'string',
  json: 'string',
  timestamp: 'timestamp',
  bigint: 'bigint',
};

export const glueColumns = (columns: typeof MESSAGE_COLUMNS) =>
  columns.map((column) => ({ name: column.name, type: GLUE_TYPES[column.type], comment: column.comment }));

export interface MessagesAnalyticsProps {
  readonly stage: string;
  /** Where daily-parquet writes its runs and the symlink file of each partition (`analytics/messages/`). */
  readonly bucket: s3.IBucket;
  readonly accessLogsBucket: s3.IBucket;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Athena over daily-parquet's output: a Glue database and table whose columns come from the
 * writer's own schema, partition projection on tenant_id (injected) and dt (dates), so a new
 * partition is queryable the moment it is published, and a workgroup with encrypted results.
 *
 * The table is a symlink table (SymlinkTextInputFormat over Parquet, as Athena reads S3 Inventory
 * and Delta Lake manifests): each partition location holds one `symlink.txt` listing the Parquet
 * files of the run that is current, so replacing that one object switches a whole partition from
 * one run to the next, and a query never sees parts of two runs.
 */
export class MessagesAnalytics extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly table: glue.CfnTable;
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly resultsBucket: s3.Bucket;
  public readonly databaseName: string;

  constructor(scope: Construct, id: string, props: MessagesAnalyticsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.databaseName = `nightshift_${props.stage}`;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: `nightshift ${props.stage} analytics` },
    });
    const location = `s3://${props.bucket.bucketName}/${MESSAGES_CURRENT_PREFIX}/`;
    this.table = new glue.CfnTable(this, 'MessagesTable', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: 'messages',
        description: 'Messages per tenant and JST day, written by the daily-parquet job',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: glueColumns(MESSAGE_PARTITION_KEYS),
        parameters: {
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
          'projection.enabled': 'true',
          // Any tenant id, given in the query's WHERE; no redeploy when a tenant is added.
          'projection.tenant_id.type': 'injected',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${MESSAGES_FIRST_DATE},NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}tenant_id=\${tenant_id}/dt=\${dt}/`,
        },
        storageDescriptor: {
          location,
          columns: glueColumns(MESSAGE_COLUMNS),
          // Each file at the location lists the data files (Parquet, read by the SerDe below).
          inputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    this.table.addResourceDependency(this.database);

    this.resultsBucket = new s3.Bucket(this, 'AthenaResults', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ expiration: Duration.days(30) }, { abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `nightshift-${props.stage}`,
      description: `nightshift ${props.stage}: queries over the analytics bucket, results encrypted`,
      recursiveDeleteOption: removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        // Clients cannot turn off encryption or write results elsewhere.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
