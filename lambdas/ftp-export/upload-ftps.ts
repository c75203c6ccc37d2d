import type { Readable } from 'node:stream';
import { type Client, FTPError } from 'basic-ftp';
import { errorMessage } from '#shared/error-message';
import type { FtpTarget } from './ftp-target';

/**
 * One upload over basic-ftp, so that a receiver never sees a partial file: log in (FTPS by default),
 * create the remote directory, upload under a temporary name, compare the remote size with the bytes
 * sent, then rename to the final name. Errors say which step failed and whether retrying can help.
 */

/** The slice of basic-ftp's Client used here; tests may wrap a real client to count calls. */
export type FtpClient = Pick<Client, 'access' | 'ensureDir' | 'uploadFrom' | 'size' | 'rename' | 'remove' | 'close'>;

export class FtpStepError extends Error {
  override name = 'FtpStepError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Network failures that a new connection may not hit again. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** FTP 4xx replies are transient by RFC 959 (421 busy, 425/426 data connection, 450-452); 5xx are not. */
export function isRetryableFtpError(error: unknown): boolean {
  if (error instanceof FtpStepError) return error.retryable;
  if (error instanceof FTPError) return error.code >= 400 && error.code < 500;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
  const message = errorMessage(error);
  // basic-ftp's own words for a socket that timed out or closed under it.
  return /^Timeout \(|Client is closed|closed unexpectedly|FIN packet unexpectedly/i.test(message);
}

const TLS_CERTIFICATE_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

function reason(error: unknown): string {
  if (error instanceof FTPError) return error.message;
  const code = (error as { code?: unknown }).code;
  const message = errorMessage(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

function stepError(step: string, error: unknown): FtpStepError {
  if (error instanceof FtpStepError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  let message = `${step}: ${reason(error)}`;
  if (TLS_CERTIFICATE_CODES.test(code)) {
    message +=
      ' (the server certificate is not trusted: add its CA as "ca" in the secret, or set tls_reject_unauthorized false)';
  }
  return new FtpStepError(message, isRetryableFtpError(error), { cause: error });
}

/** Logs in; a refused login (530) or an untrusted certificate is final, a refused connection is not. */
export async function connectFtp(client: FtpClient, target: FtpTarget): Promise<void> {
  const where = `${target.host}:${target.port}`;
  try {
    await client.access({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      secure: target.secure,
      secureOptions: { rejectUnauthorized: target.rejectUnauthorized, ...(target.ca ? { ca: target.ca } : {}) },
    });
  } catch (error) {
    if (error instanceof FTPError && error.code === 530) {
      throw new FtpStepError(`FTP login to ${where} as ${target.user} was refused (${error.message})`, false, {
        cause: error,
      });
    }
    throw stepError(`FTP connection to ${where}`, error);
  }
}

export interface VerifiedUpload {
  remoteDir: string;
  fileName: string;
  temporaryName: string;
  /** Where the receiver's file waits while a server that cannot rename over it gets the new one. */
  previousName: string;
  source: Readable;
  /** Bytes the source produced; read after the upload, when the source has ended. */
  bytesSent(): number;
  /** A failure of the source itself (query, encoding): reported instead of the FTP error it caused. */
  sourceFailure(): Error | undefined;
}

/** Uploads to the temporary name, checks the size, renames; the final name only ever holds a whole file. */
export async function uploadVerified(client: FtpClient, upload: VerifiedUpload): Promise<void> {
  const { fileName, temporaryName } = upload;
  try {
    await client.ensureDir(upload.remoteDir);
  } catch (error) {
    throw stepError(`creating or entering remote directory ${upload.remoteDir}`, error);
  }
  try {
    await client.uploadFrom(upload.source, temporaryName);
  } catch (error) {
    const sourceFailure = upload.sourceFailure();
    await removeQuietly(client, temporaryName);
    if (sourceFailure) throw sourceFailure;
    throw stepError(`uploading ${temporaryName}`, error);
  }
  const sourceFailure = upload.sourceFailure();
  if (sourceFailure) {
    await removeQuietly(client, temporaryName);
    throw sourceFailure;
  }
  let size: number;
  try {
    size = await client.size(temporaryName);
  } catch (error) {
    throw stepError(`reading the size of ${temporaryName}`, error);
  }
  const sent = upload.bytesSent();
  if (size !== sent) {
    await removeQuietly(client, temporaryName);
    // A transfer cut short can still end "successfully" on the server side: treat it as transient.
    throw new FtpStepError(`upload of ${fileName} is incomplete: the server holds ${size} of ${sent} bytes`, true);
  }
  try {
    await client.rename(temporaryName, fileName);
  } catch (error) {
    if (!(error instanceof FTPError) || error.code < 500) throw stepError(`renaming to ${fileName}`, error);
    await replaceAside(client, upload, error);
  }
}

/**
 * Some servers (IIS) refuse to rename over an existing file, as a re-run of a slot must. The receiver's
 * file is moved aside, never deleted, until the new one has its name; if that fails it is put back.
 */
async function replaceAside(client: FtpClient, upload: VerifiedUpload, renameError: unknown): Promise<void> {
  const { fileName, temporaryName, previousName } = upload;
  try {
    await client.rename(fileName, previousName);
  } catch {
    // No file to replace, or no rename allowed at all: the first refusal is the answer.
    throw stepError(`renaming ${temporaryName} to ${fileName}`, renameError);
  }
  try {
    await client.rename(temporaryName, fileName);
  } catch (error) {
    try {
      await client.rename(previousName, fileName);
    } catch {
      throw new FtpStepError(
        `renaming to ${fileName}: ${reason(error)}; the previous ${fileName} could not be put back and is kept as ${previousName}`,
        false,
        { cause: error },
      );
    }
    throw stepError(`renaming to ${fileName}`, error);
  }
  await removeQuietly(client, previousName);
}

/**
 * After a failed upload, on a new connection (the old one is usually gone): removes the temporary file.
 * Best effort; a leftover `.part` file is ignored by receivers and overwritten by the next attempt.
 */
export async function removeTemporaryFile(client: FtpClient, target: FtpTarget, name: string): Promise<void> {
  try {
    await connectFtp(client, target);
    await client.ensureDir(target.remoteDir);
    await client.remove(name, true);
  } catch {
    // the server is unreachable: nothing more to do
  } finally {
    client.close();
  }
}

/** Best effort: the connection may already be gone. */
async function removeQuietly(client: FtpClient, name: string): Promise<void> {
  try {
    await client.remove(name, true);
  } catch {
    // nothing to do: the connection is gone
  }
}
