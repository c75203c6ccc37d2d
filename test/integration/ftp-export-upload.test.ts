import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { FileSystem, FtpSrv } from 'ftp-srv';
import { generate } from 'selfsigned';
// Imported for its side effect too: its fix of ftp-srv's AUTH TLS, which the faulty server below needs as well.
import '../../local/services/ftp';
import { findFreePort, findFreePortRange } from '../../local/services/ports';
import { testServices } from '../support/services';
import { type ExportFixture, exportFixture, ftpSecret, recipientsOf } from './ftp-export-fixture';

/** Uploads against misbehaving servers: a transfer cut mid-way, a server refusing connections while busy. */

const SLOT = { slot: '2025-08-11T09:15' };
const FILE = 'visitor_data_20250811_0915.csv';
/** Enough rows for a file of several data chunks, so the server can cut the transfer in the middle. */
const ROWS = 3_000;
const FAULT_AFTER_BYTES = 32 * 1024;

let fixture: ExportFixture;
beforeEach(async () => {
  fixture = await exportFixture('ftp-export-upload');
  await fixture.db.query(
    `INSERT INTO visitor_counts (store_id, store_name, counted_at, visitors)
     SELECT 'S' || g, '店舗 ' || g, timestamptz '2025-08-11 09:00+09', g FROM generate_series(1, ${ROWS}) g`,
  );
});
afterEach(() => fixture.close());

interface FaultyServer {
  port: number;
  rootDir: string;
  stop(): Promise<void>;
}

/** The slice of ftp-srv's connection that cutting it needs (its typings do not declare the sockets). */
interface CuttableConnection {
  commandSocket: net.Socket;
  connector: { socket?: net.Socket | null };
}

const silentLog = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silentLog };

type Fault = 'cut' | 'truncate';

/**
 * An FTPS server whose first `times` uploads go wrong after FAULT_AFTER_BYTES: `cut` destroys both sockets
 * at once; `truncate` silently stores nothing more but reports success, as a full disk on some servers does.
 */
async function startFaultyServer(
  rootDir: string,
  fault: Fault,
  times: number,
  refuseRename: (from: string, to: string) => boolean = () => false,
): Promise<FaultyServer> {
  const [port, passive, pems] = await Promise.all([
    findFreePort(),
    findFreePortRange(4),
    generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' }),
  ]);
  await mkdir(rootDir, { recursive: true });
  let faultsLeft = times;
  class FaultyFileSystem extends FileSystem {
    override write(fileName: string, options?: { append?: boolean; start?: unknown }) {
      const { stream, clientPath } = super.write(fileName, options);
      if (faultsLeft === 0) return { stream, clientPath };
      faultsLeft--;
      const connection = this.connection as unknown as CuttableConnection;
      let received = 0;
      const faulty = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received < FAULT_AFTER_BYTES || fault === 'cut') stream.write(chunk, callback);
          else callback();
          if (received >= FAULT_AFTER_BYTES && fault === 'cut') {
            connection.connector.socket?.destroy();
            connection.commandSocket.destroy();
          }
        },
        final: (callback) => stream.end(callback),
      });
      return { stream: faulty, clientPath };
    }
    override rename(from: string, to: string) {
      // ftp-srv answers 550 with the message, as servers that refuse a rename do.
      if (refuseRename(path.basename(from), path.basename(to))) throw new Error('Rename refused');
      return super.rename(from, to);
    }
  }
  const signals = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;
  const listenersBefore = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    pasv_url: '127.0.0.1',
    pasv_min: passive.min,
    pasv_max: passive.max,
    tls: { key: pems.private, cert: pems.cert },
    anonymous: false,
    log: silentLog,
  });
  // ftp-srv exits the process on signals; jest owns the process.
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!listenersBefore.get(signal)?.has(listener)) process.off(signal, listener);
    }
  }
  server.on('login', ({ connection }, resolve) =>
    resolve({ fs: new FaultyFileSystem(connection, { root: rootDir, cwd: '/' }) }),
  );
  server.on('client-error', () => undefined);
  await server.listen();
  return { port, rootDir, stop: async () => void (await server.close()) };
}

/** A TCP proxy to the shared FTPS server that answers the first `refusals` connections "421" and hangs up. */
async function startBusyProxy(refusals: number): Promise<{ port: number; stop(): Promise<void> }> {
  const { ftp } = testServices();
  let refusalsLeft = refusals;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    sockets.add(client);
    if (refusalsLeft > 0) {
      refusalsLeft--;
      client.end('421 Too many connections, try again later\r\n');
      return;
    }
    const upstream = net.connect(ftp.port, ftp.host);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

const retryFast = { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } };

async function runAgainst(server: FaultyServer) {
  const { ftp } = testServices();
  fixture.secrets.set('nightshift/ftp', {
    host: '127.0.0.1',
    port: server.port,
    user: ftp.user,
    password: ftp.password,
    secure: true,
    remote_dir: '/out',
    tls_reject_unauthorized: false,
  });
  return fixture.run(SLOT, { jobSettings: retryFast });
}

