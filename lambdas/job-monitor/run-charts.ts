import { clip, escapeHtml, formatDuration, formatJst, formatJstShort } from './html-format';
import type { RunOutcome, RunTick } from './job-views';

/**
 * Server-rendered SVG charts of a job's runs: the timeline (one tick per run, coloured by outcome),
 * the sparkline of recent durations and the job page's duration chart with its runtime limit. Plain
 * markup coloured by the page's classes (`o-success`, `o-error`...), so the page needs no script
 * and no external asset to draw them.
 */

/** Japanese name of each outcome (tick titles, legend). */
export const OUTCOME_LABELS: Record<RunOutcome, string> = {
  success: '成功',
  error: 'エラー',
  late: '遅延',
  missed: '未実行',
  hung: '実行超過',
  running: '実行中',
  skipped: 'スキップ',
};

/** The colour of each outcome; late and missed share one (a slot that did not run in time). */
export const OUTCOME_COLORS: Record<RunOutcome, string> = {
  success: '#2e7d32',
  error: '#d32f2f',
  late: '#ef6c00',
  missed: '#ef6c00',
  hung: '#7b1fa2',
  running: '#1976d2',
  skipped: '#9aa5b1',
};

/** CSS for the outcome classes: the one place the colours reach the markup. */
export const OUTCOME_STYLE = Object.entries(OUTCOME_COLORS)
  .map(([outcome, colour]) => `.o-${outcome}{fill:${colour};background:${colour}}`)
  .join('');

const KIND_LABELS: Record<string, string> = {
  rerun: '再実行',
  backfill: 'バックフィル',
  'dry-run': 'ドライラン',
  manual: '手動',
};

/** Characters of a run's message in a tick's title: enough to recognise the error, bounded for the page's size. */
const TICK_MESSAGE_CHARS = 80;

/** When the run happened on the time axis: its start, else its finish, else its slot. */
export function runTime(run: RunTick): string | null {
  return run.started_at ?? run.finished_at ?? run.slot;
}

/** Each run's escaped title, built once though both timelines draw the run. */
const escapedTitles = new WeakMap<RunTick, string>();

function escapedTickTitle(run: RunTick): string {
  let title = escapedTitles.get(run);
  if (title === undefined) {
    title = escapeHtml(tickTitle(run));
    escapedTitles.set(run, title);
  }
  return title;
}

/** `08/11 12:00 JST · エラー · 4.2秒 · 再実行 (枠 08/11 09:15) · FTP 530`: what hovering a tick tells. */
export function tickTitle(run: RunTick): string {
  const at = runTime(run);
  const parts = [at ? `${formatJstShort(at)} JST` : '時刻不明', OUTCOME_LABELS[run.status]];
  if (run.duration_ms !== null) parts.push(formatDuration(run.duration_ms));
  const kind = KIND_LABELS[run.kind];
  if (kind) parts.push(run.slot ? `${kind} (枠 ${formatJstShort(run.slot)})` : kind);
  if (run.message) parts.push(clip(run.message.replace(/\s+/g, ' '), TICK_MESSAGE_CHARS));
  return parts.join(' · ');
}

const round = (value: number) => Math.round(value * 10) / 10;

export interface TimelineOptions {
  now: Date;
  windowMs: number;
  width: number;
  height: number;
  /** Shown at the strip's left edge and in its accessible name, e.g. `24時間`. */
  label: string;
}

