import { Duration, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { MESSAGES_STAGING_PREFIX, MESSAGES_TABLE_KEYS } from '../../contracts/analytics-messages';
import type { NightshiftConfig } from '../config';
import type { AlarmFactory } from '../constructs/alarm-factory';
import { DatabaseAlarms } from '../constructs/database-alarms';
import { DemoMessages } from '../constructs/demo-messages';
import { MessagesAnalytics } from '../constructs/messages-analytics';
import { SERVICE_FUNCTION_IDS } from '../job-spec';
import {
  analyticsBucketName,
  demoMessagesFunctionName,
  httpJobsTableName,
  jobStatusTableName,
  messagesTableName,
} from '../resource-names';
import { HTTP_JOBS_TABLE, JOB_STATUS_TABLE } from '../tables';
import { type DatabaseEndpoint, publishDatabaseLink } from './database-link';

export interface DataStackProps extends StackProps {
  readonly config: NightshiftConfig;
  readonly vpc: ec2.IVpc;
  /** Builds the database alarms; without it the created database has none. */
  readonly alarms?: AlarmFactory;
}

/**
 * The stateful stack: the job-status and HTTP-jobs tables, the analytics bucket with its Athena
 * table and workgroup, daily-parquet's messages table (created, optionally with demo data, or
 * imported), PostgreSQL (created or imported) and the FTP target secret. In prod (protectData)
 * everything here is retained and the stack is termination-protected.
 */
export class DataStack extends Stack {
  public readonly jobStatusTable: dynamodb.TableV2;
  /** HTTP jobs, their runs and run leases (the HTTP job scheduler). */
  public readonly httpJobsTable: dynamodb.TableV2;
  public readonly analyticsBucket: s3.Bucket;
  /** For this stack's own use; the jobs stack reaches it through database-link.ts, never by export. */
  public readonly database: DatabaseEndpoint;
  /** Jobs that talk to the database run in this group; the database admits it. */
  public readonly databaseClientSecurityGroup: ec2.SecurityGroup;
  public readonly ftpSecret: secretsmanager.ISecret;
  /** daily-parquet's source, when config.dailyParquet.messagesTable says create (else imported by name in the jobs stack). */
  public readonly messagesTable?: dynamodb.TableV2;
  public readonly messagesAnalytics: MessagesAnalytics;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const protect = props.config.protectData;
    super(scope, id, { ...props, terminationProtection: protect });
    const removalPolicy = protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const keyedTable = (
      id: string,
      tableName: string,
      layout: typeof JOB_STATUS_TABLE | typeof HTTP_JOBS_TABLE,
      index: { name: string; partitionKey: string; sortKey: string },
    ) =>
      new dynamodb.TableV2(this, id, {
        tableName,
        partitionKey: { name: layout.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: layout.sortKey, type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: layout.timeToLiveAttribute,
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: protect,
        removalPolicy,
        globalSecondaryIndexes: [
          {
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
            sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
          },
        ],
      });
    this.jobStatusTable = keyedTable(
      'JobStatusTable',
      jobStatusTableName(props.config.stage),
      JOB_STATUS_TABLE,
      JOB_STATUS_TABLE.latestIndex,
    );
    this.httpJobsTable = keyedTable(
      'HttpJobsTable',
      httpJobsTableName(props.config.stage),
      HTTP_JOBS_TABLE,
      HTTP_JOBS_TABLE.kindIndex,
    );

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects: !protect,
    });
    this.analyticsBucket = new s3.Bucket(this, 'AnalyticsBucket', {
      bucketName: analyticsBucketName(props.config.stage, props.config.region),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'analytics/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { noncurrentVersionExpiration: Duration.days(30) },
        { transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }] },
        // Parts of runs that died before their switch; a live run finishes well within a day.
        { prefix: `${MESSAGES_STAGING_PREFIX}/`, expiration: Duration.days(2) },
      ],
      removalPolicy,
      autoDeleteObjects: !protect,
    });

    if (props.config.dailyParquet.messagesTable.mode === 'create') {
      this.messagesTable = new dynamodb.TableV2(this, 'MessagesTable', {
        tableName: messagesTableName(props.config.stage),
        partitionKey: { name: MESSAGES_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: MESSAGES_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: protect,
        removalPolicy,
      });
    }
    if (this.messagesTable && props.config.dailyParquet.demoMessages) {
      const demo = new DemoMessages(this, 'DemoMessages', {
        functionName: demoMessagesFunctionName(props.config.stage),
        table: this.messagesTable,
        tenants: props.config.tenants,
        logRetentionDays: props.config.logRetentionDays,
        retainLogs: protect,
      });
      Tags.of(demo).add('component', SERVICE_FUNCTION_IDS.demoMessages);
    }
    this.messagesAnalytics = new MessagesAnalytics(this, 'MessagesAnalytics', {
      stage: props.config.stage,
      bucket: this.analyticsBucket,
      accessLogsBucket: accessLogs,
      removalPolicy,
    });

    this.databaseClientSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseClients', {
      vpc: props.vpc,
      description: 'nightshift jobs that connect to PostgreSQL',
      allowAllOutbound: true, // jobs also reach FTP servers and public APIs
    });
    this.database = this.createOrImportDatabase(props, removalPolicy);
    publishDatabaseLink(
      this,
      props.config.stage,
      this.databaseClientSecurityGroup,
      props.config.database.mode === 'create' ? this.database : undefined,
    );

    this.ftpSecret = secretsmanager.Secret.fromSecretNameV2(this, 'FtpSecret', props.config.ftpSecretName);
  }

  private createOrImportDatabase(props: DataStackProps, removalPolicy: RemovalPolicy): DatabaseEndpoint {
    const { database } = props.config;
    if (database.mode === 'import') {
      if (database.securityGroupId) {
        const dbGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'ImportedDatabaseGroup', database.securityGroupId, {
          mutable: true,
        });
        dbGroup.addIngressRule(this.databaseClientSecurityGroup, ec2.Port.tcp(database.port), 'nightshift jobs');
      }
      // The jobs stack imports the secret itself, with its customer key (database-link.ts).
      return {
        host: database.host,
        port: String(database.port),
        databaseName: database.databaseName,
        secret: secretsmanager.Secret.fromSecretCompleteArn(this, 'ImportedDatabaseSecret', database.secretArn),
      };
    }
    const dbGroup = new ec2.SecurityGroup(this, 'DatabaseGroup', {
      vpc: props.vpc,
      description: 'nightshift PostgreSQL',
      allowAllOutbound: false,
    });
    dbGroup.addIngressRule(this.databaseClientSecurityGroup, ec2.Port.tcp(5432), 'nightshift jobs');
    // A fixed identifier gives the exported log group a name this stack creates first, with a retention.
    const instanceIdentifier = `nightshift-${props.config.stage}`;
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: props.config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const instance = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier,
      // Major version only: RDS applies minor upgrades itself, and a pinned minor would then ask CloudFormation to downgrade.
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.of('17', '17') }),
      instanceType: new ec2.InstanceType(database.instanceClass),
      vpc: props.vpc,
      vpcSubnets: { subnets: props.vpc.privateSubnets.length ? props.vpc.privateSubnets : props.vpc.isolatedSubnets },
      securityGroups: [dbGroup],
      databaseName: database.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret('nightshift_admin'),
      multiAz: database.multiAz,
      allocatedStorage: database.allocatedStorageGb,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      backupRetention: Duration.days(7),
      deletionProtection: props.config.protectData,
      removalPolicy: removalPolicy === RemovalPolicy.RETAIN ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      cloudwatchLogsExports: ['postgresql'],
      // The jobs sign in with the secret's password; nothing uses IAM database authentication.
      iamAuthentication: false,
      autoMinorVersionUpgrade: true,
      parameters: { 'rds.force_ssl': '1' },
    });
    instance.node.addDependency(postgresLogs);
    if (props.alarms) {
      new DatabaseAlarms(this, 'DatabaseAlarms', {
        instance,
        alarms: props.alarms,
        instanceClass: database.instanceClass,
        allocatedStorageGb: database.allocatedStorageGb,
      });
    }
    return {
      host: instance.dbInstanceEndpointAddress,
      port: instance.dbInstanceEndpointPort,
      databaseName: database.databaseName,
      secret: instance.secret!,
    };
  }
}
