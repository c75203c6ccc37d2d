import conditionParser from 'dynalite/db/conditionParser';
import updateParser from 'dynalite/db/updateParser';

/**
 * Parsed condition and update expressions, reused across requests. dynalite parses every
 * expression of every request with a generated PEG parser, and that parse was most of the local
 * twin's time per transaction (about 1.8 ms of CPU for the HTTP caller's closing transaction, a
 * CPU profile of `npm run bench -- http-scheduler`). Callers send the same few expressions with
 * new values each time, so a parse is kept per expression, attribute names and the type of each
 * attribute value, and a hit gets a copy of the tree with this request's values in it.
 *
 * Why that key is enough: the parsers look at values only to check their types (`getType`), except
 * `attribute_type` (which reads the type name it is given) and `BETWEEN` (which compares its two
 * bounds); expressions with either are never cached. Only successful parses are kept: an error
 * is parsed again every time, so its message is dynalite's own. Which names and values an
 * expression uses is recorded on the miss and struck from the request's "unused" lists on a hit,
 * as the parser does, so the check for unused names and values answers as before.
 */

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
  [other: string]: unknown;
}

interface Parser {
  parse(expression: string, options: { context: ParseContext }): unknown;
}

/** Where a request's attribute value goes in a cached tree. */
class ValueSlot {
  constructor(readonly name: string) {}
}

interface CachedParse {
  tree: unknown;
  usedNames: string[];
  usedValues: string[];
}

const VALUE_DEPENDENT = /attribute_type|between/i;
const MAX_ENTRIES = 2000;
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'];
const installed = new WeakSet<Parser>();

function valueType(value: Record<string, unknown>): string {
  return TYPES.find((type) => value[type] != null) ?? '?';
}

function cacheKey(expression: string, context: ParseContext): string {
  const values = Object.entries(context.attrVals ?? {})
    .map(([name, value]) => `${name}:${valueType(value)}`)
    .join(',');
  return `${context.isKeyCondition ? 'K' : ''}\u0000${expression}\u0000${JSON.stringify(context.attrNames ?? null)}\u0000${values}`;
}

/** A copy of the tree's arrays and plain objects; `swap` replaces the nodes it knows. */
function copyTree(node: unknown, swap: (node: object) => unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  const swapped = swap(node);
  if (swapped !== undefined) return swapped;
  if (Array.isArray(node)) return node.map((child) => copyTree(child, swap));
  const prototype = Object.getPrototypeOf(node);
  if (prototype !== Object.prototype && prototype !== null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) copy[key] = copyTree(child, swap);
  return copy;
}

function parseAndRemember(original: Parser['parse'], parser: Parser, expression: string, context: ParseContext) {
  const names = Object.keys(context.attrNames ?? {});
  const values = Object.keys(context.attrVals ?? {});
  // A scratch context in which every name and value starts unused, so the parse shows all it uses.
  const scratch: ParseContext = {
    ...context,
    unusedAttrNames: Object.fromEntries(names.map((name) => [name, true])),
    unusedAttrVals: Object.fromEntries(values.map((name) => [name, true])),
  };
  const tree = original.call(parser, expression, { context: scratch });
  const slots = new Map<object, ValueSlot>(
    Object.entries(context.attrVals ?? {}).map(([name, value]) => [value, new ValueSlot(name)]),
  );
  const entry: CachedParse = {
    tree: copyTree(tree, (node) => slots.get(node)),
    usedNames: names.filter((name) => !scratch.unusedAttrNames?.[name]),
    usedValues: values.filter((name) => !scratch.unusedAttrVals?.[name]),
  };
  return { tree, entry };
}

function strikeUsed(context: ParseContext, entry: CachedParse) {
  for (const name of entry.usedNames) delete context.unusedAttrNames?.[name];
  for (const name of entry.usedValues) delete context.unusedAttrVals?.[name];
}

function memoize(parser: Parser) {
  if (installed.has(parser)) return;
  installed.add(parser);
  const original = parser.parse;
  const cache = new Map<string, CachedParse>();
  parser.parse = function parse(expression, options) {
    const { context } = options;
    if (VALUE_DEPENDENT.test(expression)) return original.call(parser, expression, options);
    const key = cacheKey(expression, context);
    const cached = cache.get(key);
    if (cached) {
      strikeUsed(context, cached);
      const values = context.attrVals ?? {};
      return copyTree(cached.tree, (node) => (node instanceof ValueSlot ? values[node.name] : undefined));
    }
    const { tree, entry } = parseAndRemember(original, parser, expression, context);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, entry);
    strikeUsed(context, entry);
    return tree;
  };
}

/** Installs the cache on dynalite's condition and update parsers (once per process; idempotent). */
export function cacheDynaliteExpressions(): void {
  memoize(conditionParser as Parser);
  memoize(updateParser as Parser);
}
