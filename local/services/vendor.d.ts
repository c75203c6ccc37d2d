// Minimal typings for the local-service packages that ship none: only what local/services uses.

declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in-memory when omitted. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

/** dynalite's internals that local/services/dynamodb-transactions.ts builds TransactWriteItems from. */
declare module 'dynalite/db' {
  type Callback<T> = (error: (Error & { statusCode?: number; body?: unknown }) | null, result?: T) => void;
  interface DynaliteStore {
    getTable(name: string, cb: Callback<Record<string, unknown>>): void;
    getItemDb(name: string): { get(key: string, cb: Callback<Record<string, unknown>>): void };
  }
  type Problem = (Error & { body?: unknown }) | null | undefined;
  const db: {
    create(options: unknown): DynaliteStore;
    validateKey(key: unknown, table: unknown): Problem;
    validateItem(item: unknown, table: unknown): Problem;
    validateUpdates(attributeUpdates: unknown, expressionUpdates: unknown, table: unknown): Problem;
    createKey(item: unknown, table: unknown): string;
    checkConditional(data: unknown, existing: unknown): Problem;
  };
  export = db;
}

declare module 'dynalite/validations' {
  const validations: {
    checkTypes(data: Record<string, unknown>, types: unknown): Record<string, unknown>;
    checkValidations(data: Record<string, unknown>, types: unknown, custom: unknown, store: unknown): void;
  };
  export = validations;
}

declare module 'dynalite/validations/*' {
  const validation: { types: unknown; custom: unknown };
  export = validation;
}

declare module 'dynalite/actions/*' {
  const action: (
    store: unknown,
    data: Record<string, unknown>,
    cb: (error: (Error & { body?: unknown }) | null, result?: { ConsumedCapacity?: unknown }) => void,
  ) => void;
  export = action;
}

declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Set by `run()`. */
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
  export = S3rver;
}

declare module 's3rver/lib/models/account' {
  /** s3rver's only account; it accepts requests signed with one of its registered access key ids. */
  export const DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

declare module 'ftp-srv/src/commands/registry' {
  import type { Socket } from 'node:net';
  import type { SecureContextOptions } from 'node:tls';

  /** The connection a command handler runs on (`this`), reduced to what local/services touches. */
  interface FtpCommandConnection {
    commandSocket: Socket;
    secure: boolean;
    server: { options: { tls?: SecureContextOptions | false } };
    reply(code: number): PromiseLike<unknown>;
  }
  interface FtpCommand {
    handler(this: FtpCommandConnection, args: { command: { arg: string | null } }): unknown;
  }
  /** Every FTP command ftp-srv knows, by directive (`AUTH`, `STOR`, ...). */
  const registry: Record<string, FtpCommand>;
  export = registry;
}

/** dynalite's generated expression parsers, whose parses local/services/dynalite-expression-cache.ts reuses. */
declare module 'dynalite/db/conditionParser' {
  const parser: { parse(expression: string, options: { context: Record<string, unknown> }): unknown };
  export = parser;
}

declare module 'dynalite/db/updateParser' {
  const parser: { parse(expression: string, options: { context: Record<string, unknown> }): unknown };
  export = parser;
}
