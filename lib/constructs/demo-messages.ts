import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { NightshiftFunction } from './nightshift-function';

export interface DemoMessagesProps {
  /** Deployed function name. */
  readonly functionName: string;
  /** The messages table the stack created; the function may only put items into it. */
  readonly table: dynamodb.ITableV2;
  /** Tenants whose demo messages are written; none = daily-parquet's default tenant, as the jobs stack does. */
  readonly tenants: readonly string[];
  /** @default 7 */
  readonly logRetentionDays?: number;
  /** @default false */
  readonly retainLogs?: boolean;
}

/**
 * Demo data for a stage's own messages table (config dailyParquet.demoMessages): a function
 * (lambdas/daily-parquet/seed-demo-handler) that writes yesterday's and the day before's demo
 * messages (JST), run by a CDK Trigger when the stack is deployed and whenever the function changes.
 * Re-seeding a day overwrites the same keys.
 */
export class DemoMessages extends Construct {
  public readonly function: NightshiftFunction;
  public readonly trigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: DemoMessagesProps) {
    super(scope, id);
    this.function = new NightshiftFunction(this, 'Handler', {
      entry: 'lambdas/daily-parquet/seed-demo-handler.ts',
      functionName: props.functionName,
      description: "Writes demo messages (yesterday's and the day before's, JST) at deploy",
      timeout: Duration.minutes(1),
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retainLogs,
      environment: {
        MESSAGES_TABLE: props.table.tableName,
        ...(props.tenants.length > 0 ? { TENANT_ID: props.tenants.join(',') } : {}),
      },
    });
    // BatchWriteItem only: the seeder writes in batches and never reads, updates or deletes.
    props.table.grant(this.function.fn, 'dynamodb:BatchWriteItem');
    this.trigger = new triggers.Trigger(this, 'Seed', {
      handler: this.function.fn,
      executeOnHandlerChange: true,
      timeout: Duration.minutes(1),
    });
    this.trigger.executeAfter(props.table);
  }
}
