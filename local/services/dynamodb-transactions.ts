import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import dynalite from 'dynalite';
import deleteItemAction from 'dynalite/actions/deleteItem';
import putItemAction from 'dynalite/actions/putItem';
import updateItemAction from 'dynalite/actions/updateItem';
import dynaliteDb from 'dynalite/db';
import validations from 'dynalite/validations';
import deleteItemValidation from 'dynalite/validations/deleteItem';
import putItemValidation from 'dynalite/validations/putItem';
import updateItemValidation from 'dynalite/validations/updateItem';
import { cacheDynaliteExpressions } from './dynalite-expression-cache';
import { Gate } from './request-gate';

/**
 * TransactWriteItems for dynalite, which implements every single-item write but no transaction,
 * so local mode and the tests run the same transactional code as AWS.
 *
 * Isolation: every request to the server passes a readers-writer gate; single-item requests
 * share it, a transaction holds it alone, so nothing reads or writes between its condition checks
 * and its last write (AWS: serializable against single-item reads and writes). Atomicity: every
 * condition is checked before the first write, through dynalite's own parser and evaluator, and
 * the writes are dynalite's own PutItem/UpdateItem/DeleteItem. A crash of this process between two
 * writes of one transaction could leave it half applied; local data is disposable, AWS has no such
 * window. Also as on AWS: at most 100 actions, never two on one item, `CancellationReasons` in
 * request order (with the item when `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`),
 * `ClientRequestToken` idempotency for 10 minutes, and two write units per KB of each item.
 */

type AttributeMap = Record<string, unknown>;
type DynaliteStore = ReturnType<typeof dynaliteDb.create>;
type Callback<T> = (error: (Error & { statusCode?: number; body?: unknown }) | null, result?: T) => void;
type Action = typeof putItemAction;

interface Capacity {
  CapacityUnits: number;
  TableName: string;
}

interface Operation {
  kind: 'ConditionCheck' | 'Put' | 'Update' | 'Delete';
  data: AttributeMap & { TableName: string };
  returnOnFailure: boolean;
}

const VALIDATION = {
  ConditionCheck: deleteItemValidation,
  Put: putItemValidation,
  Update: updateItemValidation,
  Delete: deleteItemValidation,
};
const ACTION: Record<Operation['kind'], Action | undefined> = {
  ConditionCheck: undefined,
  Put: putItemAction,
  Update: updateItemAction,
  Delete: deleteItemAction,
};
const MAX_ACTIONS = 100;
const TOKEN_TTL_MS = 10 * 60_000;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: AttributeMap = {},
  ) {
    super(message);
  }
}

const validationError = (message: string) => new ApiError('com.amazon.coral.validate#ValidationException', message);

const promised = <T>(run: (cb: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result as T))));

/** dynalite's own errors carry the AWS body; anything else is a bug of this file. */
function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const body = (error as { body?: { __type?: string; message?: string; Message?: string } }).body;
  if (body?.__type) return new ApiError(body.__type, body.message ?? body.Message ?? '');
  throw error;
}

function parseOperations(store: DynaliteStore, request: AttributeMap): Operation[] {
  const items = request.TransactItems;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ACTIONS) {
    throw validationError(`TransactItems must hold 1 to ${MAX_ACTIONS} actions`);
  }
  return items.map((entry: AttributeMap, index) => {
    const kinds = Object.keys(entry ?? {}).filter((name) => name in VALIDATION) as Operation['kind'][];
    if (kinds.length !== 1) throw validationError(`TransactItems[${index}] must hold exactly one action`);
    const [kind] = kinds;
    const { ReturnValuesOnConditionCheckFailure, ...fields } = entry[kind] as AttributeMap;
    const validation = VALIDATION[kind];
    let data: AttributeMap;
    try {
      data = validations.checkTypes(
        { ...fields, ReturnConsumedCapacity: request.ReturnConsumedCapacity },
        validation.types,
      );
      validations.checkValidations(data, validation.types, validation.custom, store);
    } catch (error) {
      throw asApiError(error);
    }
    return {
      kind,
      data: data as Operation['data'],
      returnOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
    };
  });
}

/** The item's key in dynalite's store, after the checks dynalite would make only when writing (key, item, updates). */
async function itemKey(store: DynaliteStore, operation: Operation) {
  const table = await promised<AttributeMap>((cb) => store.getTable(operation.data.TableName, cb)).catch((error) => {
    throw asApiError(error);
  });
  const { data } = operation;
  const unfit =
    (operation.kind === 'Put' && dynaliteDb.validateItem(data.Item, table)) ||
    (operation.kind === 'Update' && dynaliteDb.validateUpdates(data.AttributeUpdates, data._updates, table));
  if (unfit) throw asApiError(unfit);
  const keySource = (operation.data.Key ?? operation.data.Item) as AttributeMap;
  const invalid = dynaliteDb.validateKey(
    Object.fromEntries(
      (table.KeySchema as { AttributeName: string }[]).map(({ AttributeName }) => [
        AttributeName,
        keySource[AttributeName],
      ]),
    ),
    table,
  );
  if (invalid) throw asApiError(invalid);
  return dynaliteDb.createKey(keySource, table) as string;
}

