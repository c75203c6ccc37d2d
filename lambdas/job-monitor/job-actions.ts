import { jstDateString } from '#shared/jst-time';
import {
  type BuiltInJobInfo,
  FAILED_RUN_QUERY,
  logGroupNameFor,
  opsBackfillCommand,
  opsRerunCommand,
  rerunCommand,
} from '../../contracts/job-commands';

/**
 * What the job page tells on-call to do: the runbook sections of the job's alarms, a CloudWatch Logs
 * Insights link for a built-in job, and the re-run and backfill commands its alarms carry (the same
 * functions print them there: contracts/job-commands.ts).
 */
export interface PageSettings {
  /** NIGHTSHIFT_STAGE: the commands name it; without it they use $STAGE, as the runbook does. */
  stage: string | null;
  /** AWS_REGION (Lambda sets it): the Logs Insights link and the invoke command name it. */
  region: string | null;
  /** RUNBOOK_URL: where docs/runbook.md is published; without it the page names the section instead of linking it. */
  runbookUrl: string | null;
  /** BUILT_IN_JOBS: the registry jobs, by id. */
  builtInJobs: ReadonlyMap<string, BuiltInJobInfo>;
}

export const NO_PAGE_SETTINGS: PageSettings = { stage: null, region: null, runbookUrl: null, builtInJobs: new Map() };

/** Runbook sections of the monitor's own alarms, for jobs that report from outside. */
const OUTSIDE_JOB_ANCHORS = ['job-reported-error', 'job-late', 'job-hung'];

function invalid(field: string, problem: string): Error {
  return new Error(`BUILT_IN_JOBS${field}: ${problem}`);
}

/** BUILT_IN_JOBS (JSON, lib/built-in-jobs.ts writes it): a bad entry fails at start with the field named. */
export function parseBuiltInJobs(raw: string | undefined): Map<string, BuiltInJobInfo> {
  const jobs = new Map<string, BuiltInJobInfo>();
  if (raw === undefined || raw === '') return jobs;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('', 'not JSON');
  }
  if (!Array.isArray(parsed)) throw invalid('', 'must be a JSON array');
  for (const [index, entry] of parsed.entries()) {
    const at = (field: string) => `.${index}.${field}`;
    if (typeof entry !== 'object' || entry === null) throw invalid(`.${index}`, 'must be an object');
    const { id, timeout_seconds, default_payload, backfill_unit, backfill_field, runbook_anchors } = entry;
    if (typeof id !== 'string' || id === '') throw invalid(at('id'), 'must be a non-empty string');
    if (typeof timeout_seconds !== 'number' || !(timeout_seconds > 0))
      throw invalid(at('timeout_seconds'), 'must be a positive number');
    if (typeof default_payload !== 'object' || default_payload === null || Array.isArray(default_payload))
      throw invalid(at('default_payload'), 'must be an object');
    if (backfill_unit !== undefined && backfill_unit !== 'date' && backfill_unit !== 'slot')
      throw invalid(at('backfill_unit'), "must be 'date' or 'slot'");
    if (backfill_field !== undefined && typeof backfill_field !== 'string')
      throw invalid(at('backfill_field'), 'must be a string');
    if (!Array.isArray(runbook_anchors) || runbook_anchors.some((anchor) => typeof anchor !== 'string'))
      throw invalid(at('runbook_anchors'), 'must be an array of strings');
    jobs.set(id, { id, timeout_seconds, default_payload, backfill_unit, backfill_field, runbook_anchors });
  }
  return jobs;
}

export function pageSettingsFromEnv(env: NodeJS.ProcessEnv): PageSettings {
  return {
    stage: env.NIGHTSHIFT_STAGE || null,
    region: env.AWS_REGION || null,
    runbookUrl: env.RUNBOOK_URL || null,
    builtInJobs: parseBuiltInJobs(env.BUILT_IN_JOBS),
  };
}

/** The console's encoding of one value of a Logs Insights query detail (`*` for `%`, `'` before strings). */
function insightsValue(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const encoded = [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9.-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `*${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
  return `'${encoded}`;
}

/**
 * A CloudWatch console link that opens Logs Insights on `logGroup` with `query` over the last `seconds`.
 * The console reads its state from the fragment in its own nested encoding; there is no API for it.
 */
export function logsInsightsUrl(region: string, logGroup: string, query: string, seconds: number): string {
  const detail =
    `~(end~0~start~-${seconds}~timeType~'RELATIVE~unit~'seconds~editorString~${insightsValue(query)}` +
    `~source~(~${insightsValue(logGroup)}))`;
  const fragment = encodeURIComponent(`?queryDetail=${escape(detail)}`).replace(/%/g, '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights${fragment}`;
}

export interface RunbookSection {
  anchor: string;
  /** The link, when RUNBOOK_URL is set. */
  href: string | null;
}

export interface JobCommand {
  label: string;
  command: string;
}

export interface JobActions {
  builtIn: boolean;
  runbook: RunbookSection[];
  logsInsights: string | null;
  commands: JobCommand[];
  /** The registry timeout, the runtime limit the chart draws when the view carries no max runtime. */
  timeoutMs: number | null;
}

/** What to do about `jobKey`; `failingSince` picks the backfill range (from that JST date to today). */
export function jobActions(jobKey: string, settings: PageSettings, failingSince: string | null, now: Date): JobActions {
  const job = settings.builtInJobs.get(jobKey);
  const anchors = job ? job.runbook_anchors : OUTSIDE_JOB_ANCHORS;
  const runbook = anchors.map((anchor) => ({
    anchor,
    href: settings.runbookUrl ? `${settings.runbookUrl}#${anchor}` : null,
  }));
  if (!job) return { builtIn: false, runbook, logsInsights: null, commands: [], timeoutMs: null };
  const stage = settings.stage ?? '$STAGE';
  const from = jstDateString(new Date(failingSince ?? now.getTime() - 86_400_000));
  const commands: JobCommand[] = [
    { label: '再実行 (リポジトリから)', command: opsRerunCommand(stage, job.id, job.default_payload) },
  ];
  if (job.backfill_unit) {
    commands.push({
      label: `バックフィル (${job.backfill_unit === 'date' ? '日付' : '枠'}ごと、失敗し始めた日から今日まで)`,
      command: opsBackfillCommand(stage, job.id, from, jstDateString(now)),
    });
  }
  commands.push({
    label: '再実行 (リポジトリなし、AWS CLI)',
    command: rerunCommand(stage, { id: job.id, defaultPayload: job.default_payload }, settings.region ?? undefined),
  });
  const logsInsights =
    settings.region && settings.stage
      ? logsInsightsUrl(settings.region, logGroupNameFor(settings.stage, job.id), FAILED_RUN_QUERY, 86_400)
      : null;
  return { builtIn: true, runbook, logsInsights, commands, timeoutMs: job.timeout_seconds * 1000 };
}
