/**
 * The update that moves a job's latest-status row to a run (run-commit.ts sends it, alone or in a
 * transaction). Besides the status itself it keeps, in the same write, what the on-call list shows
 * without reading the history (the list stays one query):
 *
 * - `lastStart`: the start of the run shown ({runId, startedAt}); for an outside report, the start
 *   its job-start left in `inFlight` (moved over and removed in the same write), so its duration is
 *   `lastFinishedAt - lastStart.startedAt`.
 * - `consecutiveFailures`, `failingSince`: the current streak of errors.
 * - `runs:<day>` / `fails:<day>` (UTC days of finished_at): counts for the 7-day success rate; the
 *   days 8 to 14 back are removed by each write, so a job keeps at most about two weeks of them.
 * - `recentRuns`: compact ticks, newest first, for the timeline and the duration sparkline. DynamoDB
 *   cannot append to a list and cut it in one expression, so it grows by one per run and is cut
 *   back to RECENT_RUNS_KEPT by the watchdog once it reaches RECENT_RUNS_TRIM_AT (trimRecentRuns).
 */
import type { HistoryItem } from './run-commit';

/** Optional labels of a run (tags, owner; job-labels.ts) that the latest status takes over when the run carries them. */
const LABELS = ['tags', 'owner'] as const;

export const RECENT_RUNS_KEPT = 30;
export const RECENT_RUNS_TRIM_AT = 60;
export const SUCCESS_RATE_DAYS = 7;
/** A tick's message is for a tooltip: longer ones are cut. */
const TICK_MESSAGE_CHARS = 200;

/** One run as the latest-status row keeps it in `recentRuns` (short names: up to 60 of them per job). */
export interface RecentRunTick {
  /** run id */
  r: string;
  /** 'success' | 'error' */
  s: string;
  /** finished at */
  f: string;
  /** started at */
  t?: string;
  /** duration in ms */
  d?: number;
  /** message, cut to TICK_MESSAGE_CHARS */
  m?: string;
  /** slot */
  sl?: string;
  /** kind */
  k?: string;
}

export function recentRunTick(item: HistoryItem): RecentRunTick {
  const tick: RecentRunTick = { r: item.runId, s: item.status, f: item.finishedAt };
  if (typeof item.startedAt === 'string') tick.t = item.startedAt;
  if (typeof item.durationMs === 'number') tick.d = item.durationMs;
  if (item.message) tick.m = [...item.message].slice(0, TICK_MESSAGE_CHARS).join('');
  if (typeof item.slot === 'string') tick.sl = item.slot;
  if (typeof item.kind === 'string') tick.k = item.kind;
  return tick;
}

export const dayOf = (iso: string) => iso.slice(0, 10);
export const RUNS_DAY_PREFIX = 'runs:';
export const FAILS_DAY_PREFIX = 'fails:';

function daysBefore(day: string, from: number, to: number): string[] {
  const base = Date.parse(`${day}T00:00:00Z`);
  const days: string[] = [];
  for (let back = from; back <= to; back += 1) days.push(new Date(base - back * 86_400_000).toISOString().slice(0, 10));
  return days;
}

/**
 * The latest-status update of a run. Without a slot (outside reports): newer finished_at wins; at the same
 * finished_at the later arrival wins, but never the same run again. With a slot (built-in and HTTP jobs):
 * the newest slot wins, and within one slot the newest finished_at, so a re-run or backfill of an older
 * slot never hides the newest slot's outcome; a status last moved without a slot (rows from before slots
 * were recorded) falls back to finished_at. `parked` keeps a copy of the history row in it (run-commit.ts).
 */
