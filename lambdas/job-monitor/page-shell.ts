import { createHash } from 'node:crypto';
import { escapeHtml } from './html-format';
import { OUTCOME_STYLE } from './run-charts';

/**
 * What /incidents and the job pages share: the stylesheet, the refresh script, the content security
 * policy that allows exactly that script, and the document around a page's content.
 */

/** A page left open refreshes this often. */
export const PAGE_REFRESH_SECONDS = 60;

/**
 * Refreshes the page in place: fetches the same URL and swaps the #live block, so the reader stays
 * where they scrolled (a meta refresh reloads and jumps to the top). It waits while the reader types
 * in the search box, selects text or has the tab hidden. Without script, the <noscript> meta refresh
 * takes over. A click on a command block copies it (without script, the click selects it whole).
 */
export const REFRESH_SCRIPT = `(()=>{const every=${PAGE_REFRESH_SECONDS}e3;
async function refresh(){const active=document.activeElement;
if(document.hidden||String(getSelection())||(active&&/^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)))return;
try{const response=await fetch(location.href,{credentials:'same-origin',headers:{accept:'text/html'}});if(!response.ok)return;
const fresh=new DOMParser().parseFromString(await response.text(),'text/html');const next=fresh.getElementById('live');const current=document.getElementById('live');
if(!next||!current)return;const x=scrollX,y=scrollY;current.replaceWith(next);document.title=fresh.title;scrollTo(x,y);document.documentElement.dataset.refreshed=String(Date.now())}catch(e){}}
setInterval(refresh,every);
document.addEventListener('click',(event)=>{const block=event.target.closest&&event.target.closest('pre.cmd');
if(!block||!navigator.clipboard)return;navigator.clipboard.writeText(block.textContent).then(()=>{block.dataset.copied='1'},()=>{})})})();`;

const scriptHash = createHash('sha256').update(REFRESH_SCRIPT).digest('base64');

