/**
 * Tags and an owner: optional labels a job report or an expectation may carry, so on-call can filter
 * the list (`?tag=billing`) and see whom to call. Checked after everything else the routes check, so
 * the TC Portal's contract (its checks, their order and messages) is untouched by them.
 */
export const LABEL_LIMITS = { tags: 10, tagChars: 32, ownerChars: 100 } as const;

const TAG = /^[a-z0-9._:-]{1,32}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export interface JobLabels {
  /** Absent: the body said nothing (stored labels stay); [] clears them. */
  tags?: string[];
  /** Absent: the body said nothing; null clears it. */
  owner?: string | null;
}

export const TAG_RULE = `1-${LABEL_LIMITS.tagChars} characters of a-z, 0-9, '-', '_', '.', ':'`;

/** Whether a text is a valid tag (also the `?tag=` filter's check). */
export const isTag = (value: unknown): value is string => typeof value === 'string' && TAG.test(value);

/** The labels of a parsed body, or the message naming the field that is wrong. */
export function parseLabels(
  body: Record<string, unknown>,
): { ok: true; value: JobLabels } | { ok: false; error: string } {
  const { tags, owner } = body;
  const value: JobLabels = {};
  if (tags !== undefined && tags !== null) {
    if (!Array.isArray(tags) || tags.length > LABEL_LIMITS.tags) {
      return { ok: false, error: `tags must be an array of at most ${LABEL_LIMITS.tags} strings` };
    }
    const bad = tags.findIndex((tag) => !isTag(tag));
    if (bad >= 0) return { ok: false, error: `tags[${bad}] must be ${TAG_RULE}` };
    value.tags = [...new Set(tags as string[])];
  }
  if (owner !== undefined) {
    if (owner === null || owner === '') value.owner = null;
    else if (typeof owner !== 'string' || [...owner].length > LABEL_LIMITS.ownerChars || owner.trim() === '') {
      return { ok: false, error: `owner must be a string of 1-${LABEL_LIMITS.ownerChars} characters, or null` };
    } else if (CONTROL_CHARACTER.test(owner)) return { ok: false, error: 'owner must not contain control characters' };
    else value.owner = owner.trim();
  }
  return { ok: true, value };
}
