import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import cdkJson from '../cdk.json';
import { MESSAGES_TABLE_KEYS } from '../contracts/analytics-messages';

/**
 * The messages table of daily-parquet for local mode and tests, with the key layout the dev stage
 * creates (`tenant_id` + `sk` = `<created_at>#<message_id>`), and demo messages for local mode.
 */

export const LOCAL_MESSAGES_TABLE = 'nightshift-local-messages';

/** Local mode's tenants: TENANT_ID if set (the original daily batch's comma list), else the dev stage's `tenants` in cdk.json. */
export function localTenants(env: NodeJS.ProcessEnv = process.env): string {
  const configured: readonly string[] = cdkJson.context['nightshift:stages'].dev.tenants ?? [];
  return env.TENANT_ID || configured.join(',') || 'default_tenant';
}

/** Creates the table unless it exists; returns whether it was created now. */
export async function createMessagesTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { partitionKey, sortKey } = MESSAGES_TABLE_KEYS;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}

export interface MessageItem {
  tenant_id: string;
  sk: string;
  message_id: string;
  created_at: string;
  [attribute: string]: unknown;
}

/** An item in the table's layout; `fields` may add or override any attribute (wrong types included). */
export function messageItem(
  tenant: string,
  createdAt: string,
  messageId: string,
  fields: Record<string, unknown> = {},
): MessageItem {
  return {
    tenant_id: tenant,
    sk: `${createdAt}#${messageId}`,
    message_id: messageId,
    created_at: createdAt,
    ...fields,
  };
}

/** BatchWrite in chunks of 25 (DynamoDB's limit), retrying unprocessed items. */
export async function putMessages(client: DynamoDBClient, tableName: string, items: readonly object[]): Promise<void> {
  const documents = DynamoDBDocumentClient.from(client);
  for (let start = 0; start < items.length; start += 25) {
    let requests = items
      .slice(start, start + 25)
      .map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
    while (requests.length > 0) {
      const result = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}

const SENDERS = ['user', 'assistant'] as const;
const TEXTS = [
  'こんにちは、予約の確認をお願いします',
  '承知しました。確認いたします 👍',
  '明日の天気は？',
  'Thanks! 🎉',
];

/** Creates the table and, when it was empty, 48 demo messages per tenant over each of the last three JST days. */
export async function seedDemoMessages(
  client: DynamoDBClient,
  tableName: string,
  tenants: readonly string[],
): Promise<number> {
  const created = await createMessagesTable(client, tableName);
  if (!created) return 0;
  const items: MessageItem[] = [];
  const now = Date.now();
  for (const tenant of tenants) {
    for (let i = 0; i < 48 * 3; i += 1) {
      const createdAt = new Date(now - (i + 1) * 30 * 60 * 1000).toISOString();
      items.push(
        messageItem(tenant, createdAt, `${tenant}-demo-${i}`, {
          conversation_id: `${tenant}-conv-${Math.floor(i / 6)}`,
          sender: SENDERS[i % 2],
          text: TEXTS[i % TEXTS.length],
          tokens: 10 + (i % 37),
          metadata: { channel: i % 3 === 0 ? 'web' : 'line' },
        }),
      );
    }
  }
  await putMessages(client, tableName, items);
  return items.length;
}
