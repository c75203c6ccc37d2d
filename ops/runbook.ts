import { FAILED_RUN_QUERY, opsBackfillCommand, opsRerunCommand } from '../contracts/job-commands';
import { UNHEALTHY_RUNBOOK_ANCHOR } from '../lib/constructs/unhealthy-alarm';
import { type JobSpec, manualTriggerCommand, rerunCommand } from '../lib/job-spec';
import { collectRunbookAlarms, type RunbookAlarm, STAGE_VARIABLE } from './runbook-model';

/**
 * docs/runbook.md, generated from the registry and the alarm factory (`npm run runbook`): one
 * section per on-call alarm, anchored by the name every alarm description links.
 */

const S = STAGE_VARIABLE;

const code = (text: string) => `\`${text}\``;
const block = (lines: readonly string[]) => ['```sh', ...lines, '```'];

function findFailedRun(alarm: RunbookAlarm): string[] {
  if (!alarm.logGroup) return [];
  return [
    `- Log group: ${code(alarm.logGroup)}`,
    '- The failed run (CloudWatch Logs Insights, last 2 hours; paste the query into the console, or):',
    '',
    ...block([
      `aws logs start-query --log-group-name ${alarm.logGroup} \\`,
      `  --start-time $(($(date +%s) - 7200)) --end-time $(date +%s) \\`,
      `  --query-string '${FAILED_RUN_QUERY}'`,
      'aws logs get-query-results --query-id <queryId printed above>',
    ]).map((line) => `  ${line}`),
    '',
    ...(alarm.job
      ? [`- That run's lines: ${code(`npm run ops -- logs ${alarm.job.id} --stage ${S} --run <runId>`)}`]
      : []),
  ];
}

/** `Logs: aws logs tail ...` → `- Logs: \`aws logs tail ...\``: commands in code, prose as prose. */
function lookLine(line: string): string {
  const labelled = /^([A-Z][\w -]*): (.*)$/.exec(line);
  const [label, rest] = labelled ? [`${labelled[1]}: `, labelled[2]] : ['', line];
  return `- ${label}${/^(aws|npm|curl) /.test(rest) ? code(rest) : rest}`;
}

function jobCommands(job: JobSpec): string[] {
  const lines = [
    `**Re-run** (put the failed slot or date in the payload; the job is idempotent):`,
    '',
    ...block([
      opsRerunCommand(S, job.id, job.defaultPayload),
      ...(job.backfill
        ? [`${opsBackfillCommand(S, job.id, '2025-08-01', '2025-08-02')}   # by ${job.backfill.unit}`]
        : []),
      `${manualTriggerCommand(S, job.id, job.defaultPayload)}   # through the stage's manual-trigger rule`,
    ]),
    '',
    `Without the repository: ${code(rerunCommand(S, job))}`,
    '',
    `**Pause** (stops its schedules until resumed; a deploy that changes a schedule re-enables it):`,
    '',
    ...block([`npm run ops -- pause ${job.id} --stage ${S}`, `npm run ops -- resume ${job.id} --stage ${S}`]),
  ];
  return lines;
}

/** Who else feels it, from the registry: jobs sharing a secret or the bucket, the status page, the pager. */
function affected(alarm: RunbookAlarm, jobs: readonly JobSpec[], names: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  const job = alarm.job;
  if (job) {
    lines.push(
      `- The status page (${code('/incidents')}) shows ${code(job.id)} as failed or late until a run succeeds.`,
    );
    for (const secret of job.secrets ?? []) {
      const others = jobs
        .filter((other) => other !== job && (other.secrets ?? []).includes(secret))
        .map((o) => code(o.id));
      if (others.length > 0)
        lines.push(`- Uses the ${secret} together with ${others.join(', ')}: if the cause is there, they fail too.`);
    }
    if (job.analyticsBucket) {
      const others = jobs.filter((other) => other !== job && other.analyticsBucket).map((o) => code(o.id));
      if (others.length > 0) lines.push(`- Shares the analytics bucket with ${others.join(', ')}.`);
    }
    const late = `job-late-${job.id}`;
    if (names.has(late) && alarm.name !== late) {
      lines.push(`- No successful run before its next expected report also fires [${code(late)}](#${late}).`);
    }
  } else {
    const secret = alarm.name.split('-')[0];
    const users = jobs
      .filter((candidate) => (candidate.secrets ?? []).some((s) => s === secret))
      .map((j) => code(j.id));
    if (users.length > 0) lines.push(`- Every job that uses the ${secret}: ${users.join(', ')}.`);
    if (alarm.area === 'job monitor') {
      lines.push(
        '- Outside scripts that POST job reports (their reports may be lost), the status page and late detection for every job.',
      );
    }
    if (alarm.area === 'alarm notifications') {
      lines.push(
        '- Whoever is reached only through a webhook (the pager): the notification in the queue never reached them. E-mail and chat subscribers of the topic got it, and got this alarm.',
        '- It sends no recovery: OK only means no new dead letter for 5 minutes. While a webhook stays down, each of its own notifications becomes a dead letter too, so it fires again about every half hour (after SNS retries) until the endpoint works.',
      );
    }
    if (alarm.area === 'manual trigger') {
      lines.push(
        `- Whoever sent the manual trigger: the job they named did not run. Fix the event (its \`detail.stage\` is ${code(S)}) and send it again.`,
      );
    }
  }
  lines.push(
    `- The pager alarm [${code(`nightshift-${S}-unhealthy`)}](#${UNHEALTHY_RUNBOOK_ANCHOR}) is in ALARM while this one is.`,
  );
  return lines;
}

