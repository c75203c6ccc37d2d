import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP target that counts its calls and, while held, answers each only when released. */
export interface HeldTarget {
  readonly url: string;
  /** Calls received so far. */
  readonly requests: number;
  /** Holds the calls that arrive from now on; the returned function answers them. */
  hold(): () => void;
  /** Answers calls at once again (the state each test starts from). */
  answerAtOnce(): void;
  /** Resolves once a call beyond the first `seen` has arrived. */
  reached(seen: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHeldTarget(): Promise<HeldTarget> {
  let requests = 0;
  let answerWhen: Promise<void> = Promise.resolve();
  const server = http.createServer((request, response) => {
    requests += 1;
    request.resume();
    void answerWhen.then(() => response.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    get requests() {
      return requests;
    },
    hold() {
      let release = () => {};
      answerWhen = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    answerAtOnce() {
      answerWhen = Promise.resolve();
    },
    async reached(seen) {
      while (requests <= seen) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
