import { Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct, IConstruct } from 'constructs';

/** CloudWatch refuses an alarm description over this many characters. */
export const ALARM_DESCRIPTION_LIMIT = 1024;
/** What an unresolved token (e.g. an API URL) counts for when the description is measured at synth. */
const TOKEN_BUDGET = 128;
const ALARM_NAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/** How the alarm treats periods without data, and why: every on-call alarm must say. */
export interface MissingDataRule {
  readonly treat: cloudwatch.TreatMissingData;
  /** One sentence: what a period without data means for this metric. */
  readonly reason: string;
}

/** The text on-call reads in the notification. */
export interface AlarmText {
  /** What the alarm means (what broke, for whom). Cut first when the text is too long. */
  readonly meaning: string;
  /** Where to look: log commands, the status page, a console path. One line each. */
  readonly whereToLook?: readonly string[];
  /** The exact command that re-runs the failed work; never cut. */
  readonly rerun?: string;
  /**
   * Further reading beyond the alarm's own runbook section (which every alarm links: see runbookLink),
   * e.g. `docs/ftp-export.md#settings`. @default none
   */
  readonly runbook?: string;
}

export interface OnCallAlarmSpec {
  /** Kebab-case, after `nightshift-<stage>-`: e.g. `ftp-export-errors`, `database-cpu`. */
  readonly name: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  readonly missingData: MissingDataRule;
  readonly text: AlarmText;
  /** Also notify when the alarm returns to OK. @default true */
  readonly notifyOnRecovery?: boolean;
}

/** Marker for OnCallAlarm.all: survives two copies of this module in one process. */
const ON_CALL_ALARM = Symbol.for('nightshift.OnCallAlarm');

/** A CloudWatch alarm built by the factory, carrying what a runbook generator or a composite alarm needs. */
export class OnCallAlarm extends cloudwatch.Alarm {
  /** Every on-call alarm in the app of `scope`, in construct order (all stacks of the stage). */
  static all(scope: IConstruct): OnCallAlarm[] {
    return scope.node.root.node
      .findAll()
      .filter((construct): construct is OnCallAlarm => ON_CALL_ALARM in (construct as object));
  }

  /** Plain string (alarmName itself is a token in some contexts): `nightshift-<stage>-<name>`. */
  public readonly fullName: string;
  public readonly spec: OnCallAlarmSpec;
  /** The description exactly as synthesized (may hold tokens). */
  public readonly descriptionText: string;

  constructor(scope: Construct, id: string, stage: string, spec: OnCallAlarmSpec, topic: sns.ITopic) {
    const fullName = alarmNameFor(stage, spec.name);
    const descriptionText = alarmDescription(scope, spec.name, spec.text);
    super(scope, id, {
      alarmName: fullName,
      alarmDescription: descriptionText,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.missingData.treat,
    });
    Object.defineProperty(this, ON_CALL_ALARM, { value: true });
    this.fullName = fullName;
    this.spec = spec;
    this.descriptionText = descriptionText;
    const action = new cwActions.SnsAction(topic);
    this.addAlarmAction(action);
    if (spec.notifyOnRecovery ?? true) this.addOkAction(action);
  }
}

export interface AlarmFactoryProps {
  readonly stage: string;
  /** Every alarm notifies this topic (on alarm and, unless told otherwise, on recovery). */
  readonly topic: sns.ITopic;
}

/**
 * The one way nightshift creates an alarm: name `nightshift-<stage>-<name>`, a description that
 * says what it means, where to look, the exact re-run command and the runbook anchor (cut to
 * CloudWatch's 1,024 characters without cutting a command or a token), the alarm and OK actions,
 * and a missing-data rule with its reason. `created` lists what this factory made;
 * `OnCallAlarm.all(app)` lists every alarm of the app.
 */
export class AlarmFactory {
  public readonly created: OnCallAlarm[] = [];

  constructor(public readonly props: AlarmFactoryProps) {}

