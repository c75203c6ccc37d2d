import { toJstIso } from '#shared/jst-time';

/** Text helpers of the HTML pages (/incidents, the job page): escaping, JST times and durations in Japanese. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/** `2025-08-11 12:00:00 JST` */
export function formatJst(iso: string): string {
  return `${toJstIso(new Date(iso)).slice(0, 19).replace('T', ' ')} JST`;
}

/** `08/11 12:00`: the short JST form the dense rows and tick titles use. */
export function formatJstShort(iso: string): string {
  const jst = toJstIso(new Date(iso));
  return `${jst.slice(5, 7)}/${jst.slice(8, 10)} ${jst.slice(11, 16)}`;
}

/** `3分前`: how long ago, in the page's language. */
export function formatAgo(iso: string, now: Date): string {
  const minutes = Math.floor((now.getTime() - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'たった今';
  if (minutes < 60) return `${minutes}分前`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}時間前`;
  return `${Math.floor(minutes / 1440)}日前`;
}

/** `12分後`: how long until, for the next expected run (past times read as 予定超過). */
export function formatUntil(iso: string, now: Date): string {
  const minutes = Math.ceil((Date.parse(iso) - now.getTime()) / 60_000);
  if (minutes < 0) return '予定超過';
  if (minutes < 60) return `${minutes}分後`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}時間後`;
  return `${Math.floor(minutes / 1440)}日後`;
}

/** `850ms`, `12.3秒`, `4分05秒`, `1時間02分`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}秒`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}分${String(totalSeconds % 60).padStart(2, '0')}秒`;
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}時間${String(totalMinutes % 60).padStart(2, '0')}分`;
}

/** The first `limit` characters (code points, so a surrogate pair is never split), with … when cut. */
export function clip(text: string, limit: number): string {
  const characters = [...text];
  return characters.length <= limit ? text : `${characters.slice(0, limit).join('')}…`;
}

/** `<time>` with the JST time and how long ago. */
export function timeAgo(iso: string, now: Date): string {
  return `<time datetime="${escapeHtml(iso)}">${formatJst(iso)}</time> <span class="ago">(${formatAgo(iso, now)})</span>`;
}
