import { mkdir } from 'node:fs/promises';
import { dynaliteWithTransactions } from './dynamodb-transactions';
import { findFreePort } from './ports';

export interface DynamoDbOptions {
  /** @default a free port */
  readonly port?: number;
  /** LevelDB directory that keeps tables across restarts (local mode); in-memory when omitted (tests). */
  readonly path?: string;
}

export interface DynamoDbService {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * dynalite: a DynamoDB API on LevelDB (classic-level's bundled prebuilds cover linux-x64, so `path` works),
 * with TransactWriteItems added (dynamodb-transactions.ts).
 */
export async function startDynamoDb(opts: DynamoDbOptions = {}): Promise<DynamoDbService> {
  const port = opts.port ?? (await findFreePort());
  if (opts.path) await mkdir(opts.path, { recursive: true });
  // Tables become ACTIVE on the next tick, not at once: local/job-status-table.ts waits for it.
  const server = dynaliteWithTransactions({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // dynalite's close also closes the LevelDB store; keep-alive sockets of SDK clients must not hold it open.
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
