import { MESSAGES_TABLE_KEYS } from '../../contracts/analytics-messages';
import { DEMO_MESSAGES_PER_DAY, demoMessages } from '../../lambdas/daily-parquet/demo-messages';
import { parseTargetDate } from '../../lambdas/daily-parquet/jst-day';

const DAY = '2025-08-11'; // JST: 2025-08-10T15:00:00.000Z up to 2025-08-11T15:00:00.000Z

describe('demo messages of a JST day', () => {
  it('are 48 per tenant, each tenant under its own partition key', () => {
    const items = demoMessages(['acme', 'globex'], DAY);
    expect(DEMO_MESSAGES_PER_DAY).toBe(48);
    expect(items).toHaveLength(96);
    for (const tenant of ['acme', 'globex']) {
      const own = items.filter((item) => item[MESSAGES_TABLE_KEYS.partitionKey] === tenant);
      expect(own).toHaveLength(48);
      expect(own.every((item) => item.message_id.startsWith(`demo-${tenant}-${DAY}-`))).toBe(true);
    }
  });

  it('all lie inside the JST day: created_at and sort keys within its UTC bounds', () => {
    const { startMs, endMs } = parseTargetDate(DAY);
    const items = demoMessages(['acme'], DAY);
    for (const item of items) {
      const at = Date.parse(item.created_at);
      expect(at).toBeGreaterThanOrEqual(startMs);
      expect(at).toBeLessThan(endMs);
      expect(item[MESSAGES_TABLE_KEYS.sortKey]).toBe(`${item.created_at}#${item.message_id}`);
    }
    expect(items[0].created_at).toBe('2025-08-10T15:07:30.250Z');
    expect(items.at(-1)?.created_at).toBe('2025-08-11T14:37:30.250Z');
  });

  it('are the same items every time for the same tenants and day, so re-seeding overwrites the same keys', () => {
    expect(demoMessages(['acme', 'globex'], DAY)).toEqual(demoMessages(['acme', 'globex'], DAY));
    const keys = (day: string) => new Set(demoMessages(['acme'], day).map((item) => item.sk));
    expect(keys(DAY).size).toBe(48);
    const nextDay = keys('2025-08-12');
    expect([...keys(DAY)].some((key) => nextDay.has(key))).toBe(false);
  });

  it('carry Japanese text with emoji, a sender, metadata and a token count', () => {
    const items = demoMessages(['acme'], DAY);
    expect(items.some((item) => /[ぁ-んァ-ン一-龯]/.test(String(item.text)))).toBe(true);
    expect(items.some((item) => /\p{Extended_Pictographic}/u.test(String(item.text)))).toBe(true);
    expect(new Set(items.map((item) => item.sender))).toEqual(new Set(['user', 'assistant']));
    for (const item of items) {
      expect(item.metadata).toMatchObject({ demo: true, channel: expect.any(String) });
      expect(Number.isInteger(item.tokens)).toBe(true);
    }
  });

  it('refuse a day that is not a calendar date', () => {
    expect(() => demoMessages(['acme'], '2025-02-30')).toThrow('"2025-02-30" is not a calendar date');
  });
});
