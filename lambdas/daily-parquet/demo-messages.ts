import { MESSAGES_TABLE_KEYS } from '../../contracts/analytics-messages';
import { parseTargetDate } from './jst-day';

/**
 * Demo messages for a stage whose messages table nothing else fills (the dev stage, local mode):
 * a fixed set per tenant and JST day, so seeding the same day again overwrites the same keys.
 */

export const DEMO_MESSAGES_PER_DAY = 48;

export interface MessageItem {
  tenant_id: string;
  sk: string;
  message_id: string;
  created_at: string;
  [attribute: string]: unknown;
}

/** An item in the table's key layout; `fields` may add or override any attribute (wrong types included). */
export function messageItem(
  tenant: string,
  createdAt: string,
  messageId: string,
  fields: Record<string, unknown> = {},
): MessageItem {
  return {
    [MESSAGES_TABLE_KEYS.partitionKey]: tenant,
    [MESSAGES_TABLE_KEYS.sortKey]: `${createdAt}#${messageId}`,
    message_id: messageId,
    created_at: createdAt,
    ...fields,
  } as MessageItem;
}

const SENDERS = ['user', 'assistant'] as const;
const TEXTS = [
  'こんにちは、予約の確認をお願いします',
  '承知しました。確認いたします 👍',
  '明日の天気は？ ☔',
  'ありがとうございます！ 🎉',
  '料金プランを教えてください 💴',
  'Thanks! 🍣',
];
const CHANNELS = ['web', 'line', 'line'] as const;
const HALF_HOUR_MS = 30 * 60 * 1000;

/** 48 messages per tenant on `jstDay` (YYYY-MM-DD): one every half hour from 00:07:30.250 JST, in conversations of six. */
export function demoMessages(tenants: readonly string[], jstDay: string): MessageItem[] {
  const { startMs } = parseTargetDate(jstDay);
  return tenants.flatMap((tenant) =>
    Array.from({ length: DEMO_MESSAGES_PER_DAY }, (_, i) => {
      // Off the half hour and with milliseconds, so the writer's timestamp precision shows.
      const createdAt = new Date(startMs + i * HALF_HOUR_MS + 7 * 60_000 + 30_250).toISOString();
      const number = String(i).padStart(2, '0');
      return messageItem(tenant, createdAt, `demo-${tenant}-${jstDay}-${number}`, {
        conversation_id: `demo-${tenant}-${jstDay}-c${Math.floor(i / 6)}`,
        sender: SENDERS[i % SENDERS.length],
        text: TEXTS[i % TEXTS.length],
        tokens: 10 + ((i * 7) % 37),
        metadata: { channel: CHANNELS[i % CHANNELS.length], demo: true },
      });
    }),
  );
}
