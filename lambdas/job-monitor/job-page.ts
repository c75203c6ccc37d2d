import {
  clip,
  escapeHtml,
  formatAgo,
  formatDuration,
  formatJst,
  formatJstShort,
  formatUntil,
  timeAgo,
} from './html-format';
import type { JobActions } from './job-actions';
import { displayTitle, HEALTH_LABELS, healthOf, recentTicks, tickOfRun } from './job-display';
import type { JobView, RunView } from './job-views';
import { renderDocument } from './page-shell';
import { OUTCOME_LABELS, renderDurationChart, renderTimeline } from './run-charts';

/**
 * The job page (/incidents/jobs/{job_key}): the job's state and numbers, its timelines, what to do
 * (runbook, logs, commands to copy), its durations against the runtime limit, and its full history,
 * one page of runs at a time.
 */
export interface JobPageInput {
  job: JobView;
  /** This page of the history, newest first. */
  runs: readonly RunView[];
  actions: JobActions;
  now: Date;
  nextPage?: string;
  firstPage: boolean;
}

const DAY_MS = 86_400_000;
const KIND_LABELS: Record<string, string> = {
  scheduled: '定期',
  rerun: '再実行',
  backfill: 'バックフィル',
  'dry-run': 'ドライラン',
  manual: '手動',
  report: '報告',
};

function fact(label: string, value: string): string {
  return `<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** `1回のみ 2025-09-20 15:00:00 JST` (a one-shot HTTP job), `60分ごと`, `cron 0 9 * * * (Asia/Tokyo)`. */
function scheduleText(expectation: NonNullable<JobView['expectation']>): string {
  if (expectation.run_once_at !== undefined) return `1回のみ ${formatJst(expectation.run_once_at)}`;
  if (expectation.every_minutes !== null) return `${expectation.every_minutes}分ごと`;
  return `cron ${expectation.crons.join(' / ')} (${expectation.timezone})`;
}

function facts(job: JobView, actions: JobActions, now: Date): string {
  const limitMinutes =
    job.max_runtime_minutes ??
    job.expectation?.max_runtime_minutes ??
    (actions.timeoutMs === null ? null : actions.timeoutMs / 60_000);
  const expectation = job.expectation;
  const schedule = expectation ? scheduleText(expectation) : null;
  const items = [
    fact('最終実行', job.finished_at ? timeAgo(job.finished_at, now) : 'まだありません'),
    fact(
      '連続失敗',
      job.consecutive_failures
        ? `${job.consecutive_failures}回${job.failing_since ? ` (${formatJst(job.failing_since)} から)` : ''}`
        : '—',
    ),
    fact(
      '7日成功率',
      job.success_rate_7d === undefined || job.success_rate_7d === null
        ? '—'
        : `${Math.floor(job.success_rate_7d * 100)}%`,
    ),
    fact('直近の所要時間', job.last_duration_ms == null ? '—' : formatDuration(job.last_duration_ms)),
    fact(
      '次回予定',
      job.next_expected_run ? `${formatJst(job.next_expected_run)} (${formatUntil(job.next_expected_run, now)})` : '—',
    ),
    fact('実行上限', limitMinutes === null ? '—' : `${Math.round(limitMinutes * 10) / 10}分`),
    schedule ? fact('予定', `${escapeHtml(schedule)} · 猶予 ${expectation?.grace_minutes}分`) : '',
    job.running
      ? fact('実行中', `${formatJst(job.running.started_at)} 開始 (${formatAgo(job.running.started_at, now)})`)
      : '',
    job.tags?.length ? fact('タグ', job.tags.map((tag) => escapeHtml(`#${tag}`)).join(' ')) : '',
    job.owner ? fact('担当', escapeHtml(job.owner)) : '',
    job.muted ? fact('ミュート', `${escapeHtml(job.muted.reason)} (${formatJst(job.muted.until)} まで)`) : '',
  ];
  return `<dl class="facts">${items.join('')}</dl>`;
}

function actionsPanel(job: JobView, actions: JobActions): string {
  const runbook = actions.runbook
    .map((section) =>
      section.href
        ? `<li><a href="${escapeHtml(section.href)}" rel="noreferrer">runbook: ${escapeHtml(section.anchor)}</a></li>`
        : `<li>runbook: <code>docs/runbook.md#${escapeHtml(section.anchor)}</code></li>`,
    )
    .join('');
  const logs = actions.logsInsights
    ? `<li><a id="logs-insights" href="${escapeHtml(actions.logsInsights)}" rel="noreferrer">CloudWatch Logs Insights (直近24時間の失敗した実行)</a></li>`
    : '';
  const commands = actions.commands
    .map(
      (entry) => `<h4 class="small">${escapeHtml(entry.label)}</h4><pre class="cmd">${escapeHtml(entry.command)}</pre>`,
    )
    .join('');
  const outside = actions.builtIn
    ? ''
    : `<p class="small">外部から報告するジョブです: 再実行は報告元 (${escapeHtml(job.tool_id ?? job.job_key)}) で行ってください。</p>`;
  return `<section class="panel" id="actions"><h3>対応</h3><ul>${runbook}${logs}</ul>${outside}${commands}</section>`;
}

