import { CachedJobSecrets } from '../../lambdas/http-scheduler/cached-job-secrets';
import type { JobSecretRef, JobSecretValue } from '../../lambdas/http-scheduler/job-secrets';

describe("the caller's cache of job secrets", () => {
  let clock: number;
  let reads: string[];
  let answer: (ref: JobSecretRef) => Promise<JobSecretValue | undefined>;
  let cache: CachedJobSecrets;

  beforeEach(() => {
    clock = Date.parse('2026-08-11T00:00:00Z');
    reads = [];
    answer = async (ref) => ({ signingSecret: `secret-${ref.generation}`, headers: {} });
    cache = new CachedJobSecrets(
      {
        get: (ref) => {
          reads.push(`${ref.jobId}/${ref.generation}`);
          return answer(ref);
        },
      },
      () => clock,
    );
  });

  it('reads a generation once, a new generation afresh, and again after an hour', async () => {
    await cache.get({ jobId: 'a', generation: 'g1' });
    clock += 59 * 60_000;
    await cache.get({ jobId: 'a', generation: 'g1' });
    expect((await cache.get({ jobId: 'a', generation: 'g2' }))?.signingSecret).toBe('secret-g2');
    clock += 60 * 60_000;
    await cache.get({ jobId: 'a', generation: 'g2' });

    expect(reads).toEqual(['a/g1', 'a/g2', 'a/g2']);
  });

  it('keeps neither a failed read nor a secret not found', async () => {
    answer = async () => {
      throw new Error('throttled');
    };
    await expect(cache.get({ jobId: 'a', generation: 'g' })).rejects.toThrow('throttled');
    answer = async () => undefined;
    expect(await cache.get({ jobId: 'a', generation: 'g' })).toBeUndefined();
    answer = async () => ({ signingSecret: 's', headers: {} });

    expect(await cache.get({ jobId: 'a', generation: 'g' })).toEqual({ signingSecret: 's', headers: {} });
    expect(reads).toEqual(['a/g', 'a/g', 'a/g']);
  });

  it('holds at most 500 generations, dropping the oldest', async () => {
    for (let index = 0; index <= 500; index += 1) await cache.get({ jobId: `job-${index}`, generation: 'g' });
    await cache.get({ jobId: 'job-500', generation: 'g' });
    await cache.get({ jobId: 'job-0', generation: 'g' });

    expect(reads.filter((read) => read === 'job-0/g')).toHaveLength(2);
    expect(reads.filter((read) => read === 'job-500/g')).toHaveLength(1);
  });
});
