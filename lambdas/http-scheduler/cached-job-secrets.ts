import type { JobSecretRef, JobSecrets, JobSecretValue } from './job-secrets';

/**
 * Job secrets kept in the warm caller. A generation's secret is written once and never changed
 * (job-secrets.ts), so a kept value cannot go stale: a replaced job is a new generation and is read
 * afresh. A job that runs every minute then reads Secrets Manager once per container, not per run.
 * Bounded in count and age, so a container that serves many jobs holds only the recent ones.
 */
const MAX_AGE_MS = 60 * 60_000;
const MAX_ENTRIES = 500;

interface Entry {
  value: Promise<JobSecretValue | undefined>;
  readAt: number;
}

export class CachedJobSecrets {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly secrets: Pick<JobSecrets, 'get'>,
    private readonly clock: () => number = Date.now,
  ) {}

  get(ref: JobSecretRef): Promise<JobSecretValue | undefined> {
    const key = `${ref.jobId}\u0000${ref.generation}`;
    const kept = this.entries.get(key);
    if (kept && this.clock() - kept.readAt < MAX_AGE_MS) return kept.value;
    const entry: Entry = { value: this.secrets.get(ref), readAt: this.clock() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    // A failed read (or a secret not found yet) is not kept: the next run reads again.
    entry.value.then(
      (value) => {
        if (value === undefined && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }
}
