/**
 * An independent reading of EventBridge event-pattern matching, from its documentation, for the
 * operators nightshift's rules use: every key of the pattern must match (AND); a key's array matches
 * when any entry does (OR); an entry is an exact value or `{"exists": true|false}`; `$or` takes a list
 * of sub-patterns of which one must match; nested objects match nested fields. Any other operator
 * throws, so a rule that starts using one cannot pass here unread.
 */
type Pattern = Record<string, unknown>;

function matchesValue(entry: unknown, present: boolean, value: unknown): boolean {
  if (entry !== null && typeof entry === 'object') {
    const [operator, ...rest] = Object.keys(entry);
    if (operator !== 'exists' || rest.length > 0)
      throw new Error(`operator not read by this matcher: ${JSON.stringify(entry)}`);
    return (entry as { exists: boolean }).exists === present;
  }
  if (!present) return false;
  return Array.isArray(value) ? value.includes(entry) : value === entry;
}

export function matchesEventPattern(pattern: Pattern, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Pattern[]).some((alternative) => matchesEventPattern(alternative, event));
    const present = Object.hasOwn(event, key);
    const value = event[key];
    if (Array.isArray(expected)) return expected.some((entry) => matchesValue(entry, present, value));
    const nested = present && value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    return matchesEventPattern(expected as Pattern, nested);
  });
}
