import { parseJobSettings } from '../../lambdas/ftp-export/settings';

const parse = (settings: unknown) => parseJobSettings(JSON.stringify(settings));

describe('parseJobSettings', () => {
  it('gives one default recipient exporting visitor_counts in full as UTF-8 when JOB_SETTINGS is absent', () => {
    const settings = parseJobSettings(undefined);

    expect(settings.recipients).toEqual([
      expect.objectContaining({
        name: 'default',
        isDefault: true,
        table: 'visitor_counts',
        mode: 'full',
        encoding: 'utf8',
        fileName: 'visitor_data_{YYYY}{MM}{DD}_{HH}{mm}.csv',
        lineEnding: 'crlf',
        neutraliseFormulas: true,
        emptyResult: 'upload',
        filter: [],
      }),
    ]);
    expect(settings.concurrency).toBe(4);
    expect(settings.retry).toEqual({ attempts: 4, baseDelayMs: 1000, maxDelayMs: 30000 });
  });

  it('applies defaults under each recipient, the recipient winning', () => {
    const settings = parse({
      defaults: { encoding: 'shift_jis', table: 'public.visitor_counts' },
      recipients: [{ name: 'acme' }, { name: 'globex', encoding: 'utf8-bom' }],
    });

    expect(settings.recipients.map((r) => [r.name, r.encoding, r.table, r.isDefault])).toEqual([
      ['acme', 'shift_jis', 'public.visitor_counts', false],
      ['globex', 'utf8-bom', 'public.visitor_counts', false],
    ]);
  });

  it('normalises columns and a single filter condition', () => {
    const [recipient] = parse({
      recipients: [
        {
          name: 'acme',
          columns: ['store_id', { name: 'visitors', header: '来店客数' }],
          filter: { column: 'store_id', in: ['S001'] },
        },
      ],
    }).recipients;

    expect(recipient.columns).toEqual([
      { name: 'store_id', header: 'store_id' },
      { name: 'visitors', header: '来店客数' },
    ]);
    expect(recipient.filter).toEqual([{ column: 'store_id', in: ['S001'] }]);
  });

  it('names the recipient field of a bad value', () => {
    expect(() => parse({ recipients: [{ name: 'acme' }, { name: 'globex', encoding: 'latin1' }] })).toThrow(
      /^JOB_SETTINGS\.recipients\[1\]\.encoding: /,
    );
  });

  it('rejects a column name that is not a plain identifier', () => {
    expect(() => parse({ defaults: { columns: ['id; DROP TABLE visitor_counts'] } })).toThrow(
      'JOB_SETTINGS.defaults.columns[0]',
    );
  });

  it('rejects a table name with quotes or spaces', () => {
    expect(() => parse({ defaults: { table: 'visitor_counts" x' } })).toThrow(
      'JOB_SETTINGS.defaults.table: a table name',
    );
  });

  it('rejects a where condition with a semicolon', () => {
    expect(() => parse({ defaults: { where: 'true; DELETE FROM visitor_counts' } })).toThrow(
      'JOB_SETTINGS.defaults.where: one SQL condition',
    );
  });

  it('requires a watermark column in incremental mode', () => {
    expect(() => parse({ recipients: [{ name: 'acme', mode: 'incremental' }] })).toThrow(
      'JOB_SETTINGS.recipients[0].watermarkColumn: required when mode is "incremental"',
    );
  });

  it('rejects unknown keys, so a typo does not pass silently', () => {
    expect(() => parse({ defaults: { encodng: 'shift_jis' } })).toThrow(
      'JOB_SETTINGS.defaults: Unrecognized key: "encodng"',
    );
  });

  it('rejects two recipients with the same name', () => {
    expect(() => parse({ recipients: [{ name: 'acme' }, { name: 'acme' }] })).toThrow(
      'JOB_SETTINGS.recipients[1].name: "acme" is used twice',
    );
  });

  it('rejects a replacement character that Shift_JIS cannot encode itself', () => {
    expect(() => parse({ defaults: { encoding: 'shift_jis', replacementCharacter: '😀' } })).toThrow(
      'JOB_SETTINGS.defaults.replacementCharacter: must itself be encodable in shift_jis',
    );
  });

  it('rejects a replacement character for UTF-8 output', () => {
    expect(() => parse({ recipients: [{ name: 'acme', replacementCharacter: '?' }] })).toThrow(
      'JOB_SETTINGS.recipients[0].replacementCharacter: only applies to encoding "shift_jis"',
    );
  });

  it('lets a recipient that chose another encoding ignore the replacement character of the defaults', () => {
    const settings = parse({
      defaults: { encoding: 'shift_jis', replacementCharacter: '〓' },
      recipients: [{ name: 'acme' }, { name: 'globex', encoding: 'utf8-bom' }],
    });

    expect(settings.recipients.map((r) => [r.name, r.encoding, r.replacementCharacter])).toEqual([
      ['acme', 'shift_jis', '〓'],
      ['globex', 'utf8-bom', undefined],
    ]);
  });

  it('rejects a replacement character in defaults whose encoding is not shift_jis', () => {
    expect(() => parse({ defaults: { replacementCharacter: '?' }, recipients: [{ name: 'acme' }] })).toThrow(
      'JOB_SETTINGS.defaults.replacementCharacter: only applies to encoding "shift_jis"',
    );
  });

  it('rejects a file name template with an unknown placeholder or a path', () => {
    expect(() => parse({ defaults: { fileName: 'data_{date}.csv' } })).toThrow(
      'JOB_SETTINGS.defaults.fileName: unknown placeholder {date}',
    );
    expect(() => parse({ defaults: { fileName: '../x_{HH}.csv' } })).toThrow('JOB_SETTINGS.defaults.fileName: letters');
  });

  it('counts the longest rendering of each placeholder, the recipient name included, against the 200-character limit', () => {
    const name = 'r'.repeat(63);
    const fiveNames = '{recipient}'.repeat(5);

    expect(() => parse({ recipients: [{ name, fileName: `${fiveNames}.csv` }] })).toThrow(
      `JOB_SETTINGS.recipients[0].fileName: renders names of up to ${63 * 5 + 4} characters for recipient "${name}"; at most 200`,
    );
    expect(() => parse({ defaults: { fileName: `${'{YYYY}'.repeat(50)}.csv` } })).toThrow(
      'JOB_SETTINGS.defaults.fileName: renders names of up to 204 characters',
    );
    expect(parse({ recipients: [{ name: 'acme', fileName: `${fiveNames}.csv` }] }).recipients[0].fileName).toBe(
      `${fiveNames}.csv`,
    );
  });

  it('names the defaults field when a recipient inherits a template that renders too long a name for it', () => {
    const name = 'r'.repeat(63);

    expect(() =>
      parse({ defaults: { fileName: '{recipient}{recipient}{recipient}{recipient}.csv' }, recipients: [{ name }] }),
    ).toThrow(`JOB_SETTINGS.defaults.fileName: renders names of up to 256 characters for recipient "${name}"`);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a line feed', '\n'],
    ['a tab', '\t'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
  ])('refuses %s as replacement character: it would be written into the CSV unseen', (_name, character) => {
    expect(() => parse({ defaults: { encoding: 'shift_jis', replacementCharacter: character } })).toThrow(
      'JOB_SETTINGS.defaults.replacementCharacter: must not be a control character',
    );
  });

  it.each([',', '"'])('refuses %s as replacement character: it would change the CSV structure', (character) => {
    expect(() => parse({ defaults: { encoding: 'shift_jis', replacementCharacter: character } })).toThrow(
      'JOB_SETTINGS.defaults.replacementCharacter: must not be "," or \'"\' (it would split or open a cell)',
    );
  });

  it.each(['=', '+', '-', '@'])(
    'refuses %s as replacement character: a cell starting with it reads as a formula',
    (character) => {
      expect(() => parse({ defaults: { encoding: 'shift_jis', replacementCharacter: character } })).toThrow(
        'JOB_SETTINGS.defaults.replacementCharacter: must not be "=", "+", "-" or "@"',
      );
    },
  );

  it('rejects JOB_SETTINGS that is not JSON', () => {
    expect(() => parseJobSettings('{recipients:')).toThrow(/^JOB_SETTINGS: not valid JSON/);
  });

  it('rejects a maximum retry delay below the base delay', () => {
    expect(() => parse({ retry: { baseDelayMs: 5000, maxDelayMs: 1000 } })).toThrow(
      'JOB_SETTINGS.retry.maxDelayMs: must not be less than baseDelayMs',
    );
  });
});