describe('ftp-export: uploads against a server that cuts the transfer', () => {
  it('never leaves a partial file under the final name when every transfer is cut', async () => {
    const server = await startFaultyServer(path.join(fixture.ftpDir.absolutePath, 'faulty'), 'cut', 2);
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'failed' }));
      expect(recipientsOf(result)[0].error).toMatch(/\(after 2 attempts\)$/);
      expect(await fixture.uploadedNames('faulty/out')).not.toContain(FILE);
    } finally {
      await server.stop();
    }
  });

  it('retries a cut transfer and then uploads the whole file', async () => {
    const server = await startFaultyServer(path.join(fixture.ftpDir.absolutePath, 'faulty'), 'cut', 1);
    const dryRun = await fixture.run({ ...SLOT, dry_run: true });
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'uploaded', attempts: 2 }));
      const expected = await readFile(String(recipientsOf(dryRun)[0].path));
      expect((await fixture.uploaded(`faulty/out/${FILE}`)).equals(expected)).toBe(true);
      expect(await fixture.uploadedNames('faulty/out')).toEqual([FILE]);
    } finally {
      await server.stop();
    }
  });
});

describe('ftp-export: uploads against a server that loses bytes', () => {
  it('retries when the stored size differs from the bytes sent, and renames only the whole file', async () => {
    const server = await startFaultyServer(path.join(fixture.ftpDir.absolutePath, 'faulty'), 'truncate', 1);
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'uploaded', attempts: 2 }));
      expect((await fixture.uploaded(`faulty/out/${FILE}`)).length).toBe(recipientsOf(result)[0].bytes);
    } finally {
      await server.stop();
    }
  });
});

describe('ftp-export: connecting to a busy server', () => {
  it('retries a refused connection with exponential backoff, then uploads', async () => {
    const proxy = await startBusyProxy(2);
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { port: proxy.port }));
    try {
      const result = await fixture.run(SLOT, {
        jobSettings: { retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 } },
      });

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'uploaded', attempts: 3 }));
      expect(fixture.sleeps).toEqual([100, 200]);
      expect(await fixture.uploadedNames()).toEqual([FILE]);
    } finally {
      await proxy.stop();
    }
  });

  it('does not start a retry the Lambda has no time left for', async () => {
    const proxy = await startBusyProxy(10);
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { port: proxy.port }));
    try {
      const result = await fixture.run(SLOT, { remainingMs: 5_000 });

      expect(recipientsOf(result)[0].error).toMatch(/^FTP connection to 127\.0\.0\.1:\d+: 421 Too many connections/);
      expect(recipientsOf(result)[0].attempts).toBe(1);
      expect(fixture.sleeps).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('ftp-export: re-running a slot against a server that refuses renames', () => {
  const GOOD = 'the file the receiver already has\r\n';
  const isUpload = (name: string) => /\.[0-9a-f]{8}\.part$/.test(name);

  /** A server whose out/ already holds a good file of the slot, as after a first successful run. */
  async function serverWithGoodFile(refuseRename: (from: string, to: string) => boolean) {
    const server = await startFaultyServer(path.join(fixture.ftpDir.absolutePath, 'faulty'), 'cut', 0, refuseRename);
    await mkdir(path.join(server.rootDir, 'out'), { recursive: true });
    await writeFile(path.join(server.rootDir, 'out', FILE), GOOD);
    return server;
  }

  it("keeps the receiver's file when the server answers 550 to every rename", async () => {
    const server = await serverWithGoodFile(() => true);
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'failed' }));
      expect(recipientsOf(result)[0].error).toContain('Rename refused');
      expect((await fixture.uploaded(`faulty/out/${FILE}`)).toString()).toBe(GOOD);
      expect(await fixture.uploadedNames('faulty/out')).toEqual([FILE]);
    } finally {
      await server.stop();
    }
  });

  it('replaces the file on a server that refuses to rename over an existing file, as IIS does', async () => {
    const out = () => path.join(fixture.ftpDir.absolutePath, 'faulty', 'out');
    const server = await serverWithGoodFile((_from, to) => existsSync(path.join(out(), to)));
    const dryRun = await fixture.run({ ...SLOT, dry_run: true });
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'uploaded' }));
      const expected = await readFile(String(recipientsOf(dryRun)[0].path));
      expect((await fixture.uploaded(`faulty/out/${FILE}`)).equals(expected)).toBe(true);
      expect(await fixture.uploadedNames('faulty/out')).toEqual([FILE]);
    } finally {
      await server.stop();
    }
  });

  it("puts the receiver's file back when the new one cannot take its name", async () => {
    const server = await serverWithGoodFile((from) => isUpload(from));
    try {
      const result = await runAgainst(server);

      expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ status: 'failed' }));
      expect((await fixture.uploaded(`faulty/out/${FILE}`)).toString()).toBe(GOOD);
      expect(await fixture.uploadedNames('faulty/out')).toEqual([FILE]);
    } finally {
      await server.stop();
    }
  });
});