  get stage(): string {
    return this.props.stage;
  }

  create(scope: Construct, id: string, spec: OnCallAlarmSpec): OnCallAlarm {
    const alarm = new OnCallAlarm(scope, id, this.props.stage, spec, this.props.topic);
    this.created.push(alarm);
    return alarm;
  }
}

/** The generated on-call runbook (npm run runbook): one section per alarm, anchored by its name without the stage. */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** `docs/runbook.md#ftp-export-errors`: the line every alarm description ends with. */
export function runbookLink(name: string): string {
  return `${RUNBOOK_PATH}#${name}`;
}

export function alarmNameFor(stage: string, name: string): string {
  if (!ALARM_NAME.test(name)) throw new Error(`alarm name "${name}" must be kebab-case (a-z, 0-9, -)`);
  const full = `nightshift-${stage}-${name}`;
  if (full.length > 255) throw new Error(`alarm name "${full}" is over CloudWatch's 255 characters`);
  return full;
}

/** `CamelCase` or `Mixed-Case-id` → `camel-case`, for alarm names derived from construct ids. */
export function kebabCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * The description: meaning and where-to-look lines first (cut with "…" when too long), then the
 * re-run command and the link to the alarm's runbook section, which are never cut. Tokens count TOKEN_BUDGET characters each
 * (or their unresolved form, if longer) and are kept whole or dropped, never split.
 */
export function alarmDescription(scope: IConstruct, name: string, text: AlarmText): string {
  const fixed = [...(text.rerun ? [`Re-run: ${text.rerun}`] : []), `Runbook: ${runbookLink(name)}`];
  const fixedLength = fixed.reduce((sum, line) => sum + measure(scope, line) + 1, 0);
  const budget = ALARM_DESCRIPTION_LIMIT - fixedLength;
  if (budget < 40) {
    throw new Error(
      `alarm text: the re-run command and runbook leave ${budget} characters of ${ALARM_DESCRIPTION_LIMIT}`,
    );
  }
  const flexible = [text.meaning, ...(text.whereToLook ?? []), ...(text.runbook ? [`More: ${text.runbook}`] : [])].join(
    '\n',
  );
  return [fitText(scope, flexible, budget), ...fixed].join('\n');
}

/** Characters the string will have once deployed, tokens estimated. */
export function measure(scope: IConstruct, text: string): number {
  return fragmentsOf(text).reduce(
    (sum, part) => sum + (part.token ? tokenLength(scope, part.value) : part.value.length),
    0,
  );
}

function fitText(scope: IConstruct, text: string, budget: number): string {
  if (measure(scope, text) <= budget) return text;
  const room = budget - 1; // for the ellipsis
  let used = 0;
  let out = '';
  for (const part of fragmentsOf(text)) {
    const length = part.token ? tokenLength(scope, part.value) : part.value.length;
    if (used + length <= room) {
      out += part.value;
      used += length;
      continue;
    }
    if (!part.token) out += part.value.slice(0, room - used);
    break;
  }
  return `${out}…`;
}

/** Literal text and CDK string tokens (`${Token[...]}`), in order. */
function fragmentsOf(text: string): Array<{ token: boolean; value: string }> {
  if (!Token.isUnresolved(text)) return [{ token: false, value: text }];
  const parts: Array<{ token: boolean; value: string }> = [];
  let last = 0;
  for (const match of text.matchAll(/\$\{Token\[[^\]]+\]\}/g)) {
    if (match.index > last) parts.push({ token: false, value: text.slice(last, match.index) });
    parts.push({ token: true, value: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ token: false, value: text.slice(last) });
  return parts;
}

function tokenLength(scope: IConstruct, token: string): number {
  const resolved = Stack.of(scope).resolve(token);
  if (typeof resolved === 'string') return resolved.length;
  return Math.max(TOKEN_BUDGET, JSON.stringify(resolved).length);
}
