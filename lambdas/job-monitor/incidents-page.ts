import { clip, escapeHtml, formatAgo, formatDuration, formatJst, formatJstShort, formatUntil } from './html-format';
import { displayTitle, HEALTH_LABELS, healthOf, needsAction, recentTicks } from './job-display';
import { type JobFilter, STATUS_FILTERS, type StatusFilter } from './job-filters';
import type { JobCounts, JobView, RunTick, RunView } from './job-views';
import { filterQuery } from './page-filters';
import { renderDocument } from './page-shell';
import { OUTCOME_COLORS, OUTCOME_LABELS, renderSparkline, renderTimeline } from './run-charts';

/**
 * The /incidents status page: one dense row per job, as wide as the screen (a phone stacks each row
 * into one column), errors, hung and late jobs first under 要対応. Server-rendered HTML and SVG; the
 * inline script only refreshes it in place.
 */
export interface IncidentsPageInput {
  jobs: readonly JobView[];
  counts: JobCounts;
  /** Recent runs per job_key, newest first: used for jobs whose view carries no recent_runs. */
  history: ReadonlyMap<string, readonly RunView[]>;
  now: Date;
  /** Jobs needing action across all pages (the section header counts them all). */
  attentionTotal?: number;
  /** Link to the next page of jobs, when there is one. */
  nextPage?: string;
  /** false on a later page: it links back to the first. */
  firstPage?: boolean;
  filter?: JobFilter;
  /** Jobs per status filter across every job, for the chips. */
  statusCounts?: Partial<Record<StatusFilter, number>>;
  /** Tags used by any job, for the tag chips. */
  tags?: readonly string[];
  /** Jobs matching the filter across all pages. */
  matching?: number;
}

const DAY_MS = 86_400_000;
const NOTE_CHARS = 200;
const STATUS_CHIP_LABELS: Record<StatusFilter, string> = {
  error: 'エラー',
  late: '遅延',
  hung: '実行超過',
  running: '実行中',
  muted: 'ミュート中',
};

const jobHref = (jobKey: string) => `/incidents/jobs/${encodeURIComponent(jobKey)}`;

function stateCell(job: JobView): string {
  const health = healthOf(job);
  const pills = [
    job.muted
      ? `<span class="pill p-muted" title="${escapeHtml(HEALTH_LABELS[health])}">ミュート中</span>`
      : `<span class="pill p-${health}">${HEALTH_LABELS[health]}</span>`,
  ];
  if (job.expectation?.problem) pills.push('<span class="pill p-problem">予定エラー</span>');
  return `<div class="cell state">${pills.join(' ')}</div>`;
}

/** The runtime limit a hung run passed: the view's, else its expectation's. */
function limitText(job: JobView): string {
  const minutes = job.max_runtime_minutes ?? job.expectation?.max_runtime_minutes;
  return minutes == null ? '' : `、上限 ${minutes}分`;
}

/** The line under the title: what on-call reads first (mute, hang, lateness, the message). */
function noteOf(job: JobView, now: Date): string {
  if (job.muted) {
    return `<div class="note muted-note">ミュート: ${escapeHtml(clip(job.muted.reason, NOTE_CHARS))} (${formatJstShort(job.muted.until)} JST まで)</div>`;
  }
  if (job.expectation?.problem)
    return `<div class="note late">予定を評価できません (監視されていません): ${escapeHtml(clip(job.expectation.problem, NOTE_CHARS))}</div>`;
  const health = healthOf(job);
  if (health === 'hung' && (job.hung_since || job.running?.started_at)) {
    const since = job.running?.started_at ?? (job.hung_since as string);
    return `<div class="note late">実行超過: ${formatJstShort(since)} JST 開始 (${formatAgo(since, now)})${limitText(job)}</div>`;
  }
  if (health === 'late' && job.late_since)
    return `<div class="note late">${formatJstShort(job.late_since)} JST から報告がありません (${formatAgo(job.late_since, now)})</div>`;
  if (health === 'running' && job.running && job.status === null) {
    const since = job.running.started_at;
    return `<div class="note">初回の実行中: ${formatJstShort(since)} JST 開始 (${formatAgo(since, now)}) · 完了した実行はまだありません</div>`;
  }
  if (health === 'not_yet_run')
    return `<div class="note">未実行${job.next_expected_run ? `: 次回 ${formatJstShort(job.next_expected_run)} JST` : ''}</div>`;
  const last = job.finished_at ? `${formatJstShort(job.finished_at)} (${formatAgo(job.finished_at, now)})` : '';
  const message = job.message ? escapeHtml(clip(job.message.replace(/\s+/g, ' '), NOTE_CHARS)) : '';
  return `<div class="note" title="${job.finished_at ? formatJst(job.finished_at) : ''}">${last}${last && message ? ' · ' : ''}${message}</div>`;
}