/** One tick per run within the window ending now, placed by time; runs outside the window are left out. */
export function renderTimeline(runs: readonly RunTick[], options: TimelineOptions): string {
  const { now, windowMs, width, height } = options;
  const start = now.getTime() - windowMs;
  const tickWidth = 2;
  const ticks: string[] = [];
  let shown = 0;
  for (const run of runs) {
    const at = runTime(run);
    const time = at ? Date.parse(at) : Number.NaN;
    if (!(time >= start && time <= now.getTime())) continue;
    shown += 1;
    const x = round(((time - start) / windowMs) * (width - tickWidth));
    ticks.push(
      `<rect class="tick o-${run.status}" x="${x}" y="2" width="${tickWidth}" height="${height - 4}"><title>${escapedTickTitle(run)}</title></rect>`,
    );
  }
  const name = `${options.label}の実行 ${shown}回`;
  return (
    `<svg class="timeline" width="100%" height="${height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${name}" data-window="${escapeHtml(options.label)}">` +
    `<title>${name}</title><rect class="track" width="${width}" height="${height}" rx="2"></rect>${ticks.join('')}</svg>`
  );
}

/** Bars of the recent runs' durations, oldest left, coloured by outcome; nothing when no run has a duration. */
export function renderSparkline(runs: readonly RunTick[], size: { width: number; height: number }): string {
  const timed = runs.filter((run) => run.duration_ms !== null).reverse();
  if (timed.length === 0) return '';
  const longest = Math.max(...timed.map((run) => run.duration_ms as number), 1);
  const slot = size.width / Math.max(timed.length, 8);
  const bars = timed.map((run, index) => {
    const barHeight = Math.max(1, round(((run.duration_ms as number) / longest) * (size.height - 1)));
    return `<rect class="o-${run.status}" x="${round(index * slot)}" y="${round(size.height - barHeight)}" width="${round(Math.max(1, slot - 1))}" height="${barHeight}"></rect>`;
  });
  const name = `直近${timed.length}回の所要時間 (最長 ${formatDuration(longest)})`;
  return `<svg class="sparkline" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" role="img" aria-label="${name}"><title>${name}</title>${bars.join('')}</svg>`;
}

/**
 * The job page's chart: one bar per run (oldest left) whose height is its duration, coloured by outcome,
 * and a dashed line at the runtime limit (max runtime or timeout) when there is one.
 */
export function renderDurationChart(runs: readonly RunTick[], limitMs: number | null): string {
  const width = 720;
  const height = 160;
  const axis = 64;
  const timed = runs.filter((run) => run.duration_ms !== null).reverse();
  if (timed.length === 0) return '<p class="meta">所要時間の記録がある実行はまだありません</p>';
  const longest = Math.max(...timed.map((run) => run.duration_ms as number), limitMs ?? 0, 1);
  const top = longest * 1.1;
  const y = (ms: number) => round(height - 14 - (ms / top) * (height - 24));
  const slot = (width - axis) / Math.max(timed.length, 20);
  const bars = timed.map((run, index) => {
    const barTop = y(run.duration_ms as number);
    return `<rect class="o-${run.status}" x="${round(axis + index * slot)}" y="${barTop}" width="${round(Math.max(1, slot - 2))}" height="${round(height - 14 - barTop)}"><title>${escapeHtml(tickTitle(run))}</title></rect>`;
  });
  const limit =
    limitMs === null
      ? ''
      : `<line class="limit" x1="${axis}" x2="${width}" y1="${y(limitMs)}" y2="${y(limitMs)}"></line><text class="limit-label" x="${width - 4}" y="${y(limitMs) - 4}" text-anchor="end">上限 ${formatDuration(limitMs)}</text>`;
  const first = runTime(timed[0]);
  const last = runTime(timed[timed.length - 1]);
  const range = first && last ? `${formatJst(first)} 〜 ${formatJst(last)}` : '';
  return (
    `<svg class="duration-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="所要時間 ${timed.length}回 ${range}">` +
    `<line class="axis" x1="${axis}" x2="${width}" y1="${height - 14}" y2="${height - 14}"></line>` +
    `<text class="axis-label" x="${axis - 4}" y="${y(longest) + 4}" text-anchor="end">${formatDuration(longest)}</text>` +
    `<text class="axis-label" x="${axis - 4}" y="${height - 14}" text-anchor="end">0</text>` +
    `${bars.join('')}${limit}</svg>`
  );
}