export function latestStatusUpdate(
  item: HistoryItem,
  latestKind: string,
  receivedAt: string,
  newId: string,
  parked?: { attribute: string },
) {
  const slot = typeof item.slot === 'string' ? item.slot : undefined;
  const failed = item.status === 'error';
  const day = dayOf(item.finishedAt);
  const set = [
    '#kind = :kind',
    'jobKey = :jobKey',
    'title = :title',
    'toolId = :toolId',
    'lastStatus = :status',
    'lastFinishedAt = :finishedAt',
    'lastMessage = :message',
    'lastRunId = :runId',
    'updatedAt = :now',
    'lastReceivedAt = :now',
    'late = :false',
    'id = if_not_exists(id, :newId)',
    'createdAt = if_not_exists(createdAt, :now)',
    // A run that knows its start (runner, caller) brings it; an outside report takes its job-start's.
    typeof item.startedAt === 'string' ? 'lastStart = :start' : 'lastStart = if_not_exists(inFlight, :noStart)',
    'recentRuns = list_append(:tick, if_not_exists(recentRuns, :noTicks))',
    failed ? 'consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one' : 'consecutiveFailures = :zero',
  ];
  if (failed) set.push('failingSince = if_not_exists(failingSince, :finishedAt)');
  if (slot) set.push('lastSlot = :slot');
  if (parked) set.push('#parked = :run');
  // A report's labels move with it; a report without them leaves the job's labels as they are.
  const labels = LABELS.filter((name) => item[name] !== undefined);
  for (const name of labels) set.push(`#${name} = :${name}`);
  const add = ['#runsDay :one'];
  if (failed) add.push('#failsDay :one');
  if (parked) add.push('parkedRunIds :runIds');
  const remove = ['lateSince', 'inFlight'];
  if (!failed) remove.push('failingSince');
  if (!slot) remove.push('lastSlot');
  const names: Record<string, string> = {
    '#kind': 'kind',
    '#runsDay': `${RUNS_DAY_PREFIX}${day}`,
    ...(failed ? { '#failsDay': `${FAILS_DAY_PREFIX}${day}` } : {}),
    ...(parked ? { '#parked': parked.attribute } : {}),
    ...Object.fromEntries(labels.map((name) => [`#${name}`, name])),
  };
  for (const [index, old] of daysBefore(day, SUCCESS_RATE_DAYS + 1, 2 * SUCCESS_RATE_DAYS).entries()) {
    names[`#oldRuns${index}`] = `${RUNS_DAY_PREFIX}${old}`;
    names[`#oldFails${index}`] = `${FAILS_DAY_PREFIX}${old}`;
    remove.push(`#oldRuns${index}`, `#oldFails${index}`);
  }

  const newerRun = 'lastFinishedAt < :finishedAt OR (lastFinishedAt = :finishedAt AND lastRunId <> :runId)';
  const condition = slot
    ? `attribute_not_exists(lastFinishedAt) OR lastSlot < :slot OR (lastSlot = :slot AND (${newerRun})) OR ` +
      `(attribute_not_exists(lastSlot) AND lastFinishedAt < :finishedAt)`
    : `attribute_not_exists(lastFinishedAt) OR ${newerRun}`;
  return {
    UpdateExpression: `SET ${set.join(', ')} ADD ${add.join(', ')} REMOVE ${remove.join(', ')}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: {
      ':kind': latestKind,
      ':jobKey': item.jobKey,
      ':title': item.title,
      ':toolId': item.toolId,
      ':status': item.status,
      ':finishedAt': item.finishedAt,
      ':message': item.message,
      ':runId': item.runId,
      ':now': receivedAt,
      ':false': false,
      ':newId': newId,
      ':zero': 0,
      ':one': 1,
      ':tick': [recentRunTick(item)],
      ':noTicks': [],
      ...(typeof item.startedAt === 'string'
        ? { ':start': { runId: item.runId, startedAt: item.startedAt } }
        : { ':noStart': null }),
      ...(slot ? { ':slot': slot } : {}),
      ...Object.fromEntries(labels.map((name) => [`:${name}`, item[name]])),
      ...(parked ? { ':run': item, ':runIds': new Set([item.runId]) } : {}),
    },
  };
}
