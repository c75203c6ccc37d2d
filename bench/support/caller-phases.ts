import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { CallerDeps } from '../../lambdas/http-scheduler/call-job';

/**
 * Where one caller run's time goes, measured around the caller's own ports (nothing in the caller
 * changes): the job ∥ lease round trip (ledger.begin), the target call (the guarded HTTP client),
 * the closing transaction (ledger.finish), and the rest, the caller's own work between them (ids,
 * clocks, the signature, building the records, the log line). Also its CPU time (process.cpuUsage,
 * every thread of this process: the garbage collector's helpers too) and the garbage collector's
 * pauses that fell inside it, which a loaded machine disturbs less than wall-clock time.
 */
export interface RunPhases {
  total: number;
  jobAndLease: number;
  targetCall: number;
  transaction: number;
  own: number;
  cpu: number;
  gc: number;
}

type Timed = Pick<RunPhases, 'jobAndLease' | 'targetCall' | 'transaction'>;

export class CallerPhases {
  private current: Timed = { jobAndLease: 0, targetCall: 0, transaction: 0 };
  private readonly gcPauses: { start: number; end: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.gcPauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    }
  });

  /** Wraps the ports of `deps` in place. */
  constructor(deps: CallerDeps) {
    const { ledger } = deps;
    const begin = ledger.begin.bind(ledger);
    const finish = ledger.finish.bind(ledger);
    const call = deps.call;
    ledger.begin = (lease) => this.timed('jobAndLease', () => begin(lease));
    ledger.finish = (finished) => this.timed('transaction', () => finish(finished));
    deps.call = (request) => this.timed('targetCall', () => call(request));
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Runs `run` (one caller run) and returns its phases; `gc` is filled in by `withGc` once pauses are reported. */
  async measure<T>(run: () => Promise<T>): Promise<{ result: T; phases: RunPhases; window: [number, number] }> {
    this.current = { jobAndLease: 0, targetCall: 0, transaction: 0 };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await run();
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const total = t1 - t0;
    const { jobAndLease, targetCall, transaction } = this.current;
    const own = total - jobAndLease - targetCall - transaction;
    const phases = { total, jobAndLease, targetCall, transaction, own, cpu: (cpu.user + cpu.system) / 1000, gc: 0 };
    return { result, phases, window: [t0, t1] };
  }

  /** Fills in the GC pause time inside each window (pauses are reported asynchronously, so at the end). */
  async withGc(runs: { phases: RunPhases; window: [number, number] }[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.observer.disconnect();
    for (const { phases, window } of runs) {
      const [t0, t1] = window;
      phases.gc = this.gcPauses.reduce((sum, p) => sum + Math.max(0, Math.min(t1, p.end) - Math.max(t0, p.start)), 0);
    }
  }

  private async timed<T>(phase: keyof Timed, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.current[phase] += performance.now() - t0;
    }
  }
}