function nameCell(job: JobView, now: Date): string {
  return (
    `<div class="cell job-cell"><div class="name"><a href="${escapeHtml(jobHref(job.job_key))}">${escapeHtml(displayTitle(job))}</a>` +
    `<span class="key">${escapeHtml(job.job_key)}</span></div>${noteOf(job, now)}</div>`
  );
}

function failingCell(job: JobView, now: Date): string {
  if (!job.consecutive_failures) return '<div class="cell" data-label="連続失敗">—</div>';
  const since = job.failing_since ? `<div class="small">${formatAgo(job.failing_since, now)}から</div>` : '';
  return `<div class="cell failing" data-label="連続失敗"><span class="num">${job.consecutive_failures}回連続</span>${since}</div>`;
}

function rateCell(job: JobView): string {
  const rate = job.success_rate_7d;
  const text = rate === undefined || rate === null ? '—' : `${Math.floor(rate * 100)}%`;
  return `<div class="cell num rate" data-label="7日成功率">${text}</div>`;
}

function durationCell(job: JobView, ticks: readonly RunTick[]): string {
  const last = job.last_duration_ms ?? ticks.find((run) => run.duration_ms !== null)?.duration_ms ?? null;
  return `<div class="cell dur" data-label="所要時間"><span class="num">${last === null ? '—' : formatDuration(last)}</span>${renderSparkline(ticks.slice(0, 30), { width: 72, height: 18 })}</div>`;
}

function nextRunCell(job: JobView, now: Date): string {
  const next = job.next_expected_run;
  if (!next) return '<div class="cell next" data-label="次回予定">—</div>';
  return `<div class="cell next num" data-label="次回予定">${formatJstShort(next)}<div class="small">${formatUntil(next, now)}</div></div>`;
}

/** One dense row: state, title and key with the line that matters, the 24-hour and 7-day timelines, the numbers. */
export function renderJobRow(job: JobView, history: readonly RunView[] | undefined, now: Date): string {
  const health = healthOf(job);
  const ticks = [...recentTicks(job, history)];
  return [
    `<div class="row job h-${health}${job.muted ? ' muted' : ''}" data-job-key="${escapeHtml(job.job_key)}" data-health="${health}">`,
    stateCell(job),
    nameCell(job, now),
    `<div class="cell time" data-label="24時間">${renderTimeline(ticks, { now, windowMs: DAY_MS, width: 196, height: 18, label: '24時間' })}</div>`,
    `<div class="cell time" data-label="7日">${renderTimeline(ticks, { now, windowMs: 7 * DAY_MS, width: 172, height: 18, label: '7日' })}</div>`,
    failingCell(job, now),
    rateCell(job),
    durationCell(job, ticks),
    nextRunCell(job, now),
    '</div>',
  ].join('');
}

const HEAD_ROW =
  '<div class="row row-head" aria-hidden="true"><div>状態</div><div>ジョブ</div><div>24時間</div><div>7日</div><div>連続失敗</div><div>7日成功率</div><div>所要時間</div><div>次回予定</div></div>';

function legend(): string {
  const shown = ['success', 'error', 'late', 'hung', 'running', 'skipped'] as const;
  return `<div class="legend">${shown
    .map((outcome) => `<span><i style="background:${OUTCOME_COLORS[outcome]}"></i>${OUTCOME_LABELS[outcome]}</span>`)
    .join('')}</div>`;
}

