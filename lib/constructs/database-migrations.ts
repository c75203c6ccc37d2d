import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { NightshiftFunction } from './nightshift-function';

export interface DatabaseMigrationsProps {
  /** Deployed function name. */
  readonly functionName: string;
  readonly vpc: ec2.IVpc;
  /** Groups the database admits. */
  readonly securityGroups: ec2.ISecurityGroup[];
  readonly host: string;
  readonly port: string;
  readonly databaseName: string;
  /** Secret with the database username and password. */
  readonly secret: secretsmanager.ISecret;
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default false */
  readonly retainLogs?: boolean;
}

/**
 * The schema step of every deploy: a function in the VPC that applies the pending migrations
 * (lambdas/db-migrate, SQL files carried in its bundle), run by a CDK Trigger whenever the function
 * changes, i.e. whenever a migration is added. A failed migration fails the deploy.
 */
export class DatabaseMigrations extends Construct {
  public readonly function: NightshiftFunction;
  public readonly trigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: DatabaseMigrationsProps) {
    super(scope, id);
    this.function = new NightshiftFunction(this, 'Handler', {
      entry: 'lambdas/db-migrate/handler.ts',
      functionName: props.functionName,
      description: 'Applies pending PostgreSQL migrations at deploy',
      memoryMb: 256,
      timeout: Duration.minutes(5),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retainLogs,
      vpc: props.vpc,
      securityGroups: props.securityGroups,
      copyIntoBundle: { migrations: ['lambdas/db-migrate/migrations'] },
      environment: { DB_HOST: props.host, DB_PORT: props.port, DB_NAME: props.databaseName },
    });
    props.secret.grantRead(this.function.fn);
    this.function.fn.addEnvironment('DB_SECRET_ARN', props.secret.secretArn);
    this.trigger = new triggers.Trigger(this, 'Apply', {
      handler: this.function.fn,
      executeOnHandlerChange: true,
      timeout: Duration.minutes(5),
    });
  }

  /** These constructs are deployed only after the migrations ran. */
  runBefore(...scopes: Construct[]): void {
    this.trigger.executeBefore(...scopes);
  }
}