/**
 * The pages' policy: inline styles, the refresh script by its hash (no other script runs, injected or
 * not), fetches to the page's own origin, the filter form to itself; nothing else loads.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${scriptHash}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS = { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY };

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP",sans-serif;background:#f4f5f7;color:#1f2328}
a{color:#0b5cad}
.bar{background:#1f2933;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px}
.bar h1{margin:0;font-size:1.15rem;display:flex;align-items:center;gap:8px}
.bar h1 a{color:#fff;text-decoration:none}
.badge{display:inline-block;min-width:1.6em;padding:1px 8px;border-radius:999px;background:#d32f2f;color:#fff;font-size:.85rem;text-align:center}
.badge-late{background:#ef6c00}.badge-hung{background:#7b1fa2}
.summary,.updated{margin:0;font-size:.8rem;color:#cbd2d9}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:6px 16px;background:#fff;border-bottom:1px solid #e4e7eb;font-size:.8rem}
.chip{padding:1px 10px;border-radius:999px;border:1px solid #cbd2d9;color:#1f2328;text-decoration:none;white-space:nowrap}
.chip.on{background:#1f2933;color:#fff;border-color:#1f2933}
.filters form{display:flex;gap:4px;margin-left:auto}
.filters input{font:inherit;padding:2px 6px;width:14em;max-width:50vw}
.filters button{font:inherit}
main{padding:0 0 16px}
h2{font-size:.85rem;margin:0;padding:6px 16px;color:#52606d;background:#eef0f2}
.rows{background:#fff}
.row{display:grid;grid-template-columns:84px minmax(220px,1.3fr) minmax(160px,1fr) minmax(140px,.8fr) 96px 60px 150px 110px;align-items:center;gap:0 12px;
 padding:3px 12px 3px 8px;border-bottom:1px solid #e4e7eb;border-left:4px solid #9aa5b1;min-height:44px}
.row-head{min-height:0;font-size:.72rem;color:#616e7c;background:#fafbfc;border-left-color:transparent}
.h-error{border-left-color:#d32f2f}.h-hung{border-left-color:#7b1fa2}.h-late{border-left-color:#ef6c00}
.h-running{border-left-color:#1976d2}.h-success{border-left-color:#2e7d32}.h-not_yet_run{border-left-color:#9aa5b1}
.row.muted{background:#eceff1;color:#616e7c;border-left-color:#9aa5b1}
.row.muted svg{opacity:.5}.row.muted .note{color:#616e7c}
.cell{min-width:0}
.name{display:flex;align-items:baseline;gap:8px;min-width:0}
.name a{font-weight:600;color:#1f2328;text-decoration:none;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.name a:hover{text-decoration:underline}
.key{font-size:.75rem;color:#7b8794;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.note{font-size:.78rem;color:#52606d;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.h-error .note{color:#b42318}.note.late{color:#b54708}
.pill{display:inline-block;font-size:.72rem;font-weight:600;padding:1px 8px;border-radius:999px;color:#fff;background:#7b8794;white-space:nowrap}
.p-error{background:#d32f2f}.p-hung{background:#7b1fa2}.p-late{background:#ef6c00}.p-running{background:#1976d2}
.p-success{background:#2e7d32}.p-not_yet_run{background:#9aa5b1}.p-muted{background:#616e7c}.p-problem{background:#ef6c00}
.small{font-size:.75rem;color:#7b8794}
.num{font-variant-numeric:tabular-nums}
.dur{display:flex;align-items:center;gap:6px}
svg{display:block}
.track{fill:#eef0f2}
${OUTCOME_STYLE}
.tick:hover{opacity:.7}
.empty{padding:24px;text-align:center;color:#52606d}
.pager{margin:10px 16px;font-size:.9rem}
.page-foot{padding:0 16px}
.legend{display:flex;flex-wrap:wrap;gap:4px 10px;padding:6px 16px;font-size:.72rem;color:#52606d}
.legend i{display:inline-block;width:8px;height:10px;margin-right:3px;vertical-align:-1px}
.panel{background:#fff;margin:12px 16px;padding:12px 16px;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.panel h3{margin:0 0 8px;font-size:.95rem}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px 16px;margin:0}
.facts dt{font-size:.72rem;color:#7b8794}.facts dd{margin:0;font-weight:600}
pre{margin:4px 0 10px;padding:8px;background:#f0f4f8;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8rem}
pre.cmd{user-select:all;background:#1f2933;color:#e4e7eb;cursor:copy}
pre.cmd[data-copied]::after{content:"  ✓ コピーしました";color:#9ae6b4}
.message{max-height:10em;overflow:auto}
.duration-chart{max-width:100%;height:auto}
.axis{stroke:#9aa5b1}.limit{stroke:#b42318;stroke-dasharray:6 4;stroke-width:1.5}
.axis-label,.limit-label{font-size:11px;fill:#52606d}.limit-label{fill:#b42318}
table.runs{width:100%;border-collapse:collapse;font-size:.8rem}
.runs th{text-align:left;color:#616e7c;font-weight:600;border-bottom:1px solid #cbd2d9;padding:4px}
.runs td{border-bottom:1px solid #eef0f2;padding:4px;vertical-align:top;overflow-wrap:anywhere}
.runs td.msg{white-space:pre-wrap;max-width:60ch}
@media (max-width:899px){
 .row{grid-template-columns:1fr 1fr;gap:2px 12px;padding:6px 12px 6px 8px}
 .cell.state,.job-cell,.cell.time{grid-column:1/-1}
 .row-head{display:none}
 .cell[data-label]::before{content:attr(data-label) " ";font-size:.72rem;color:#7b8794}
 .cell.time svg{max-width:100%}
 .filters form{margin-left:0;width:100%}.filters input{flex:1;max-width:none}
}
`;

export interface PageDocument {
  title: string;
  /** The header bar and main content: what the in-place refresh swaps. */
  live: string;
}

export function renderDocument(page: PageDocument): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<noscript><meta http-equiv="refresh" content="${PAGE_REFRESH_SECONDS}"></noscript>
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style></head>
<body><div id="live">${page.live}</div>
<script>${REFRESH_SCRIPT}</script></body></html>`;
}