/** Where the alarm exists when not in every stage: a stage of cdk.json, or the config that creates it. */
function availability(alarm: RunbookAlarm): string {
  if (alarm.onlyWhen) return ` Only when ${alarm.onlyWhen}.`;
  return alarm.stages.length < 2 ? ` Only in stage ${alarm.stages.join(', ')}.` : '';
}

function section(alarm: RunbookAlarm, jobs: readonly JobSpec[], names: ReadonlySet<string>): string[] {
  return [
    `<a id="${alarm.name}"></a>`,
    '',
    `### ${code(`nightshift-${S}-${alarm.name}`)}`,
    '',
    `**What it means:** ${alarm.meaning.replace(/\n/g, ' ')}`,
    '',
    `**Fires when:** ${alarm.firesWhen}. No data: ${alarm.missingData}.${availability(alarm)}`,
    '',
    '**Where to look:**',
    '',
    ...findFailedRun(alarm),
    ...alarm.whereToLook.map(lookLine),
    ...(alarm.more ? [`- More: [${alarm.more}](../${alarm.more})`] : []),
    '',
    ...(alarm.job ? [...jobCommands(alarm.job), ''] : []),
    '**Who else is affected:**',
    '',
    ...affected(alarm, jobs, names),
    '',
  ];
}

function areaTitle(alarm: RunbookAlarm): string {
  if (alarm.area === 'job' && alarm.job) return `Job ${code(alarm.job.id)}: ${alarm.job.title}`;
  if (alarm.area === 'job monitor') return 'Job monitor (job reports, status page, late jobs, API)';
  if (alarm.area === 'manual trigger') return 'Manual trigger (EventBridge put-events)';
  if (alarm.area === 'alarm notifications') return 'Alarm notifications (webhooks)';
  return alarm.name.startsWith('database-') ? 'Database' : 'Shared resources';
}

export function renderRunbook(jobs: readonly JobSpec[]): string {
  const alarms = collectRunbookAlarms(jobs);
  const names = new Set(alarms.map((alarm) => alarm.name));
  const areas = new Map<string, RunbookAlarm[]>();
  for (const alarm of alarms) areas.set(areaTitle(alarm), [...(areas.get(areaTitle(alarm)) ?? []), alarm]);
  const lines = [
    '# On-call runbook',
    '',
    '<!-- Generated by `npm run runbook` from lib/jobs.ts and the alarm factory; edit those, not this file. -->',
    '',
    `Every nightshift alarm links its section here. Commands use ${code(S)}: set it first,`,
    `e.g. ${code('STAGE=prod')}, with AWS credentials for that account (${code('npm run ops -- status --stage $STAGE')}`,
    'shows every job, errors first). `<API URL>` is the `JobReportUrl` output of `Nightshift-$STAGE-Api` without its path.',
    '',
    `<a id="${UNHEALTHY_RUNBOOK_ANCHOR}"></a>`,
    '',
    `## ${code(`nightshift-${S}-unhealthy`)}: the pager alarm`,
    '',
    'In ALARM while any alarm below is. Find which one, then follow its section:',
    '',
    ...block([
      `aws cloudwatch describe-alarms --state-value ALARM --alarm-name-prefix nightshift-${S}- --query 'MetricAlarms[].AlarmName'`,
    ]),
    '',
    `The dashboard ${code(`nightshift-${S}`)} shows it on top, every alarm's state below it.`,
    '',
    '| alarm | area |',
    '|---|---|',
    ...alarms.map((alarm) => `| [${code(alarm.name)}](#${alarm.name}) | ${areaTitle(alarm)} |`),
    '',
  ];
  for (const [title, members] of areas) {
    lines.push(`## ${title}`, '');
    for (const alarm of members) lines.push(...section(alarm, jobs, names));
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
