import { mkdir } from 'node:fs/promises';
import tls from 'node:tls';
import { FtpSrv } from 'ftp-srv';
import commands from 'ftp-srv/src/commands/registry';
import { generate } from 'selfsigned';
import { findFreePort, findFreePortRange } from './ports';

export interface FtpOptions {
  /** Directory the FTP user sees as `/`. */
  readonly rootDir: string;
  /** @default a free port */
  readonly port?: number;
  /** @default 'nightshift' */
  readonly user?: string;
  /** @default 'nightshift' */
  readonly password?: string;
}

export interface FtpService {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly rootDir: string;
  /** The server's self-signed certificate: trust it with `secureOptions: { ca: certificatePem }`. */
  readonly certificatePem: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Enough passive data ports for a few parallel transfers (each holds one port until its transfer ends). */
const PASSIVE_PORTS = 10;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;

/** The slice of bunyan's logger ftp-srv calls; it logs every command and client hiccup, none of it useful here. */
type SilentLogger = Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', () => void> & {
  child(): SilentLogger;
};
const ignore = () => undefined;
const silentLogger: SilentLogger = {
  ...{ trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore, fatal: ignore },
  child: () => silentLogger,
};

/**
 * Replaces ftp-srv's AUTH TLS, which answers 234 but wraps the socket in TLS only a few event-loop turns later: in a
 * busy process (jest's) the client's TLS hello is then read as an FTP command and the handshake fails ("wrong version
 * number"). Pausing first keeps the hello buffered for the TLS socket; the FTP parser is detached until the handshake
 * is done because TLSSocket takes buffered bytes over with read(), which also emits them as 'data'.
 */
commands.AUTH!.handler = function authTls({ command }) {
  if (command.arg?.toUpperCase() !== 'TLS') return this.reply(504);
  if (!this.server.options.tls) return this.reply(502);
  if (this.secure) return this.reply(202);
  const plain = this.commandSocket;
  const secureContext = tls.createSecureContext(this.server.options.tls);
  plain.pause();
  return this.reply(234).then(() => {
    const parsers = plain.listeners('data') as ((chunk: Buffer) => void)[];
    plain.removeAllListeners('data');
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext });
    secure.once('secure', () => {
      for (const parser of parsers) plain.on('data', parser);
    });
    // ftp-srv's listeners stay on the plain socket: hand them what the TLS socket hears.
    for (const event of ['data', 'timeout', 'end', 'close', 'drain', 'error']) {
      secure.on(event, (...args: unknown[]) => plain.emit(event, ...args));
    }
    this.commandSocket = secure;
    this.secure = true;
  });
};

/** A throwaway certificate for this process only, valid for both `localhost` and `127.0.0.1`; never written to disk. */
async function createCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: HOST },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Explicit FTPS (plain control connection upgraded by AUTH TLS), what `FTP_SECURE=true` clients speak. */
export async function startFtpServer(opts: FtpOptions): Promise<FtpService> {
  const [port, passive, certificate] = await Promise.all([
    opts.port ?? findFreePort(),
    findFreePortRange(PASSIVE_PORTS),
    createCertificate(),
  ]);
  const user = opts.user ?? 'nightshift';
  const password = opts.password ?? 'nightshift';
  await mkdir(opts.rootDir, { recursive: true });

  const signalListenersBefore = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const server = new FtpSrv({
    url: `ftp://${HOST}:${port}`,
    pasv_url: HOST,
    pasv_min: passive.min,
    pasv_max: passive.max,
    tls: certificate,
    anonymous: false,
    greeting: 'nightshift local FTPS',
    log: silentLogger,
  });
  // ftp-srv installs signal handlers that call process.exit(); the owner of this service decides when to stop.
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!signalListenersBefore.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
  // A rejected login is answered "530 <message>", what real servers send for bad credentials.
  server.on('login', ({ username, password: given }, resolve, reject) => {
    if (username === user && given === password) resolve({ root: opts.rootDir });
    else reject(new Error('Invalid username or password'));
  });
  // A client vanishing mid-transfer is the client's problem, not a reason to crash local mode.
  server.on('client-error', () => undefined);
  await server.listen();

  return {
    host: HOST,
    port,
    user,
    password,
    rootDir: opts.rootDir,
    certificatePem: certificate.cert,
    async stop() {
      // close() destroys every control connection (and with it their passive data servers) before closing.
      await server.close();
    },
  };
}
