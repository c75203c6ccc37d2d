import { z } from 'zod';
import { isShiftJisEncodable } from './encode-csv';
import { fileNameTemplateProblem } from './file-name';

/**
 * JOB_SETTINGS of ftp-export: `jobSettings["ftp-export"]` from cdk.json, passed by the jobs stack as JSON.
 * Every field is optional; `defaults` apply under every recipient. Problems name the field the operator
 * wrote, e.g. `JOB_SETTINGS.recipients[1].encoding: ...`.
 */

const NAME = '[A-Za-z_][A-Za-z0-9_]{0,62}';
const identifier = z
  .string()
  .regex(new RegExp(`^${NAME}$`), 'a column name: letters, digits and _, not starting with a digit, at most 63');
const tableName = z
  .string()
  .regex(new RegExp(`^(${NAME}\\.)?${NAME}$`), 'a table name, optionally with its schema (schema.table)');

const column = z.union([
  identifier,
  z.strictObject({ name: identifier, header: z.string().min(1, 'must not be empty').max(200) }),
]);

/** A structured filter: `{ "column": "store_id", "in": ["S001", "S002"] }`, values sent as quoted literals. */
const condition = z.strictObject({
  column: identifier,
  in: z
    .array(
      z.union([
        z
          .string()
          .max(1000)
          .regex(/^[^\0]*$/, 'must not contain NUL'),
        z.number().finite(),
      ]),
    )
    .min(1, 'needs at least one value')
    .max(10_000),
});

const ENCODINGS = ['utf8', 'utf8-bom', 'shift_jis'] as const;
export type CsvEncoding = (typeof ENCODINGS)[number];

const exportOptions = {
  table: tableName.optional(),
  columns: z.array(column).min(1, 'needs at least one column').optional(),
  filter: z.union([condition, z.array(condition)]).optional(),
  /** Operator-written SQL condition, trusted like the rest of the deployment config; run read-only. */
  where: z
    .string()
    .min(1)
    .refine((sql) => !sql.includes(';'), 'one SQL condition, without ";"')
    .optional(),
  orderBy: z.array(identifier).min(1).optional(),
  mode: z.enum(['full', 'incremental']).optional(),
  watermarkColumn: identifier.optional(),
  fileName: z
    .string()
    .superRefine((template, ctx) => {
      const problem = fileNameTemplateProblem(template);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  encoding: z.enum(ENCODINGS).optional(),
  replacementCharacter: z
    .string()
    .refine((value) => [...value].length === 1, 'exactly one character')
    // Written into cells as is: a control character would hide in the file, `,` or `"` break its structure.
    .refine((value) => !/^\p{Cc}$/u.test(value), 'must not be a control character')
    .refine((value) => value !== ',' && value !== '"', 'must not be "," or \'"\' (it would split or open a cell)')
    .refine(
      (value) => !['=', '+', '-', '@'].includes(value),
      'must not be "=", "+", "-" or "@" (a cell starting with it would read as a formula)',
    )
    .refine(isShiftJisEncodable, 'must itself be encodable in shift_jis')
    .optional(),
  lineEnding: z.enum(['crlf', 'lf']).optional(),
  neutraliseFormulas: z.boolean().optional(),
  emptyResult: z.enum(['upload', 'skip']).optional(),
};

const recipientName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, _ and -, at most 63, as in the secret name');

const settingsSchema = z.strictObject({
  defaults: z.strictObject(exportOptions).optional(),
  recipients: z
    .array(z.strictObject({ name: recipientName, secretName: z.string().min(1).optional(), ...exportOptions }))
    .optional(),
  /** Recipients exported at the same time. */
  concurrency: z.number().int().min(1).max(16).optional(),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(10).optional(),
      baseDelayMs: z.number().int().min(0).max(60_000).optional(),
      maxDelayMs: z.number().int().min(0).max(300_000).optional(),
    })
    .optional(),
  /** basic-ftp's timeout for each control and data socket wait. */
  ftpTimeoutMs: z.number().int().min(1_000).max(300_000).optional(),
});

export interface ExportColumn {
  name: string;
  header: string;
}

export interface FilterCondition {
  column: string;
  in: ReadonlyArray<string | number>;
}

export interface RecipientSettings {
  name: string;
  /** The recipient used when none is configured: its FTP target is FTP_HOST… or the FTP_SECRET_NAME secret. */
  isDefault: boolean;
  secretName?: string;
  table: string;
  /** @default every column of the table, in table order */
  columns?: ExportColumn[];
  filter: FilterCondition[];
  where?: string;
  orderBy?: string[];
  mode: 'full' | 'incremental';
  watermarkColumn?: string;
  fileName: string;
  encoding: CsvEncoding;
  replacementCharacter?: string;
  lineEnding: 'crlf' | 'lf';
  neutraliseFormulas: boolean;
  emptyResult: 'upload' | 'skip';
  /** Where this recipient's settings live, for messages: `JOB_SETTINGS.recipients[1]`. */
  settingsPath: string;
}

