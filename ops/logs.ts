import type { LogEvent } from './ops-backend';
import type { OpsContext } from './ops-context';
import { OpsUsageError } from './ops-errors';
import { formatInstant } from './ops-time';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `30m`, `1h`, `2d` back from now, or an ISO 8601 time. A time without a zone is JST, like every
 * time ops prints (UTC with --utc), never the zone of the machine ops runs on.
 */
export function parseSince(text: string, now: Date, utc = false): Date {
  const relative = /^(\d+)([mhd])$/.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]]);
  const zoneless = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text);
  const instant = new Date(zoneless ? `${text.includes('T') ? text : `${text}T00:00`}${utc ? 'Z' : '+09:00'}` : text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(instant.getTime())) return instant;
  throw new OpsUsageError(`--since "${text}": use 30m, 1h, 2d or an ISO 8601 time (JST unless it names a zone)`);
}

export interface LogsOptions {
  since?: string;
  run?: string;
  limit: number;
}

/** One line per event: the time, then the message (Lambda's JSON lines as they are). */
function formatEvent(event: LogEvent, utc: boolean): string {
  return `${formatInstant(event.timestamp, utc)} ${event.message.trimEnd()}`;
}

/**
 * `logs <function> [--since 1h] [--run <id>]`: the function's log lines (CloudWatch Logs, or local
 * mode's .local/logs). With a run id (the runner's runId, or the Lambda request id) only that run's
 * lines, over a day by default.
 */
export async function showLogs(ctx: OpsContext, functionId: string, options: LogsOptions): Promise<number> {
  const source = ctx.backend.logSource(functionId);
  const now = ctx.io.now();
  const startTime = parseSince(options.since ?? (options.run ? '24h' : '1h'), now, ctx.utc).getTime();
  const events = await ctx.backend.readLogs(functionId, {
    startTime,
    endTime: now.getTime(),
    run: options.run,
    limit: options.limit,
  });
  const shown = events.slice(0, options.limit);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ logGroupName: source, run: options.run ?? null, events: shown }, null, 2));
    return 0;
  }
  for (const event of shown) ctx.io.out(formatEvent(event, ctx.utc));
  const what = options.run ? `lines of run ${options.run}` : 'lines';
  ctx.io.err(`${shown.length} ${what} from ${source} since ${formatInstant(startTime, ctx.utc)}`);
  if (events.length > shown.length) ctx.io.err(`(stopped at --limit ${options.limit}; narrow --since or raise it)`);
  return 0;
}
