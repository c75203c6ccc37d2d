import { readFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { type ExportFixture, exportFixture, recipientsOf } from './ftp-export-fixture';

/** Settings that become SQL: the docs' own examples run as written, and nothing built from them writes. */

const SLOT = { slot: '2025-08-11T09:15' };
const DRY_RUN = { ...SLOT, dry_run: true };
const DOCS = path.join(__dirname, '../../docs/ftp-export.md');
const visit = (store_id: string, updated_at = '2025-08-11 09:00+09') => ({
  store_id,
  store_name: '渋谷店',
  counted_at: updated_at,
  visitors: 3,
  updated_at,
});

let fixture: ExportFixture;
beforeEach(async () => {
  fixture = await exportFixture('ftp-export-sql');
});
afterEach(() => fixture.close());

/** The dry-run files of a run, by recipient, as text. */
async function dryRunFiles(payload: object, jobSettings: object): Promise<Record<string, Buffer>> {
  const result = await fixture.run(payload, { jobSettings });
  const files: Record<string, Buffer> = {};
  for (const recipient of recipientsOf(result)) {
    if (recipient.status !== 'dry-run') throw new Error(`${recipient.name}: ${recipient.error}`);
    files[recipient.name as string] = await readFile(recipient.path as string);
  }
  return files;
}

describe('ftp-export: the documented settings, as written', () => {
  it('runs the filter example of the settings table, a number among text values included', async () => {
    const docs = await readFile(DOCS, 'utf8');
    const example = /\| `filter` \| none \| Structured row filter: `(\{[^`]+\})`/.exec(docs)?.[1];
    expect(example).toBe('{ "column": "store_id", "in": ["S001", 2] }');
    await fixture.insertVisits([visit('S001'), visit('2'), visit('S003')]);

    const files = await dryRunFiles(DRY_RUN, { defaults: { columns: ['store_id'], filter: JSON.parse(example!) } });

    expect(files.default.toString()).toBe('store_id\r\nS001\r\n2\r\n');
  });

  it('runs the JOB_SETTINGS example, every recipient of it', async () => {
    const docs = await readFile(DOCS, 'utf8');
    const block = /```json\n("jobSettings": \{[\s\S]*?\n\})\n```/.exec(docs)?.[1];
    expect(block).toBeDefined();
    const jobSettings = JSON.parse(`{${block}}`).jobSettings['ftp-export'];
    await fixture.insertVisits([visit('S001'), visit('S002'), visit('S003')]);

    const files = await dryRunFiles(DRY_RUN, jobSettings);

    expect(Object.keys(files)).toEqual(['acme', 'globex']);
    const acmeRows = iconv.decode(files.acme, 'shift_jis').split('\r\n');
    expect(acmeRows.slice(1)).toEqual([
      expect.stringMatching(/^1,S001,渋谷店,2025-08-11T09:00:00\+09:00,3,,/),
      expect.stringMatching(/^2,S002,渋谷店,/),
      '',
    ]);
    expect(files.globex.toString()).toBe(
      '\ufeffstore_id,来店客数,counted_at\r\n' +
        'S001,3,2025-08-11T09:00:00+09:00\r\nS002,3,2025-08-11T09:00:00+09:00\r\nS003,3,2025-08-11T09:00:00+09:00\r\n',
    );
  });

  it('compares a number with a text column as text, and a text value with an integer column as a number', async () => {
    await fixture.insertVisits([visit('7'), visit('S001')]);

    const files = await dryRunFiles(DRY_RUN, {
      defaults: {
        columns: ['store_id'],
        filter: [
          { column: 'store_id', in: [7, 'S001'] },
          { column: 'visitors', in: ['3', 4] },
        ],
      },
    });

    expect(files.default.toString()).toBe('store_id\r\n7\r\nS001\r\n');
  });

  it('names the filter setting when a value does not fit its column', async () => {
    const result = await fixture.run(DRY_RUN, {
      jobSettings: { recipients: [{ name: 'acme', filter: { column: 'visitors', in: ['many'] } }] },
    });

    expect(recipientsOf(result)[0].error).toBe(
      'the source query fails: invalid input syntax for type integer: "many" (check JOB_SETTINGS.recipients[0].filter)',
    );
  });
});

describe('ftp-export: statements built from settings run read-only', () => {
  const probeSettings = (mode: 'full' | 'incremental') => ({
    defaults: {
      columns: ['store_id'],
      where: "nextval('probe_seq') > 0",
      ...(mode === 'incremental' ? { mode, watermarkColumn: 'updated_at' } : {}),
    },
  });
  const probeValue = async () => (await fixture.db.query('SELECT last_value, is_called FROM probe_seq')).rows[0];

  it.each(['full', 'incremental'] as const)('refuses a where condition that writes, in %s mode', async (mode) => {
    await fixture.db.query('CREATE SEQUENCE probe_seq');
    // Even where the job's role may write (here through PUBLIC), the read-only transaction refuses it.
    await fixture.db.query('GRANT USAGE, UPDATE ON SEQUENCE probe_seq TO PUBLIC');
    await fixture.insertVisits([visit('S001'), visit('S002')]);

    const result = await fixture.run(SLOT, { jobSettings: probeSettings(mode) });

    expect(recipientsOf(result)[0]).toEqual(
      expect.objectContaining({
        status: 'failed',
        error: expect.stringContaining('cannot execute nextval() in a read-only transaction'),
      }),
    );
    expect(await probeValue()).toEqual({ last_value: '1', is_called: false });
    expect(await fixture.uploadedNames()).toEqual([]);
  });

  it("refuses a where condition that writes with the job's own role alone", async () => {
    await fixture.db.query('CREATE SEQUENCE probe_seq');
    await fixture.insertVisits([visit('S001')]);

    const result = await fixture.run(SLOT, { jobSettings: probeSettings('full') });

    expect(recipientsOf(result)[0]).toEqual(
      expect.objectContaining({ status: 'failed', error: expect.stringContaining('permission denied for sequence') }),
    );
    expect(await probeValue()).toEqual({ last_value: '1', is_called: false });
  });
});
