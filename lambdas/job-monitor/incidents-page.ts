import { toJstIso } from '#shared/jst-time';
import { type JobCounts, type JobView, needsAttention, type RunView } from './job-views';

/**
 * The /incidents status page (the TC Portal's 障害 page): server-rendered HTML, no script, no
 * external asset, readable on a phone. Jobs come already ordered (errors, late, the rest).
 */
export interface IncidentsPageInput {
  jobs: readonly JobView[];
  counts: JobCounts;
  /** Recent runs per job_key, newest first. */
  history: ReadonlyMap<string, readonly RunView[]>;
  now: Date;
  /** Jobs needing attention across all pages (the section header counts them all). */
  attentionTotal?: number;
  /** Link to the next page of jobs, when there is one. */
  nextPage?: string;
  /** false on a later page: it links back to the first. */
  firstPage?: boolean;
}

/** The page reloads itself this often, so a screen left open stays current. */
export const PAGE_REFRESH_SECONDS = 60;
const HISTORY_MESSAGE_CHARS = 160;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/** `2025-08-11 12:00:00 JST` */
export function formatJst(iso: string): string {
  return `${toJstIso(new Date(iso)).slice(0, 19).replace('T', ' ')} JST`;
}

/** `3分前`: how long ago, in the page's language. */
export function formatAgo(iso: string, now: Date): string {
  const minutes = Math.floor((now.getTime() - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'たった今';
  if (minutes < 60) return `${minutes}分前`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}時間前`;
  return `${Math.floor(minutes / 1440)}日前`;
}

function time(iso: string, now: Date): string {
  return `<time datetime="${escapeHtml(iso)}">${formatJst(iso)}</time> <span class="ago">(${formatAgo(iso, now)})</span>`;
}

function statusPills(job: JobView): string {
  const pills: string[] = [];
  if (job.status === 'error') pills.push('<span class="pill pill-error">エラー</span>');
  if (job.status === 'success') pills.push('<span class="pill pill-ok">正常</span>');
  if (job.status === null) pills.push('<span class="pill pill-none">未報告</span>');
  if (job.late) pills.push('<span class="pill pill-late">遅延</span>');
  if (job.expectation?.problem) pills.push('<span class="pill pill-late">予定エラー</span>');
  return pills.join('');
}

function expectationText(job: JobView): string {
  const expectation = job.expectation;
  if (!expectation) return '';
  const schedule =
    expectation.every_minutes !== null
      ? `${expectation.every_minutes}分ごと`
      : `cron ${expectation.crons.join(' / ')} (${expectation.timezone})`;
  const problem = expectation.problem
    ? `<p class="late-note expectation-problem">予定を評価できません (監視されていません): ${escapeHtml(expectation.problem)}</p>`
    : '';
  return `<p class="meta">予定: ${escapeHtml(schedule)} · 猶予 ${expectation.grace_minutes}分</p>${problem}`;
}

function historyList(runs: readonly RunView[], now: Date): string {
  if (runs.length === 0) return '';
  const items = runs.map((run) => {
    const message = run.message ? [...run.message].slice(0, HISTORY_MESSAGE_CHARS).join('') : '';
    return (
      `<li class="run run-${run.status}"><span class="run-status">${run.status === 'error' ? 'エラー' : '正常'}</span> ` +
      `${run.finished_at ? time(run.finished_at, now) : '実行中'}${message ? ` <span class="run-message">${escapeHtml(message)}</span>` : ''}</li>`
    );
  });
  return `<h4>最近の実行</h4><ol class="history">${items.join('')}</ol>`;
}

export function renderJobCard(job: JobView, runs: readonly RunView[], now: Date): string {
  const tone = job.status === 'error' ? 'error' : needsAttention(job) ? 'late' : job.status === null ? 'none' : 'ok';
  const parts = [
    `<article class="job job-${tone}" data-job-key="${escapeHtml(job.job_key)}">`,
    `<div class="job-head">${statusPills(job)}<h3>${escapeHtml(job.title)}</h3></div>`,
    `<p class="meta job-key">${escapeHtml(job.job_key)}</p>`,
    job.finished_at
      ? `<p class="last">最終実行: ${time(job.finished_at, now)}</p>`
      : '<p class="last">まだ報告がありません</p>',
    job.late && job.late_since ? `<p class="late-note">${time(job.late_since, now)} から報告がありません</p>` : '',
    job.message ? `<pre class="message">${escapeHtml(job.message)}</pre>` : '',
    expectationText(job),
    historyList(runs, now),
    '</article>',
  ];
  return parts.join('');
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP",sans-serif;background:#f4f5f7;color:#1f2328}
.bar{background:#1f2933;color:#fff;padding:12px 16px}
.bar h1{margin:0;font-size:1.25rem;display:flex;align-items:center;gap:8px}
.badge{display:inline-block;min-width:1.6em;padding:2px 8px;border-radius:999px;background:#d32f2f;color:#fff;font-size:.9rem;text-align:center}
.badge-late{background:#ef6c00}
.summary,.updated{margin:4px 0 0;font-size:.85rem;color:#cbd2d9}
main{max-width:760px;margin:0 auto;padding:12px}
h2{font-size:1rem;margin:16px 4px 8px;color:#52606d}
.job{background:#fff;border-radius:8px;border-left:6px solid #9aa5b1;padding:12px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.job-error{border-left-color:#d32f2f}.job-late{border-left-color:#ef6c00}.job-ok{border-left-color:#2e7d32}
.job-head{display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.job-head h3{margin:0;font-size:1.05rem;overflow-wrap:anywhere}
.pill{font-size:.75rem;font-weight:600;padding:1px 8px;border-radius:999px;color:#fff;background:#7b8794}
.pill-error{background:#d32f2f}.pill-late{background:#ef6c00}.pill-ok{background:#2e7d32}
.meta{margin:4px 0;font-size:.8rem;color:#616e7c;overflow-wrap:anywhere}
.last,.late-note{margin:6px 0;font-size:.9rem}.late-note{color:#b54708}
.ago{color:#7b8794}
.message{margin:8px 0;padding:8px;background:#f0f4f8;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;max-height:12em;overflow:auto}
.job-error .message{background:#fdf2f2}
h4{margin:10px 0 4px;font-size:.8rem;color:#52606d}
.history{list-style:none;margin:0;padding:0;font-size:.8rem}
.run{padding:3px 0;border-top:1px solid #eef0f2;overflow-wrap:anywhere}
.run-status{font-weight:600}.run-error .run-status{color:#d32f2f}.run-success .run-status{color:#2e7d32}
.run-message{color:#52606d}
.empty{padding:24px;text-align:center;color:#52606d}
.pager{margin:12px 4px;font-size:.95rem}
`;

export function renderIncidentsPage(input: IncidentsPageInput): string {
  const { jobs, counts, history, now } = input;
  const attentionTotal = input.attentionTotal ?? jobs.filter(needsAttention).length;
  const attention = jobs.filter(needsAttention);
  const rest = jobs.filter((job) => !needsAttention(job));
  const cards = (list: readonly JobView[]) =>
    list.map((job) => renderJobCard(job, history.get(job.job_key) ?? [], now)).join('');
  const badges = [
    counts.error > 0
      ? `<span class="badge" id="error-badge" aria-label="エラー ${counts.error}件">${counts.error}</span>`
      : '',
    counts.late > 0
      ? `<span class="badge badge-late" id="late-badge" aria-label="遅延 ${counts.late}件">遅延 ${counts.late}</span>`
      : '',
  ].join('');
  const sections = [
    input.firstPage === false ? '<nav class="pager"><a href="/incidents">← 先頭のページへ</a></nav>' : '',
    attention.length > 0
      ? `<section id="attention"><h2>要対応 (${attentionTotal})</h2>${cards(attention)}</section>`
      : '',
    rest.length > 0
      ? `<section id="others"><h2>その他 (${counts.total - attentionTotal})</h2>${cards(rest)}</section>`
      : '',
    jobs.length === 0 ? '<p class="empty">まだジョブの報告がありません</p>' : '',
    input.nextPage
      ? `<nav class="pager"><a id="next-page" href="${escapeHtml(input.nextPage)}">次のページ (全 ${counts.total} 件) →</a></nav>`
      : '',
  ].join('');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${PAGE_REFRESH_SECONDS}">
<title>${counts.error > 0 ? `(${counts.error}) ` : ''}障害情報 · nightshift</title>
<style>${STYLE}</style></head>
<body><header class="bar"><h1>障害情報 ${badges}</h1>
<p class="summary">エラー ${counts.error} · 遅延 ${counts.late} · 正常 ${counts.success} · 未報告 ${counts.never_reported} · 全 ${counts.total}</p>
<p class="updated">更新 ${formatJst(now.toISOString())}</p></header>
<main>${sections}</main></body></html>`;
}
