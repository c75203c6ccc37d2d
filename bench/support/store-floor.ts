import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The local twin's floor under the caller's critical path: the very requests one caller run sent
 * (captured on the wire, signed), sent again with no SDK and no caller around them, in the caller's
 * order: GetItem ∥ TransactWriteItems (the job, and the lease with the run's start in the job monitor),
 * then the closing TransactWriteItems. What is left of the
 * caller's overhead above this is the caller's and its SDK's; this much is the store's and the wire's.
 */
interface CapturedRequest {
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface FloorSample {
  total: number;
  jobAndLease: number;
  transaction: number;
}

/** The caller's requests in the order it sends them: its two transactions are told apart by their order. */
const CAPTURED = ['GetItemCommand', 'TransactWriteItemsCommand#lease', 'TransactWriteItemsCommand#end'] as const;
type Captured = (typeof CAPTURED)[number];
const OPERATIONS = ['GetItemCommand', 'TransactWriteItemsCommand'];

export class StoreFloor {
  private capturing = false;
  private readonly captured = new Map<Captured, CapturedRequest>();
  private readonly agent = new http.Agent({ keepAlive: true });

  /** Adds the capturing middleware to the caller's client (below signing, where the request is final). */
  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName as string;
        if (this.capturing && OPERATIONS.includes(operation)) {
          const name = (
            operation === 'GetItemCommand'
              ? operation
              : `${operation}#${this.captured.has('TransactWriteItemsCommand#lease') ? 'end' : 'lease'}`
          ) as Captured;
          const request = args.request as Omit<CapturedRequest, 'body'> & { body: unknown };
          const { hostname, port, path, headers, body } = request;
          // The SDK's JSON bodies are bytes that also answer string methods (with a warning): read the bytes.
          const text =
            typeof body === 'string'
              ? body
              : body instanceof Uint8Array
                ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
                : '';
          if (!text) throw new Error(`${name}: the request body is neither text nor bytes`);
          this.captured.set(name, { hostname, port, path, headers: { ...headers }, body: text });
        }
        return next(args);
      },
      { step: 'deserialize', priority: 'low', name: 'captureCallerRequests' },
    );
  }

  /**
   * Captures what `run` sends. Replays go to another job (`twinJobId`, same definition) so that they
   * never meet the caller's lease or latest status: each replay is a new run id and request token.
   */
  async capture(run: () => Promise<unknown>, runId: string, jobId: string, twinJobId: string): Promise<void> {
    this.captured.clear();
    this.capturing = true;
    try {
      await run();
    } finally {
      this.capturing = false;
    }
    for (const name of CAPTURED) {
      const request = this.captured.get(name);
      if (!request) throw new Error(`the caller sent no ${name}`);
      const token = (JSON.parse(request.body) as { ClientRequestToken?: string }).ClientRequestToken;
      request.body = request.body.replaceAll(runId, RUN_ID_SLOT).replaceAll(jobId, twinJobId);
      if (token) request.body = request.body.replaceAll(token, TOKEN_SLOT);
    }
  }

  /**
   * One replay: the job ∥ lease pair, then the transaction; milliseconds of each and of both.
   * Sent to `echo` instead (a server that answers every request at once), the same replay measures
   * the wire alone: what two sequential round trips cost on this machine before any store works.
   */
  async twoRoundTrips(echo?: { hostname: string; port: number }): Promise<FloorSample> {
    const runId = randomUUID();
    const request = (name: Captured) => {
      const captured = this.captured.get(name) as CapturedRequest;
      // A token per transaction: the same token on two different transactions is refused.
      const body = captured.body.replaceAll(RUN_ID_SLOT, runId).replaceAll(TOKEN_SLOT, randomUUID());
      return { ...captured, ...echo, body };
    };
    const t0 = performance.now();
    await Promise.all([this.send(request('GetItemCommand')), this.send(request('TransactWriteItemsCommand#lease'))]);
    const t1 = performance.now();
    await this.send(request('TransactWriteItemsCommand#end'));
    const t2 = performance.now();
    return { total: t2 - t0, jobAndLease: t1 - t0, transaction: t2 - t1 };
  }

  close(): void {
    this.agent.destroy();
  }

  private send(request: CapturedRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
      const outgoing = http.request(
        { host: request.hostname, port: request.port, path: request.path, method: 'POST', headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            if (response.statusCode === 200) return resolve();
            reject(new Error(`replayed request answered ${response.statusCode}: ${Buffer.concat(chunks)}`));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }
}

const RUN_ID_SLOT = '{{run-id}}';
const TOKEN_SLOT = '{{request-token}}';