export interface RetrySettings {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface FtpExportSettings {
  recipients: RecipientSettings[];
  concurrency: number;
  retry: RetrySettings;
  ftpTimeoutMs: number;
}

export const DEFAULT_FILE_NAME = 'visitor_data_{YYYY}{MM}{DD}_{HH}{mm}.csv';
export const DEFAULT_RECIPIENT = 'default';
const ROOT = 'JOB_SETTINGS';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** `JOB_SETTINGS.recipients[1].encoding: Invalid option ...`, one line per problem. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    ROOT,
  );
}

/** Parses and checks JOB_SETTINGS (absent or empty = `{}`); throws SettingsError naming every bad field. */
export function parseJobSettings(raw: string | undefined): FtpExportSettings {
  let json: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new SettingsError(`${ROOT}: not valid JSON (${(error as Error).message})`);
    }
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; '),
    );
  }
  const { defaults = {}, recipients = [], concurrency = 4, retry = {}, ftpTimeoutMs = 30_000 } = parsed.data;
  const configured = recipients.length > 0;
  const entries = configured
    ? recipients.map((recipient, index) => ({
        ...defaults,
        ...recipient,
        settingsPath: `${ROOT}.recipients[${index}]`,
        // Where the template was written, for messages: a recipient may inherit it from defaults.
        fileNameFrom: recipient.fileName !== undefined ? `${ROOT}.recipients[${index}]` : `${ROOT}.defaults`,
        ownReplacement: recipient.replacementCharacter !== undefined,
        ownEncoding: recipient.encoding !== undefined,
      }))
    : [
        {
          ...defaults,
          name: DEFAULT_RECIPIENT,
          settingsPath: `${ROOT}.defaults`,
          fileNameFrom: `${ROOT}.defaults`,
          ownReplacement: true,
          ownEncoding: true,
        },
      ];

  const problems: string[] = [];
  const seen = new Set<string>();
  const resolved = entries.map((entry): RecipientSettings => {
    if (seen.has(entry.name)) problems.push(`${entry.settingsPath}.name: "${entry.name}" is used twice`);
    seen.add(entry.name);
    const mode = entry.mode ?? 'full';
    const encoding = entry.encoding ?? 'utf8';
    if (mode === 'incremental' && !entry.watermarkColumn) {
      problems.push(`${entry.settingsPath}.watermarkColumn: required when mode is "incremental"`);
    }
    const fileName = entry.fileName ?? DEFAULT_FILE_NAME;
    const fileNameProblem = fileNameTemplateProblem(fileName, entry.name);
    if (fileNameProblem) problems.push(`${entry.fileNameFrom}.fileName: ${fileNameProblem}`);
    // A replacement character in defaults does not apply to a recipient that chose another encoding itself.
    const replacementFrom = entry.ownReplacement ? entry.settingsPath : `${ROOT}.defaults`;
    const ignoresReplacement = !entry.ownReplacement && entry.ownEncoding && encoding !== 'shift_jis';
    const replacementCharacter = ignoresReplacement ? undefined : entry.replacementCharacter;
    if (replacementCharacter !== undefined && encoding !== 'shift_jis') {
      problems.push(`${replacementFrom}.replacementCharacter: only applies to encoding "shift_jis"`);
    }
    return {
      name: entry.name,
      isDefault: !configured,
      ...('secretName' in entry && entry.secretName ? { secretName: entry.secretName } : {}),
      table: entry.table ?? 'visitor_counts',
      ...(entry.columns
        ? { columns: entry.columns.map((c) => (typeof c === 'string' ? { name: c, header: c } : c)) }
        : {}),
      filter: entry.filter === undefined ? [] : Array.isArray(entry.filter) ? entry.filter : [entry.filter],
      ...(entry.where ? { where: entry.where } : {}),
      ...(entry.orderBy ? { orderBy: entry.orderBy } : {}),
      mode,
      ...(entry.watermarkColumn ? { watermarkColumn: entry.watermarkColumn } : {}),
      fileName,
      encoding,
      ...(replacementCharacter !== undefined ? { replacementCharacter } : {}),
      lineEnding: entry.lineEnding ?? 'crlf',
      neutraliseFormulas: entry.neutraliseFormulas ?? true,
      emptyResult: entry.emptyResult ?? 'upload',
      settingsPath: entry.settingsPath,
    };
  });
  const attempts = retry.attempts ?? 4;
  const baseDelayMs = retry.baseDelayMs ?? 1_000;
  const maxDelayMs = retry.maxDelayMs ?? 30_000;
  if (maxDelayMs < baseDelayMs) problems.push(`${ROOT}.retry.maxDelayMs: must not be less than baseDelayMs`);
  if (problems.length > 0) throw new SettingsError(problems.join('; '));
  return { recipients: resolved, concurrency, retry: { attempts, baseDelayMs, maxDelayMs }, ftpTimeoutMs };
}