async function transactWrite(store: DynaliteStore, request: AttributeMap): Promise<AttributeMap> {
  const operations = parseOperations(store, request);
  const keys = await Promise.all(operations.map((operation) => itemKey(store, operation)));
  const seen = new Set<string>();
  for (const [index, key] of keys.entries()) {
    const item = `${operations[index].data.TableName}\u0000${key}`;
    if (seen.has(item)) throw validationError('Transaction request cannot include multiple operations on one item');
    seen.add(item);
  }
  const reasons = await Promise.all(
    operations.map(async (operation, index) => {
      const existing = await promised<AttributeMap | undefined>((cb) =>
        store
          .getItemDb(operation.data.TableName)
          .get(keys[index], (error, item) =>
            error && error.name !== 'NotFoundError' ? cb(error) : cb(null, item ?? undefined),
          ),
      );
      if (dynaliteDb.checkConditional(operation.data, existing) == null) return { Code: 'None' };
      return {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(operation.returnOnFailure && existing ? { Item: existing } : {}),
      };
    }),
  );
  if (reasons.some((reason) => reason.Code !== 'None')) {
    const codes = reasons.map((reason) => reason.Code).join(', ');
    throw new ApiError(
      'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
      { CancellationReasons: reasons },
    );
  }
  // The items are distinct and the gate is held: the writes may go in parallel.
  const written = await Promise.all(
    operations.map(async (operation) => {
      const action = ACTION[operation.kind];
      // A condition check writes nothing but costs as a write of its item (read here as 1 KB).
      if (!action) return { CapacityUnits: 1, TableName: operation.data.TableName };
      const result = await promised<{ ConsumedCapacity?: unknown }>((cb) =>
        action(store, { ...operation.data, ReturnConsumedCapacity: 'TOTAL' }, cb),
      ).catch((error) => {
        throw asApiError(error);
      });
      return result.ConsumedCapacity as Capacity;
    }),
  );
  const units = new Map<string, number>();
  for (const capacity of written) {
    units.set(capacity.TableName, (units.get(capacity.TableName) ?? 0) + 2 * capacity.CapacityUnits);
  }
  const wantsCapacity = request.ReturnConsumedCapacity === 'TOTAL' || request.ReturnConsumedCapacity === 'INDEXES';
  return wantsCapacity
    ? {
        ConsumedCapacity: [...units].map(([TableName, CapacityUnits]) => ({
          TableName,
          CapacityUnits,
          WriteCapacityUnits: CapacityUnits,
        })),
      }
    : {};
}

function send(response: ServerResponse, status: number, body: AttributeMap) {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('x-amzn-RequestId', randomBytes(39).toString('base64').toUpperCase().replace(/\+|\//g, '0'));
  response.setHeader('Content-Type', 'application/x-amz-json-1.0');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Answers a TransactWriteItems request, holding the gate alone; a token seen within 10 minutes answers as before. */
function transactionHandler(store: DynaliteStore, gate: Gate) {
  const tokens = new Map<string, { digest: string; status: number; body: AttributeMap; at: number }>();
  return async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readBody(request);
    const release = await gate.enter(true);
    try {
      let parsed: AttributeMap;
      try {
        parsed = JSON.parse(text) as AttributeMap;
      } catch {
        return send(response, 400, { __type: 'com.amazon.coral.service#SerializationException' });
      }
      const { ClientRequestToken: token, ...rest } = parsed;
      const digest = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
      const now = Date.now();
      // Tokens are kept in the order they were seen: the expired ones are at the front.
      for (const [key, entry] of tokens) {
        if (now - entry.at <= TOKEN_TTL_MS) break;
        tokens.delete(key);
      }
      const earlier = typeof token === 'string' ? tokens.get(token) : undefined;
      if (earlier && earlier.digest !== digest) {
        return send(response, 400, {
          __type: 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
          message: 'The request uses the same client token as a previous, but non-identical request.',
        });
      }
      if (earlier) return send(response, earlier.status, earlier.body);
      let status = 200;
      let body: AttributeMap;
      try {
        body = await transactWrite(store, rest);
      } catch (error) {
        const failure = asApiError(error);
        status = 400;
        body = { __type: failure.type, message: failure.message, ...failure.extra };
      }
      if (typeof token === 'string' && status === 200) tokens.set(token, { digest, status, body, at: now });
      return send(response, status, body);
    } finally {
      release();
    }
  };
}

/**
 * A dynalite server that also answers TransactWriteItems. dynalite keeps its store to itself, so
 * its store factory is wrapped for the one call that creates this server.
 */
export function dynaliteWithTransactions(options: Parameters<typeof dynalite>[0]): Server {
  cacheDynaliteExpressions();
  const createStore = dynaliteDb.create;
  let store: DynaliteStore | undefined;
  dynaliteDb.create = (storeOptions) => {
    store = createStore(storeOptions);
    return store;
  };
  let server: Server;
  try {
    server = dynalite(options);
  } finally {
    dynaliteDb.create = createStore;
  }
  if (!store) throw new Error('dynalite did not create its store through dynalite/db');
  const [dynaliteHandler] = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const gate = new Gate();
  const transact = transactionHandler(store, gate);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (operation === 'TransactWriteItems') {
      transact(request, response).catch((error: Error) => {
        if (!response.headersSent) send(response, 500, { __type: 'InternalFailure', message: error.message });
      });
      return;
    }
    // Reads pass the gate too: a transaction is never seen half applied (serializable, as on AWS).
    void gate.enter(false).then((release) => {
      let released = false;
      const leave = () => {
        if (!released) release();
        released = true;
      };
      response.once('finish', leave);
      response.once('close', leave);
      dynaliteHandler(request, response);
    });
  });
  return server;
}
