import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { JOB_ROLES_VARIABLE, type JobDatabaseRole } from '../../contracts/database-roles';
import { acknowledge } from '../nag-acknowledgements';
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
  /** The admin user's secret (username and password): only this function reads it. */
  readonly secret: secretsmanager.ISecret;
  /** One role per database job (lib/database-roles.ts, without secrets: each gets one here). */
  readonly roles: readonly JobDatabaseRole[];
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default false */
  readonly retainLogs?: boolean;
}

/**
 * The schema step of every deploy: a function in the VPC that applies the pending migrations
 * (lambdas/db-migrate, SQL files carried in its bundle) and then each database job's own PostgreSQL role
 * with exactly its grants, signing in as the admin user. Each role's password lives in a generated secret
 * created here, which only its job (and this function, to set the password) may read. A CDK Trigger runs
 * it whenever the function changes: a new migration, or a change of the roles (a job's grants, its settings'
 * tables, a new secret). A failure fails the deploy.
 */
export class DatabaseMigrations extends Construct {
  public readonly function: NightshiftFunction;
  public readonly trigger: triggers.Trigger;
  /** The secret of each job's role (`{"username", "password"}`), by job id. */
  public readonly roleSecrets: ReadonlyMap<string, secretsmanager.ISecret>;

  constructor(scope: Construct, id: string, props: DatabaseMigrationsProps) {
    super(scope, id);
    this.function = new NightshiftFunction(this, 'Handler', {
      entry: 'lambdas/db-migrate/handler.ts',
      functionName: props.functionName,
      description: 'Applies pending PostgreSQL migrations and the job roles at deploy',
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

    const secrets = new Map<string, secretsmanager.ISecret>();
    for (const role of props.roles) {
      const secret = this.roleSecret(role, props.functionName);
      secret.grantRead(this.function.fn);
      secrets.set(role.job, secret);
    }
    this.roleSecrets = secrets;
    this.function.fn.addEnvironment(
      JOB_ROLES_VARIABLE,
      Stack.of(this).toJsonString(props.roles.map((role) => ({ ...role, secret: secrets.get(role.job)?.secretArn }))),
    );

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

  /** A generated password for the role; outside the job's scope, which waits for the trigger that reads it. */
  private roleSecret(role: JobDatabaseRole, functionName: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `RoleSecret-${role.job}`, {
      description: `PostgreSQL role ${role.role} of job ${role.job}: ${functionName} sets the role's password from this secret at deploy`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: role.role }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
      },
      // A new secret gets a new password, which the next run of the migrations sets on the role.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      secret,
      'SMG4',
      `The password of PostgreSQL role ${role.role}: rotate it by putting a new value and invoking ${functionName}, which sets it on the role (docs/deploy.md#database-roles)`,
    );
    return secret;
  }
}
