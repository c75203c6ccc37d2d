import net from 'node:net';

/** Resolves once `port` on 127.0.0.1 could be bound (and released again), or rejects with the bind error. */
function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port the OS reports free on 127.0.0.1 right now (it may be taken again before use: bind soon). */
export function findFreePort(): Promise<number> {
  return probePort(0);
}

/**
 * `count` consecutive free ports, e.g. for an FTP passive range.
 * The OS only hands out single ports, so this probes random windows in 20000-32000, below Linux's ephemeral
 * range (32768+), where client sockets and `findFreePort` would otherwise grab ports out of the window.
 */
export async function findFreePortRange(count: number, attempts = 50): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const min = 20_000 + Math.floor(Math.random() * (12_000 - count));
    try {
      for (let port = min; port < min + count; port += 1) await probePort(port);
      return { min, max: min + count - 1 };
    } catch {
      // One port of the window is taken: try another window.
    }
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}
