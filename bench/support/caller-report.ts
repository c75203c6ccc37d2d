import type { RunPhases } from './caller-phases';
import { percentile } from './percentile';
import type { FloorSample } from './store-floor';

/**
 * The caller's overhead taken apart, from samples of the same iterations: each caller run, the bare
 * fetch before it and the store floor after it (store-floor.ts). Returns the printed lines and the
 * BENCH keys.
 */
export interface CallerSamples {
  runs: RunPhases[];
  bare: number[];
  bareCpu: number[];
  /** The twin's two round trips alone (store-floor.ts), one per iteration. */
  floorSamples: FloorSample[];
}

const f = (value: number) => value.toFixed(2);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);

export function callerBreakdown({ runs, bare, bareCpu, floorSamples }: CallerSamples) {
  const floor = floorSamples.map((sample) => sample.total);
  const floorPair = floorSamples.map((sample) => sample.jobAndLease);
  const floorTransaction = floorSamples.map((sample) => sample.transaction);
  const overhead = runs.map((run, index) => run.total - bare[index]);
  const aboveFloor = overhead.map((ms, index) => ms - floor[index]);
  const column = (key: keyof RunPhases) => runs.map((run) => run[key]);
  const callerCpu = column('cpu');
  const cpuAboveFetch = callerCpu.map((ms, index) => ms - bareCpu[index]);
  const gc = column('gc');
  const withoutGc = overhead.filter((_, index) => gc[index] === 0);

  // The slowest 1% of runs by overhead: which phase grew, next to a median run.
  const order = overhead.map((ms, index) => ({ ms, index })).sort((a, b) => a.ms - b.ms);
  const tail = order.slice(Math.floor(order.length * 0.99)).map(({ index }) => index);
  const middle = order.slice(Math.floor(order.length * 0.45), Math.ceil(order.length * 0.55)).map(({ index }) => index);
  const describe = (indexes: number[]) => {
    const of = (values: number[]) => f(mean(indexes.map((index) => values[index])));
    return (
      `job ∥ lease ${of(column('jobAndLease'))}, target call ${of(column('targetCall'))} (bare fetch ${of(bare)}), ` +
      `transaction ${of(column('transaction'))}, own ${of(column('own'))}, GC inside ${of(gc)}, ` +
      `store floor of the same iteration ${of(floor)} ms`
    );
  };
  const phase = (
    label: string,
    key: keyof RunPhases,
    floorOf?: number[],
    floorLabel = 'the same requests without SDK',
  ) =>
    `  ${label.padEnd(22)} p50 ${f(percentile(column(key), 50))} ms  p99 ${f(percentile(column(key), 99))} ms` +
    (floorOf ? `   (${floorLabel}: p50 ${f(percentile(floorOf, 50))} ms  p99 ${f(percentile(floorOf, 99))} ms)` : '');

  const lines = [
    'caller run, by phase (wall clock):',
    phase('job ∥ lease', 'jobAndLease', floorPair),
    phase('target call', 'targetCall', bare, 'bare fetch'),
    phase('closing transaction', 'transaction', floorTransaction),
    phase('own work between', 'own'),
    `store floor: the same 3 requests without SDK or caller (GetItem ∥ TransactWriteItems of the lease and start, then the closing TransactWriteItems) ` +
      `p50 ${f(percentile(floor, 50))} ms  p99 ${f(percentile(floor, 99))} ms`,
    `overhead above the store floor (per iteration) p50 ${f(percentile(aboveFloor, 50))} ms  p99 ${f(percentile(aboveFloor, 99))} ms`,
    `CPU per run (this process): caller p50 ${f(percentile(callerCpu, 50))} ms, bare fetch p50 ${f(percentile(bareCpu, 50))} ms, ` +
      `caller above bare fetch p50 ${f(percentile(cpuAboveFetch, 50))} ms  p99 ${f(percentile(cpuAboveFetch, 99))} ms`,
    `GC pauses inside caller runs: ${f(mean(gc))} ms per run on average, in ${((100 * (runs.length - withoutGc.length)) / runs.length).toFixed(1)}% of runs; ` +
      `overhead p99 of the runs without one ${f(percentile(withoutGc, 99))} ms`,
    `slowest 1% (${tail.length} runs): ${describe(tail)}`,
    `median runs (${middle.length}):     ${describe(middle)}`,
  ];
  const keys = {
    dynalite_two_round_trips_p50_ms: f(percentile(floor, 50)),
    dynalite_two_round_trips_p99_ms: f(percentile(floor, 99)),
    overhead_above_floor_p50_ms: f(percentile(aboveFloor, 50)),
    overhead_above_floor_p99_ms: f(percentile(aboveFloor, 99)),
    job_and_lease_p50_ms: f(percentile(column('jobAndLease'), 50)),
    transaction_p50_ms: f(percentile(column('transaction'), 50)),
    floor_job_and_lease_p50_ms: f(percentile(floorPair, 50)),
    floor_transaction_p50_ms: f(percentile(floorTransaction, 50)),
    own_work_p50_ms: f(percentile(column('own'), 50)),
    caller_cpu_above_fetch_p50_ms: f(percentile(cpuAboveFetch, 50)),
    gc_ms_per_run: f(mean(gc)),
    overhead_p99_without_gc_ms: f(percentile(withoutGc, 99)),
  };
  return { overhead, lines, keys, floorP99: percentile(floor, 99) };
}
