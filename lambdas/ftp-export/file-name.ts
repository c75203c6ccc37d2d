import { parseJstWallTime } from '#shared/jst-time';

/**
 * Slots and file names. A slot is the scheduled 15-minute instant a run exports for; files are named
 * after the slot (JST), never the wall clock, so a late or repeated run of a slot writes the same file.
 */

export const SLOT_MINUTES = 15;
const SLOT_MS = SLOT_MINUTES * 60_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/** The slot an instant falls in. JST is UTC+9 without DST, so flooring in UTC floors in JST too. */
export function slotOf(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / SLOT_MS) * SLOT_MS);
}

/** Parses a payload slot `YYYY-MM-DDTHH:mm` (JST); it must start a quarter hour. */
export function parseSlot(value: string): Date {
  const instant = parseJstWallTime(value);
  if (instant.getTime() % SLOT_MS !== 0) throw new Error(`"${value}" is not on a quarter hour (:00, :15, :30, :45)`);
  return instant;
}

interface JstParts {
  YYYY: string;
  MM: string;
  DD: string;
  HH: string;
  mm: string;
}

function jstParts(instant: Date): JstParts {
  const iso = new Date(instant.getTime() + JST_OFFSET_MS).toISOString();
  return {
    YYYY: iso.slice(0, 4),
    MM: iso.slice(5, 7),
    DD: iso.slice(8, 10),
    HH: iso.slice(11, 13),
    mm: iso.slice(14, 16),
  };
}

/** `2025-08-11T09:15`, the form the payload takes and the outcome reports. */
export function formatSlot(slot: Date): string {
  const { YYYY, MM, DD, HH, mm } = jstParts(slot);
  return `${YYYY}-${MM}-${DD}T${HH}:${mm}`;
}

const TOKEN = /\{([A-Za-z]+)\}/g;
const TOKENS = new Set(['YYYY', 'MM', 'DD', 'HH', 'mm', 'recipient']);
/** Names every FTP server and receiving script handles: no spaces, no path separators, ASCII only. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Longest recipient name the settings accept. */
export const MAX_RECIPIENT_NAME = 63;
/** Longest final name: FTP servers and file systems cap names near 255, and the temporary name adds 14. */
const MAX_FILE_NAME = 200;
const PLACEHOLDER_WIDTH: Record<string, number> = { YYYY: 4, MM: 2, DD: 2, HH: 2, mm: 2 };

/**
 * Why a file name template is unusable, or undefined when it is fine. Without a recipient name, the
 * length counts `{recipient}` as short as possible: the check is repeated per recipient with its name.
 */
export function fileNameTemplateProblem(template: string, recipient?: string): string | undefined {
  for (const [, token] of template.matchAll(TOKEN)) {
    if (!TOKENS.has(token)) return `unknown placeholder {${token}}; use {YYYY} {MM} {DD} {HH} {mm} {recipient}`;
  }
  const sample = template.replace(TOKEN, (_match, token: string) =>
    token === 'recipient' ? (recipient ?? 'x') : 'x0',
  );
  if (!SAFE_NAME.test(sample))
    return 'letters, digits, ".", "_", "-" and placeholders only, starting with a letter or digit';
  const longest = longestFileName(template, recipient?.length ?? 1);
  if (longest > MAX_FILE_NAME) {
    const whose = recipient === undefined ? '' : ` for recipient "${recipient}"`;
    return `renders names of up to ${longest} characters${whose}; at most ${MAX_FILE_NAME}`;
  }
  if (/\.part$/i.test(sample)) return 'must not end in ".part" (reserved for uploads in progress)';
  return undefined;
}

/** The length of the longest name the template renders: each placeholder at its widest. */
function longestFileName(template: string, recipientLength: number): number {
  let length = template.length;
  for (const [match, token] of template.matchAll(TOKEN)) {
    length += (token === 'recipient' ? recipientLength : PLACEHOLDER_WIDTH[token]) - match.length;
  }
  return length;
}

/** `visitor_data_{YYYY}{MM}{DD}_{HH}{mm}.csv` + slot 2025-08-11T09:15 JST → `visitor_data_20250811_0915.csv`. */
export function renderFileName(template: string, slot: Date, recipient: string): string {
  const parts = jstParts(slot);
  return template.replace(TOKEN, (_match, token: string) =>
    token === 'recipient' ? recipient : parts[token as keyof JstParts],
  );
}

/**
 * The name a file is uploaded under before the rename: the final name plus a per-run token and `.part`,
 * so receivers that pick up `*.csv` never see it and two overlapping runs never write the same one.
 */
export function temporaryFileName(fileName: string, runToken: string): string {
  return `${fileName}.${runToken}.part`;
}

/** Where a re-run keeps the receiver's previous file while the new one takes its name; also `.part`. */
export function previousFileName(fileName: string, runToken: string): string {
  return `${fileName}.${runToken}.previous.part`;
}