function filterBar(input: IncidentsPageInput): string {
  const filter = input.filter ?? {};
  const chip = (label: string, target: JobFilter, on: boolean) =>
    `<a class="chip${on ? ' on' : ''}" href="/incidents${escapeHtml(filterQuery(target))}">${escapeHtml(label)}</a>`;
  const chips = [chip('すべて', { q: filter.q }, !filter.status && !filter.tag)];
  for (const status of STATUS_FILTERS) {
    const count = input.statusCounts?.[status];
    chips.push(
      chip(
        `${STATUS_CHIP_LABELS[status]}${count === undefined ? '' : ` ${count}`}`,
        { ...filter, status: filter.status === status ? undefined : status },
        filter.status === status,
      ),
    );
  }
  for (const tag of input.tags ?? [])
    chips.push(chip(`#${tag}`, { ...filter, tag: filter.tag === tag ? undefined : tag }, filter.tag === tag));
  const keep = [
    filter.status ? `<input type="hidden" name="status" value="${escapeHtml(filter.status)}">` : '',
    filter.tag ? `<input type="hidden" name="tag" value="${escapeHtml(filter.tag)}">` : '',
  ].join('');
  const search = `<form method="get" action="/incidents" role="search">${keep}<input type="search" name="q" value="${escapeHtml(filter.q ?? '')}" placeholder="ジョブキー・名前で検索" aria-label="ジョブキー・名前で検索"><button type="submit">検索</button></form>`;
  return `<nav class="filters" aria-label="絞り込み">${chips.join('')}${search}</nav>`;
}

export function renderIncidentsPage(input: IncidentsPageInput): string {
  const { jobs, counts, history, now } = input;
  const filter = input.filter ?? {};
  const filtered = Boolean(filter.status || filter.tag || filter.q);
  const attention = jobs.filter(needsAction);
  const rest = jobs.filter((job) => !needsAction(job));
  const attentionTotal = input.attentionTotal ?? attention.length;
  const rows = (list: readonly JobView[]) =>
    `<div class="rows">${HEAD_ROW}${list.map((job) => renderJobRow(job, history.get(job.job_key), now)).join('')}</div>`;
  const hung = input.statusCounts?.hung ?? 0;
  const badges = [
    counts.error > 0
      ? `<span class="badge" id="error-badge" aria-label="エラー ${counts.error}件">${counts.error}</span>`
      : '',
    hung > 0
      ? `<span class="badge badge-hung" id="hung-badge" aria-label="実行超過 ${hung}件">実行超過 ${hung}</span>`
      : '',
    counts.late > 0
      ? `<span class="badge badge-late" id="late-badge" aria-label="遅延 ${counts.late}件">遅延 ${counts.late}</span>`
      : '',
  ].join('');
  const sections = [
    input.firstPage === false
      ? `<nav class="pager"><a href="/incidents${escapeHtml(filterQuery(filter))}">← 先頭のページへ</a></nav>`
      : '',
    filtered ? `<h2>絞り込み結果 (${input.matching ?? jobs.length})</h2>` : '',
    !filtered && attention.length > 0
      ? `<section id="attention"><h2>要対応 (${attentionTotal})</h2>${rows(attention)}</section>`
      : '',
    !filtered && rest.length > 0
      ? `<section id="others"><h2>その他 (${counts.total - attentionTotal})</h2>${rows(rest)}</section>`
      : '',
    filtered && jobs.length > 0 ? `<section id="matching">${rows(jobs)}</section>` : '',
    jobs.length === 0
      ? `<p class="empty">${filtered ? '条件に合うジョブはありません' : 'まだジョブの報告がありません'}</p>`
      : '',
    input.nextPage
      ? `<nav class="pager"><a id="next-page" href="${escapeHtml(input.nextPage)}">次のページ (全 ${input.matching ?? counts.total} 件) →</a></nav>`
      : '',
    legend(),
  ].join('');
  const live =
    `<header class="bar"><h1><a href="/incidents">障害情報</a> ${badges}</h1>` +
    `<p class="summary">エラー ${counts.error} · 遅延 ${counts.late} · 正常 ${counts.success} · 未報告 ${counts.never_reported} · 全 ${counts.total}</p>` +
    `<p class="updated">更新 ${formatJst(now.toISOString())}</p></header>${filterBar(input)}<main>${sections}</main>`;
  return renderDocument({ title: `${counts.error > 0 ? `(${counts.error}) ` : ''}障害情報 · nightshift`, live });
}
