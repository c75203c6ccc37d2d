import type { JobSecrets, JobSecretValue } from './job-secrets';

/**
 * A job's secrets kept in the warm caller, for the version of the job they were read with (its
 * `updatedAt`) and at most five minutes, so a job that runs every minute reads Secrets Manager about
 * once in five runs instead of every run. Replacing a job writes its new secret before its new row
 * (create-job.ts) and changes `updatedAt`, so a run that sees the new row reads the new secret.
 *
 * When nothing is kept for a job, its secrets are read alongside its row (`prefetch`); that read
 * counts for the row's version only when the row is clearly older than the read (a replace in
 * flight could otherwise pair an old secret with a new row): older than the API's longest request.
 */
const MAX_AGE_MS = 5 * 60_000;
const REPLACE_WINDOW_MS = 20_000;

interface Entry {
  /** undefined while prefetched: not yet tied to a version of the job. */
  version?: string;
  value: Promise<JobSecretValue | undefined>;
  readAt: number;
}

export class CachedJobSecrets {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly secrets: Pick<JobSecrets, 'get'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts reading a job's secrets when none are kept for it. */
  prefetch(jobId: string): void {
    if (!this.fresh(this.entries.get(jobId))) this.read(jobId, undefined);
  }

  /** The job's secrets for this version of its row. */
  get(jobId: string, version: string): Promise<JobSecretValue | undefined> {
    const entry = this.entries.get(jobId);
    if (entry && this.fresh(entry)) {
      if (entry.version === version) return entry.value;
      if (entry.version === undefined && Date.parse(version) < entry.readAt - REPLACE_WINDOW_MS) {
        entry.version = version;
        return entry.value;
      }
    }
    return this.read(jobId, version);
  }

  private fresh(entry: Entry | undefined): entry is Entry {
    return entry !== undefined && this.clock() - entry.readAt < MAX_AGE_MS;
  }

  private read(jobId: string, version: string | undefined): Promise<JobSecretValue | undefined> {
    const value = this.secrets.get(jobId);
    const entry: Entry = { version, value, readAt: this.clock() };
    this.entries.set(jobId, entry);
    // A failed read is not kept: the next run reads again.
    value.catch(() => {
      if (this.entries.get(jobId) === entry) this.entries.delete(jobId);
    });
    return value;
  }
}
