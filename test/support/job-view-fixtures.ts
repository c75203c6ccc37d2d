import type { JobView, RunOutcome, RunTick } from '../../lambdas/job-monitor/job-views';

/**
 * JobView values as the status and lifecycle work will fill them, built directly for the page's tests,
 * the browser test and the page benchmark.
 */
export const FIXTURE_NOW = new Date('2025-08-11T06:00:00.000Z');

const MINUTE = 60_000;

/** `count` runs, newest first, one every `everyMinutes` before `now`, with the given outcomes cycling. */
export function ticks(
  count: number,
  options: {
    now?: Date;
    everyMinutes?: number;
    outcomes?: readonly RunOutcome[];
    durationMs?: number;
    message?: string;
  } = {},
): RunTick[] {
  const now = options.now ?? FIXTURE_NOW;
  const every = (options.everyMinutes ?? 60) * MINUTE;
  const outcomes = options.outcomes ?? ['success'];
  return Array.from({ length: count }, (_, index) => {
    const status = outcomes[index % outcomes.length];
    const started = new Date(now.getTime() - (index + 1) * every);
    const duration =
      status === 'running' || status === 'missed' || status === 'late'
        ? null
        : (options.durationMs ?? 40_000) + ((index * 7919) % 20_000);
    return {
      run_id: `run-${index}`,
      status,
      started_at: status === 'missed' || status === 'late' ? null : started.toISOString(),
      finished_at: duration === null ? null : new Date(started.getTime() + duration).toISOString(),
      duration_ms: duration,
      message:
        status === 'error'
          ? (options.message ?? `FTP 530 login incorrect (run ${index})`)
          : status === 'success'
            ? '処理完了'
            : null,
      slot: started.toISOString(),
      kind: 'scheduled',
    };
  });
}

export function jobView(jobKey: string, fields: Partial<JobView> = {}): JobView {
  return {
    job_key: jobKey,
    id: `id-${jobKey}`,
    title: `ジョブ ${jobKey}`,
    status: 'success',
    finished_at: '2025-08-11T05:00:40.000Z',
    message: '処理完了',
    tool_id: null,
    late: false,
    late_since: null,
    reported_at: '2025-08-11T05:00:41.000Z',
    expectation: null,
    health: 'success',
    running: null,
    hung: false,
    hung_since: null,
    muted: null,
    tags: [],
    owner: null,
    failing_since: null,
    consecutive_failures: 0,
    success_rate_7d: 1,
    last_duration_ms: 41_000,
    next_expected_run: '2025-08-11T07:00:00.000Z',
    max_runtime_minutes: 15,
    recent_runs: ticks(30),
    ...fields,
  };
}

/** One job in each state the page draws, most urgent first. */
export function jobsInEveryState(): JobView[] {
  return [
    jobView('csv-export', {
      title: 'CSV 出力',
      status: 'error',
      health: 'error',
      message: 'FTP 530 login incorrect',
      failing_since: '2025-08-11T03:00:00.000Z',
      consecutive_failures: 3,
      success_rate_7d: 0.9,
      recent_runs: ticks(30, { outcomes: ['error', 'error', 'error', 'success', 'skipped', 'success'] }),
      tags: ['ftp', 'nightly'],
      owner: 'data-team',
    }),
    jobView('stuck-sync', {
      title: '同期 (止まっている)',
      health: 'hung',
      hung: true,
      hung_since: '2025-08-11T05:30:00.000Z',
      running: { run_id: 'r-hung', started_at: '2025-08-11T05:10:00.000Z', slot: null },
      recent_runs: [
        { ...ticks(1)[0], run_id: 'r-hung', status: 'hung', duration_ms: null, finished_at: null },
        ...ticks(20),
      ],
    }),
    jobView('slow-report', {
      title: '遅れている報告',
      late: true,
      late_since: '2025-08-11T04:10:00.000Z',
      health: 'late',
      recent_runs: [
        { ...ticks(1)[0], status: 'missed', started_at: null, duration_ms: null },
        ...ticks(10, { now: new Date('2025-08-11T03:00:00Z') }),
      ],
    }),
    jobView('muted-job', {
      title: 'ミュート中のジョブ',
      status: 'error',
      health: 'error',
      muted: { until: '2025-08-12T00:00:00.000Z', reason: 'FTP サーバー移行中' },
      consecutive_failures: 5,
      failing_since: '2025-08-10T06:00:00.000Z',
      recent_runs: ticks(30, { outcomes: ['error'] }),
    }),
    jobView('running-job', {
      title: '実行中のジョブ',
      health: 'running',
      running: { run_id: 'r-run', started_at: '2025-08-11T05:59:00.000Z', slot: null },
      recent_runs: [
        { ...ticks(1)[0], run_id: 'r-run', status: 'running', duration_ms: null, finished_at: null },
        ...ticks(29),
      ],
    }),
    jobView('never-ran', {
      title: 'まだ動いていないジョブ',
      id: null,
      status: null,
      finished_at: null,
      message: null,
      health: 'not_yet_run',
      success_rate_7d: null,
      last_duration_ms: null,
      consecutive_failures: 0,
      recent_runs: [],
      next_expected_run: '2025-08-11T06:15:00.000Z',
    }),
    jobView('nightly-ok', { title: '夜間集計' }),
  ];
}
