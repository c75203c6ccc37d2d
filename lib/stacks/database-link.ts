/**
 * How the jobs stack reaches the database and the jobs' security group, both owned by the data
 * stack, without a CloudFormation export. An export cannot change or go while another stack
 * imports it, so a replaced database, a switch of `database.mode` or a security group replaced with
 * the network would stop the data stack's deploy with "Cannot update/delete export ... in use".
 * Instead the data stack writes SSM parameters and the jobs stack reads them as SSM-typed
 * CloudFormation parameters: resolved again on every deploy (the CDK CLI never skips a stack that
 * has them), so the jobs follow a replaced database in the same `cdk deploy --all`.
 * An imported database is read from config by both stacks: nothing to pass at all.
 * docs/deploy.md#switching-modes gives the procedure per switch.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from '../config';

/** Where the jobs connect: host, port, database name and the secret holding username/password. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: string;
  readonly databaseName: string;
  /** Imported with its customer-managed key, if it has one: every grantRead also grants kms:Decrypt (via Secrets Manager). */
  readonly secret: secretsmanager.ISecret;
}

/** The SSM parameters the data stack writes for the jobs stack. */
export function databaseParameterNames(stage: string) {
  const prefix = `/nightshift/${stage}/database`;
  return {
    host: `${prefix}/host`,
    port: `${prefix}/port`,
    secretArn: `${prefix}/secret-arn`,
    clientSecurityGroupId: `${prefix}/client-security-group-id`,
  };
}

/** Data stack: publishes a created database's endpoint and, in every mode, the jobs' security group. */
export function publishDatabaseLink(
  scope: Construct,
  stage: string,
  clientGroup: ec2.ISecurityGroup,
  created?: DatabaseEndpoint,
): void {
  const names = databaseParameterNames(stage);
  const parameter = (id: string, parameterName: string, stringValue: string, description: string) =>
    new ssm.StringParameter(scope, id, { parameterName, stringValue, description });
  parameter(
    'DatabaseClientsParameter',
    names.clientSecurityGroupId,
    clientGroup.securityGroupId,
    'Security group of the nightshift jobs that connect to PostgreSQL (read by the jobs stack)',
  );
  if (!created) return;
  parameter('DatabaseHostParameter', names.host, created.host, 'nightshift PostgreSQL host (read by the jobs stack)');
  parameter('DatabasePortParameter', names.port, created.port, 'nightshift PostgreSQL port (read by the jobs stack)');
  parameter(
    'DatabaseSecretParameter',
    names.secretArn,
    created.secret.secretArn,
    'ARN of the nightshift PostgreSQL admin secret (read by the jobs stack)',
  );
}

/** Jobs stack: the database as config describes it (imported) or as the data stack published it (created). */
export function databaseEndpointIn(scope: Construct, config: NightshiftConfig): DatabaseEndpoint {
  const { database } = config;
  if (database.mode === 'import') {
    return {
      host: database.host,
      port: String(database.port),
      databaseName: database.databaseName,
      secret: importSecret(scope, database.secretArn, database.secretKmsKeyArn),
    };
  }
  const names = databaseParameterNames(config.stage);
  const read = (name: string) => ssm.StringParameter.valueForStringParameter(scope, name);
  return {
    host: read(names.host),
    port: read(names.port),
    databaseName: database.databaseName,
    secret: secretsmanager.Secret.fromSecretCompleteArn(scope, 'DatabaseSecret', read(names.secretArn)),
  };
}

/**
 * The imported secret, with its customer-managed key when it has one. CDK alone would not grant the
 * key: Secret.grantRead asks the key for grantDecrypt(ViaServicePrincipal(secretsmanager, role)),
 * and an imported key (no key policy to edit) adds that principal nowhere, silently. So every
 * grantRead of this secret also puts kms:Decrypt, through Secrets Manager only, on the reader's role:
 * the jobs and the migrations alike.
 */
function importSecret(scope: Construct, secretArn: string, keyArn: string | undefined): secretsmanager.ISecret {
  const secret = secretsmanager.Secret.fromSecretAttributes(scope, 'DatabaseSecret', {
    secretCompleteArn: secretArn,
    encryptionKey: keyArn ? kms.Key.fromKeyArn(scope, 'DatabaseSecretKey', keyArn) : undefined,
  });
  if (!keyArn) return secret;
  const viaSecretsManager = {
    StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` },
  };
  return new Proxy(secret, {
    get(target, property, receiver) {
      if (property !== 'grantRead') return Reflect.get(target, property, receiver);
      return (grantee: iam.IGrantable, versionStages?: string[]) => {
        const grant = target.grantRead(grantee, versionStages);
        grantee.grantPrincipal.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [keyArn], conditions: viaSecretsManager }),
        );
        return grant;
      };
    },
  });
}

/** Jobs stack: the data stack's security group for database clients, through its SSM parameter. */
export function databaseClientGroupIn(scope: Construct, config: NightshiftConfig): ec2.ISecurityGroup {
  const id = ssm.StringParameter.valueForStringParameter(
    scope,
    databaseParameterNames(config.stage).clientSecurityGroupId,
  );
  // Rules live in the data stack (and on the database's group): this stack only attaches the group.
  return ec2.SecurityGroup.fromSecurityGroupId(scope, 'DatabaseClients', id, { mutable: false });
}
