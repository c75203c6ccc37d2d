import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import { findFreePort } from './ports';

/** Dummy credentials every local client uses: the AWS SDK insists on some, dynalite ignores them. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

// s3rver only knows the key id S3RVER and rejects others (InvalidAccessKeyId); it does not check SigV4 signatures.
DUMMY_ACCOUNT.createKeyPair(LOCAL_AWS_CREDENTIALS.accessKeyId, LOCAL_AWS_CREDENTIALS.secretAccessKey);

export interface S3Options {
  /** Where buckets and objects live on disk. */
  readonly directory: string;
  /** @default a free port */
  readonly port?: number;
}

export interface S3Service {
  /** Path-style only: clients need `forcePathStyle: true` (no `<bucket>.127.0.0.1` host names). */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startS3(opts: S3Options): Promise<S3Service> {
  const port = opts.port ?? (await findFreePort());
  await mkdir(opts.directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory: opts.directory, silent: true });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const closed = server.close();
      // Idle keep-alive sockets of SDK clients would otherwise delay the close.
      server.httpServer?.closeAllConnections();
      await closed;
    },
  };
}