function historyTable(runs: readonly RunView[], input: JobPageInput): string {
  if (runs.length === 0) return '<p class="meta">実行の記録はまだありません</p>';
  const rows = runs.map((run) => {
    const outcome = run.outcome ?? run.status;
    const at = run.started_at ?? run.finished_at;
    const kind = KIND_LABELS[run.kind ?? (run.source === 'report' ? 'report' : 'scheduled')] ?? '';
    return (
      `<tr class="run" data-outcome="${outcome}"><td class="num">${at ? formatJst(at) : '—'}</td>` +
      `<td><span class="pill p-run o-${outcome}">${OUTCOME_LABELS[outcome]}</span></td>` +
      `<td class="num">${run.duration_ms === null ? '—' : formatDuration(run.duration_ms)}</td>` +
      `<td>${escapeHtml(kind)}${run.slot ? `<div class="small">枠 ${formatJstShort(run.slot)}</div>` : ''}</td>` +
      `<td class="msg">${run.message ? escapeHtml(run.message) : ''}</td>` +
      `<td class="small">${escapeHtml(clip(run.run_id, 40))}</td></tr>`
    );
  });
  const pager = [
    input.firstPage ? '' : `<a href="?">← 最新へ</a>`,
    input.nextPage ? `<a id="older-runs" href="${escapeHtml(input.nextPage)}">古い実行 →</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    `<table class="runs"><thead><tr><th>時刻 (JST)</th><th>結果</th><th>所要時間</th><th>種別</th><th>メッセージ</th><th>run_id</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>${pager ? `<nav class="pager">${pager}</nav>` : ''}`
  );
}

export function renderJobPage(input: JobPageInput): string {
  const { job, runs, actions, now } = input;
  const health = healthOf(job);
  const ticks = recentTicks(job, input.firstPage ? runs : undefined);
  const maxRuntimeMinutes = job.max_runtime_minutes ?? job.expectation?.max_runtime_minutes;
  // The runtime limit: the view's or its expectation's max runtime, else the registry timeout.
  const limitMs = maxRuntimeMinutes != null ? maxRuntimeMinutes * 60_000 : (actions.timeoutMs ?? null);
  const title = displayTitle(job);
  const state = job.muted
    ? `<span class="pill p-muted">ミュート中</span> <span class="pill p-${health}">${HEALTH_LABELS[health]}</span>`
    : `<span class="pill p-${health}">${HEALTH_LABELS[health]}</span>`;
  const live = [
    `<header class="bar"><h1><a href="/incidents">障害情報</a> › ${escapeHtml(title)}</h1></header>`,
    `<main class="${job.muted ? 'muted' : ''}">`,
    `<section class="panel" id="state" data-health="${health}"><h3>${state} ${escapeHtml(title)} <span class="key">${escapeHtml(job.job_key)}</span></h3>`,
    facts(job, actions, now),
    job.message ? `<pre class="message">${escapeHtml(job.message)}</pre>` : '',
    '</section>',
    `<section class="panel" id="timelines"><h3>実行の推移</h3><div class="small">24時間</div>${renderTimeline(ticks, { now, windowMs: DAY_MS, width: 720, height: 22, label: '24時間' })}`,
    `<div class="small">7日</div>${renderTimeline(ticks, { now, windowMs: 7 * DAY_MS, width: 720, height: 22, label: '7日' })}</section>`,
    actionsPanel(job, actions),
    `<section class="panel" id="durations"><h3>所要時間${limitMs === null ? '' : ` (点線: 上限 ${formatDuration(limitMs)})`}</h3>${renderDurationChart(runs.map(tickOfRun), limitMs)}</section>`,
    `<section class="panel" id="history"><h3>実行履歴</h3>${historyTable(runs, input)}</section>`,
    `<p class="small page-foot">更新 ${formatJst(now.toISOString())}</p>`,
    '</main>',
  ].join('');
  return renderDocument({ title: `${title} · 障害情報 · nightshift`, live });
}
