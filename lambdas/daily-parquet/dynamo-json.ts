/**
 * DynamoDB values as they leave the document client, and as JSON text. A DynamoDB number holds up
 * to 38 significant digits and a JavaScript number about 16, so the document client hands each
 * number's text to `readDynamoNumber` (its `wrapNumbers` option): a number whose text a double
 * reproduces exactly stays a number, any other keeps its text as an `ExactNumber`. Nothing is
 * rounded and nothing throws (the default throws "can't be converted to BigInt" for 1e22 + 0.5).
 */
export class ExactNumber {
  constructor(readonly text: string) {}
}

export function readDynamoNumber(text: string): number | ExactNumber {
  const value = Number(text);
  return String(value) === text ? value : new ExactNumber(text);
}

/** JSON's number syntax; a DynamoDB number's text always has it, but a hand-made one may not. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Whether a value holds a set, binary or exact number anywhere; only then is the slow encoder needed. */
function needsDynamoJson(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint';
  if (value instanceof Set || value instanceof Uint8Array || value instanceof ExactNumber) return true;
  if (Array.isArray(value)) {
    for (const element of value) if (needsDynamoJson(element)) return true;
    return false;
  }
  for (const key in value) if (needsDynamoJson((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** JSON text of any value the document client returns: sets as arrays, binary as base64, exact numbers digit for digit. */
function dynamoJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof ExactNumber) return JSON_NUMBER.test(value.text) ? value.text : JSON.stringify(value.text);
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Set) return dynamoJson([...value]);
  if (Array.isArray(value)) return `[${value.map(dynamoJson).join(',')}]`;
  const entries: string[] = [];
  for (const [key, element] of Object.entries(value as Record<string, unknown>)) {
    if (element !== undefined) entries.push(`${JSON.stringify(key)}:${dynamoJson(element)}`);
  }
  return `{${entries.join(',')}}`;
}

/** JSON text of a map of DynamoDB values; the native JSON.stringify unless a value needs more. */
export function toJsonText(value: Record<string, unknown>): string {
  return needsDynamoJson(value) ? dynamoJson(value) : JSON.stringify(value);
}
