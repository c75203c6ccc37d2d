import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type DynamoDbService, startDynamoDb } from './dynamodb';
import { type FtpService, startFtpServer } from './ftp';
import { type PostgresService, startPostgres } from './postgres';
import { LOCAL_AWS_CREDENTIALS, type S3Service, startS3 } from './s3';

export type { DynamoDbService } from './dynamodb';
export type { FtpService } from './ftp';
export type { PostgresService } from './postgres';
export { LOCAL_AWS_CREDENTIALS, type S3Service } from './s3';

/** The region every local client uses, as in the deployed stacks. */
export const LOCAL_AWS_REGION = 'ap-northeast-1';

export interface LocalServicesOptions {
  /** Parent of each service's data directory (`postgres/`, `dynamodb/`, `s3/`, `ftp/`). */
  readonly baseDir: string;
  /** Keep data across restarts (local mode) or start empty and clean up on stop (tests). */
  readonly persistent: boolean;
  /** Fixed ports; each one left out is picked free. */
  readonly ports?: Partial<Record<'postgres' | 'dynamodb' | 's3' | 'ftp', number>>;
}

export interface LocalServices {
  readonly postgres: PostgresService;
  readonly dynamodb: DynamoDbService;
  readonly s3: S3Service;
  readonly ftp: FtpService;
  /** Stops all four, reporting every failure rather than the first; later calls share the first stop. */
  stop(): Promise<void>;
}

export async function startLocalServices(opts: LocalServicesOptions): Promise<LocalServices> {
  const dir = (name: string) => path.join(opts.baseDir, name);
  await mkdir(opts.baseDir, { recursive: true });
  // Each start is independent, so all run at once; if one fails, the ones that did start are stopped again.
  const started = await Promise.allSettled([
    startPostgres({ dataDir: dir('postgres'), port: opts.ports?.postgres, persistent: opts.persistent }),
    // dynalite persists to LevelDB only in local mode; tests get a fresh in-memory store.
    startDynamoDb({ port: opts.ports?.dynamodb, path: opts.persistent ? dir('dynamodb') : undefined }),
    startS3({ directory: dir('s3'), port: opts.ports?.s3 }),
    startFtpServer({ rootDir: dir('ftp'), port: opts.ports?.ftp }),
  ]);
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= stopEach(started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    return stopping;
  };
  const [postgres, dynamodb, s3, ftp] = started;
  if (
    postgres.status === 'rejected' ||
    dynamodb.status === 'rejected' ||
    s3.status === 'rejected' ||
    ftp.status === 'rejected'
  ) {
    await stopAll();
    const reasons = started.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    throw new AggregateError(reasons, 'local services failed to start');
  }
  return { postgres: postgres.value, dynamodb: dynamodb.value, s3: s3.value, ftp: ftp.value, stop: stopAll };
}

/** Stops every service even when one of them fails to stop, then reports the failures. */
async function stopEach(services: ReadonlyArray<{ stop(): Promise<void> }>): Promise<void> {
  const stopped = await Promise.allSettled(services.map((service) => service.stop()));
  const reasons = stopped.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (reasons.length > 0) throw new AggregateError(reasons, 'local services failed to stop');
}

/** Where the services listen and how to log in: plain data, so another process (a jest worker) can read it as JSON. */
export interface LocalServicesInfo {
  readonly postgres: Pick<PostgresService, 'host' | 'port' | 'user' | 'password' | 'url'>;
  readonly dynamodb: Pick<DynamoDbService, 'endpoint'>;
  readonly s3: Pick<S3Service, 'endpoint'>;
  readonly ftp: Pick<FtpService, 'port' | 'user' | 'password' | 'rootDir' | 'certificatePem'> & {
    readonly host: string;
  };
}

export function describeServices(services: LocalServicesInfo): LocalServicesInfo {
  const { postgres, dynamodb, s3, ftp } = services;
  return {
    postgres: {
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      url: postgres.url,
    },
    dynamodb: { endpoint: dynamodb.endpoint },
    s3: { endpoint: s3.endpoint },
    ftp: {
      host: ftp.host,
      port: ftp.port,
      user: ftp.user,
      password: ftp.password,
      rootDir: ftp.rootDir,
      certificatePem: ftp.certificatePem,
    },
  };
}

/** The environment (README, "Environment for npm start and npm run invoke") that points jobs at these services. */
export function servicesEnv(services: LocalServicesInfo): Record<string, string> {
  return {
    DATABASE_URL: services.postgres.url,
    DYNAMODB_ENDPOINT: services.dynamodb.endpoint,
    S3_ENDPOINT: services.s3.endpoint,
    AWS_REGION: LOCAL_AWS_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    // s3rver stores the aws-chunked framing of streamed uploads verbatim; checksum-free uploads are sent plain.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    FTP_HOST: services.ftp.host,
    FTP_PORT: String(services.ftp.port),
    FTP_USER: services.ftp.user,
    FTP_PASSWORD: services.ftp.password,
    FTP_SECURE: 'true',
    // The certificate is self-signed and regenerated at each start.
    FTP_TLS_REJECT_UNAUTHORIZED: 'false',
  };
}
