import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobSecretRef, JobSecrets, JobSecretValue } from '../lambdas/http-scheduler/job-secrets';

/**
 * Local mode's stand-in for Secrets Manager: every job generation's secrets in one file, each value
 * AES-256-GCM encrypted with a key kept beside it (mode 0600), so nothing sensitive sits in
 * plain text in the data directory.
 */
export class EncryptedFileJobSecrets implements JobSecrets {
  private readonly file: string;
  private readonly key: Buffer;

  constructor(directory: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    this.file = path.join(directory, 'job-secrets.json');
    const keyFile = path.join(directory, 'job-secrets.key');
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    this.key = Buffer.from(readFileSync(keyFile, 'utf8'), 'base64');
  }

  private readAll(): Record<string, string> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>) : {};
  }

  private writeAll(all: Record<string, string>): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(all, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  async put(ref: JobSecretRef, value: JobSecretValue): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    // Read and written with no await between: requests of this process never interleave here.
    this.writeAll({
      ...this.readAll(),
      [entry(ref)]: Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64'),
    });
  }

  async get(ref: JobSecretRef): Promise<JobSecretValue | undefined> {
    const stored = this.readAll()[entry(ref)];
    if (!stored) return undefined;
    const raw = Buffer.from(stored, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as JobSecretValue;
  }

  /** Every stored secret (local mode keeps them all in one file): what tests check for leftovers. */
  list(): JobSecretRef[] {
    return Object.keys(this.readAll()).map((key) => {
      const [jobId, generation] = key.split('/');
      return { jobId, generation };
    });
  }

  async delete(ref: JobSecretRef): Promise<void> {
    const { [entry(ref)]: _removed, ...rest } = this.readAll();
    this.writeAll(rest);
  }
}

/** `<job id>/<generation>`, as the Secrets Manager name ends. */
const entry = (ref: JobSecretRef) => `${ref.jobId}/${ref.generation}`;
