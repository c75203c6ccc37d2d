import { CachedJobSecrets } from '../../lambdas/http-scheduler/cached-job-secrets';
import type { JobSecretValue } from '../../lambdas/http-scheduler/job-secrets';

describe("the caller's cache of job secrets", () => {
  const T0 = Date.parse('2026-08-11T00:00:00Z');
  let clock: number;
  let reads: string[];
  let answer: () => Promise<JobSecretValue | undefined>;
  let cache: CachedJobSecrets;

  beforeEach(() => {
    clock = T0;
    reads = [];
    answer = async () => ({ signingSecret: `secret-${reads.length}`, headers: {} });
    cache = new CachedJobSecrets(
      {
        get: (jobId) => {
          reads.push(jobId);
          return answer();
        },
      },
      () => clock,
    );
  });
  const iso = (ms: number) => new Date(ms).toISOString();

  it('reads a job version once while it is fresh, and again for a new version or after five minutes', async () => {
    const version = iso(T0 - 3_600_000);
    await cache.get('a', version);
    clock += 4 * 60_000;
    await cache.get('a', version);
    expect(reads).toEqual(['a']);

    await cache.get('a', iso(T0));
    clock += 5 * 60_000;
    await cache.get('a', iso(T0));
    expect(reads).toEqual(['a', 'a', 'a']);
  });

  it("takes a read made alongside the job's row only when the row is older than any replace in flight", async () => {
    cache.prefetch('old');
    expect((await cache.get('old', iso(T0 - 60_000)))?.signingSecret).toBe('secret-1');
    cache.prefetch('recent');
    await cache.get('recent', iso(T0 - 5_000));

    expect(reads).toEqual(['old', 'recent', 'recent']);
  });

  it('keeps no failed read', async () => {
    answer = async () => {
      throw new Error('throttled');
    };
    await expect(cache.get('a', iso(T0))).rejects.toThrow('throttled');
    answer = async () => ({ signingSecret: 's', headers: {} });

    expect(await cache.get('a', iso(T0))).toEqual({ signingSecret: 's', headers: {} });
    expect(reads).toEqual(['a', 'a']);
  });
});
