import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { AlarmFactory, MissingDataRule, OnCallAlarm } from './alarm-factory';

export interface DatabaseAlarmsProps {
  readonly instance: rds.DatabaseInstance;
  readonly alarms: AlarmFactory;
  /** Instance class without `db.`, e.g. t4g.micro: sets the connection threshold. */
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
}

/** Memory (GiB) of the burstable/general classes by size; max_connections derives from it. */
const MEMORY_GIB_BY_SIZE: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
  '4xlarge': 64,
};

/** RDS PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function defaultMaxConnections(instanceClass: string): number {
  const size = instanceClass.split('.')[1] ?? '';
  const gib = MEMORY_GIB_BY_SIZE[size] ?? 8;
  return Math.min(Math.floor((gib * 1024 ** 3) / 9531392), 5000);
}

const RDS_MISSING: MissingDataRule = {
  treat: cloudwatch.TreatMissingData.MISSING,
  reason:
    'RDS publishes every minute while the instance is available; a gap means it is stopped or being replaced, which should show as INSUFFICIENT_DATA, not as a false ALARM or a false OK',
};

/** Free storage, CPU and connections of the created PostgreSQL, through the on-call alarm factory. */
export class DatabaseAlarms extends Construct {
  public readonly alarms: OnCallAlarm[];

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const { instance, alarms } = props;
    const region = Stack.of(this).region;
    const look = [
      `Instance: aws rds describe-db-instances --db-instance-identifier ${instance.instanceIdentifier} --region ${region}`,
      'Metrics: the RDS console, Monitoring tab of that instance (and Performance Insights for the queries)',
    ];
    const period = Duration.minutes(5);
    const freeBytes = Math.floor(props.allocatedStorageGb * 1024 ** 3 * 0.2);
    const maxConnections = defaultMaxConnections(props.instanceClass);
    const connectionThreshold = Math.floor(maxConnections * 0.8);
    this.alarms = [
      alarms.create(this, 'FreeStorage', {
        name: 'database-free-storage',
        metric: instance.metricFreeStorageSpace({ period, statistic: 'Minimum' }),
        threshold: freeBytes,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missingData: RDS_MISSING,
        text: {
          meaning: `PostgreSQL has less than 20% (${Math.round(freeBytes / 1024 ** 3)} GiB) of its ${props.allocatedStorageGb} GiB storage free; writes stop when it is full.`,
          whereToLook: look,
          runbook: 'docs/deploy.md#alarm-database-free-storage',
        },
      }),
      alarms.create(this, 'Cpu', {
        name: 'database-cpu',
        metric: instance.metricCPUUtilization({ period, statistic: 'Average' }),
        threshold: 80,
        evaluationPeriods: 3,
        missingData: RDS_MISSING,
        text: {
          meaning: `PostgreSQL CPU has been above 80% for 15 minutes (${props.instanceClass}); jobs slow down and may time out.`,
          whereToLook: look,
          runbook: 'docs/deploy.md#alarm-database-cpu',
        },
      }),
      alarms.create(this, 'Connections', {
        name: 'database-connections',
        metric: instance.metricDatabaseConnections({ period, statistic: 'Maximum' }),
        threshold: connectionThreshold,
        missingData: RDS_MISSING,
        text: {
          meaning: `PostgreSQL holds over ${connectionThreshold} connections, 80% of the ${maxConnections} a ${props.instanceClass} allows; new connections will be refused.`,
          whereToLook: look,
          runbook: 'docs/deploy.md#alarm-database-connections',
        },
      }),
    ];
  }
}
