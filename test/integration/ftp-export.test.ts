import iconv from 'iconv-lite';
import { createFtpExportJob } from '../../lambdas/ftp-export/ftp-export-job';
import { runJob } from '../../lambdas/shared/job-runner';
import { type ExportFixture, exportFixture, ftpSecret, recipientsOf } from './ftp-export-fixture';

const COLUMNS = ['store_id', 'store_name', 'counted_at', 'visitors'];
const SHIBUYA = { store_id: 'S001', store_name: '渋谷店', counted_at: '2025-08-11 09:00+09', visitors: 12 };
const UMEDA = { store_id: 'S002', store_name: '梅田店', counted_at: '2025-08-11 09:00+09', visitors: 7 };
const HEADER = 'store_id,store_name,counted_at,visitors\r\n';
const SLOT = { slot: '2025-08-11T09:15' };
const FILE = 'visitor_data_20250811_0915.csv';

let fixture: ExportFixture;
beforeEach(async () => {
  fixture = await exportFixture('ftp-export');
});
afterEach(() => fixture.close());

describe('ftp-export: full mode over verified FTPS', () => {
  it('uploads every row under a header, timestamps in JST ISO 8601, named after the slot', async () => {
    await fixture.insertVisits([SHIBUYA, UMEDA]);

    const result = await fixture.run(SLOT, { jobSettings: { defaults: { columns: COLUMNS } } });

    expect(result.failed).toBe(false);
    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe(
      `${HEADER}S001,渋谷店,2025-08-11T09:00:00+09:00,12\r\nS002,梅田店,2025-08-11T09:00:00+09:00,7\r\n`,
    );
    expect(recipientsOf(result)).toEqual([
      expect.objectContaining({ name: 'default', file: FILE, rows: 2, status: 'uploaded', attempts: 1 }),
    ]);
  });

  it('names the file after the current slot in JST when the payload gives none', async () => {
    const result = await fixture.run({}, { now: new Date('2025-08-11T00:29:59Z') });

    expect(recipientsOf(result)[0].file).toBe(FILE);
    expect(await fixture.uploadedNames()).toEqual([FILE]);
  });

  it('names the file after the slot the schedule fired for when the run starts late', async () => {
    // Fired for 09:15 JST, delivered (retried) at 09:47 JST: still the 09:15 slot.
    const result = await fixture.run(
      { scheduled_time: '2025-08-11T00:15:00Z' },
      { now: new Date('2025-08-11T00:47:00Z') },
    );

    expect(recipientsOf(result)[0].file).toBe(FILE);
  });

  it('quotes commas, quotes and line breaks the RFC 4180 way', async () => {
    await fixture.insertVisits([{ ...SHIBUYA, store_name: '渋谷店, "本館"\n2F' }]);

    await fixture.run(SLOT, { jobSettings: { defaults: { columns: ['store_name', 'visitors'] } } });

    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe(
      'store_name,visitors\r\n"渋谷店, ""本館""\n2F",12\r\n',
    );
  });

  it('neutralises text cells that start like a formula, but not negative numbers', async () => {
    await fixture.insertVisits([{ ...SHIBUYA, store_name: '=HYPERLINK("http://x")', note: '@SUM(1)', visitors: -3 }]);

    await fixture.run(SLOT, { jobSettings: { defaults: { columns: ['store_name', 'note', 'visitors'] } } });

    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe(
      'store_name,note,visitors\r\n"\'=HYPERLINK(""http://x"")",\'@SUM(1),-3\r\n',
    );
  });

  it('renders UTC timestamps without time zone in JST, dates as ISO dates and booleans as words', async () => {
    await fixture.db.query(
      'ALTER TABLE visitor_counts ADD COLUMN synced_at timestamp, ADD COLUMN business_day date, ADD COLUMN open boolean',
    );
    await fixture.insertVisits([SHIBUYA]);
    await fixture.db.query(
      "UPDATE visitor_counts SET synced_at = '2025-08-11 00:30:00', business_day = '2025-08-11', open = true",
    );

    await fixture.run(SLOT, { jobSettings: { defaults: { columns: ['synced_at', 'business_day', 'open'] } } });

    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe(
      'synced_at,business_day,open\r\n2025-08-11T09:30:00+09:00,2025-08-11,true\r\n',
    );
  });

  it('uses the configured headers and an LF line ending', async () => {
    await fixture.insertVisits([SHIBUYA]);
    const columns = [
      { name: 'store_id', header: '店舗ID' },
      { name: 'visitors', header: '来店客数' },
    ];

    await fixture.run(SLOT, { jobSettings: { defaults: { columns, lineEnding: 'lf' } } });

    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe('店舗ID,来店客数\nS001,12\n');
  });

  it('produces the same file name and bytes when a slot is re-run', async () => {
    await fixture.insertVisits([SHIBUYA, UMEDA]);
    await fixture.run(SLOT);
    const first = await fixture.uploaded(FILE);

    await fixture.run(SLOT, { now: new Date('2025-08-11T03:00:00Z') });

    expect((await fixture.uploaded(FILE)).equals(first)).toBe(true);
    expect(await fixture.uploadedNames()).toEqual([FILE]);
  });
});

describe('ftp-export: encodings', () => {
  const settingsFor = (encoding: string, extra: object = {}) => ({
    jobSettings: { defaults: { columns: ['store_name'], encoding, ...extra } },
  });

  it('writes UTF-8 without a BOM by default', async () => {
    await fixture.insertVisits([SHIBUYA]);

    await fixture.run(SLOT, settingsFor('utf8'));

    expect((await fixture.uploaded(FILE)).equals(Buffer.from('store_name\r\n渋谷店\r\n', 'utf8'))).toBe(true);
  });

  it('writes utf8-bom with the BOM Excel looks for', async () => {
    await fixture.insertVisits([SHIBUYA]);

    await fixture.run(SLOT, settingsFor('utf8-bom'));

    expect((await fixture.uploaded(FILE)).equals(Buffer.from('\ufeffstore_name\r\n渋谷店\r\n', 'utf8'))).toBe(true);
  });

  it('writes shift_jis that decodes back to the Japanese text', async () => {
    await fixture.insertVisits([{ ...SHIBUYA, store_name: '渋谷店 ｼﾌﾞﾔ ①〜' }]);

    await fixture.run(SLOT, settingsFor('shift_jis'));

    const bytes = await fixture.uploaded(FILE);
    expect(iconv.decode(bytes, 'shift_jis')).toBe('store_name\r\n渋谷店 ｼﾌﾞﾔ ①～\r\n');
  });

  it('fails a shift_jis export naming the row and column of an unencodable character, leaving no file', async () => {
    await fixture.insertVisits([SHIBUYA, { ...UMEDA, store_name: '𠮷野家' }]);

    const result = await fixture.run(SLOT, settingsFor('shift_jis'));

    expect(result.failed).toBe(true);
    expect(recipientsOf(result)[0].error).toContain('row 2, column "store_name": "𠮷" (U+20BB7) cannot be encoded');
    expect(await fixture.uploadedNames()).toEqual([]);
  });

  it('replaces unencodable characters when a replacement character is configured', async () => {
    await fixture.insertVisits([{ ...SHIBUYA, store_name: '𠮷野家' }]);

    const result = await fixture.run(SLOT, settingsFor('shift_jis', { replacementCharacter: '〓' }));

    expect(iconv.decode(await fixture.uploaded(FILE), 'shift_jis')).toBe('store_name\r\n〓野家\r\n');
    expect(recipientsOf(result)[0].replacedCharacters).toBe(1);
  });
});

describe('ftp-export: empty results', () => {
  it('uploads a header-only file when no row matches', async () => {
    const result = await fixture.run(SLOT, { jobSettings: { defaults: { columns: COLUMNS } } });

    expect((await fixture.uploaded(FILE)).toString('utf8')).toBe(HEADER);
    expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ rows: 0, status: 'uploaded' }));
  });

  it('skips the upload when configured to', async () => {
    const result = await fixture.run(SLOT, { jobSettings: { defaults: { emptyResult: 'skip' } } });

    expect(recipientsOf(result)[0]).toEqual(expect.objectContaining({ rows: 0, status: 'skipped' }));
    expect(result.failed).toBe(false);
    expect(await fixture.uploadedNames()).toEqual([]);
  });
});

describe('ftp-export: recipients', () => {
  const twoRecipients = {
    recipients: [
      { name: 'shibuya', filter: { column: 'store_id', in: ['S001'] }, columns: ['store_id'] },
      { name: 'umeda', filter: [{ column: 'store_id', in: ['S002', "x') OR true --"] }], columns: ['store_id'] },
    ],
  };

  it('sends each recipient only its own stores, as filter values never become SQL', async () => {
    await fixture.insertVisits([SHIBUYA, UMEDA]);
    fixture.secrets.set('nightshift/ftp/shibuya', ftpSecret(`${fixture.ftpDir.relativePath}/shibuya`));
    fixture.secrets.set('nightshift/ftp/umeda', ftpSecret(`${fixture.ftpDir.relativePath}/umeda`));

    const result = await fixture.run(SLOT, { jobSettings: twoRecipients });

    expect(result.failed).toBe(false);
    expect((await fixture.uploaded(`shibuya/${FILE}`)).toString()).toBe('store_id\r\nS001\r\n');
    expect((await fixture.uploaded(`umeda/${FILE}`)).toString()).toBe('store_id\r\nS002\r\n');
  });

  it('carries on with the other recipients when one fails, and fails the run', async () => {
    await fixture.insertVisits([SHIBUYA, UMEDA]);
    fixture.secrets.set('nightshift/ftp/shibuya', ftpSecret(fixture.ftpDir.relativePath, { password: 'wrong' }));
    fixture.secrets.set('nightshift/ftp/umeda', ftpSecret(fixture.ftpDir.relativePath));

    const result = await fixture.run(SLOT, { jobSettings: twoRecipients });

    expect(result.failed).toBe(true);
    expect(recipientsOf(result).map((r) => [r.name, r.status])).toEqual([
      ['shibuya', 'failed'],
      ['umeda', 'uploaded'],
    ]);
    expect(result.message).toMatch(/^slot 2025-08-11T09:15: 1 of 2 recipients failed: shibuya: FTP login/);
  });

  it("applies the operator's where condition", async () => {
    await fixture.insertVisits([SHIBUYA, { ...UMEDA, visitors: 30 }]);

    await fixture.run(SLOT, { jobSettings: { defaults: { columns: ['store_id'], where: 'visitors >= 20' } } });

    expect((await fixture.uploaded(FILE)).toString()).toBe('store_id\r\nS002\r\n');
  });

  it('fails a broken where condition before connecting to the FTP server, naming the setting', async () => {
    const result = await fixture.run(SLOT, { jobSettings: { recipients: [{ name: 'acme', where: 'shop_id > 0' }] } });

    expect(recipientsOf(result)[0].error).toBe(
      'the source query fails: column "shop_id" does not exist (check JOB_SETTINGS.recipients[0].where)',
    );
    expect(recipientsOf(result)[0].attempts).toBeUndefined();
  });

  it('names a configured column the table does not have', async () => {
    const result = await fixture.run(SLOT, { jobSettings: { recipients: [{ name: 'acme', columns: ['shop_id'] }] } });

    expect(recipientsOf(result)[0].error).toBe(
      'JOB_SETTINGS.recipients[0].columns: column "shop_id" is not in table visitor_counts',
    );
  });

  it('exports only the recipients the payload names', async () => {
    fixture.secrets.set('nightshift/ftp/umeda', ftpSecret(fixture.ftpDir.relativePath));

    const result = await fixture.run({ ...SLOT, recipients: ['umeda'] }, { jobSettings: twoRecipients });

    expect(recipientsOf(result).map((r) => r.name)).toEqual(['umeda']);
  });
});

describe('ftp-export: failures and dry runs', () => {
  it('fails fast with a clear error on a wrong password', async () => {
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { password: 'wrong' }));

    const result = await fixture.run(SLOT);

    expect(recipientsOf(result)[0].error).toMatch(/^FTP login to 127\.0\.0\.1:\d+ as nightshift was refused \(530 /);
    expect(recipientsOf(result)[0].attempts).toBe(1);
    expect(fixture.sleeps).toEqual([]);
  });

  it('records a failed run through the shared runner when a recipient failed', async () => {
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { password: 'wrong' }));
    const recordRun = jest.fn().mockResolvedValue({});
    const job = createFtpExportJob(() => fixture.ports());

    const outcome = await runJob(job, SLOT, { store: { recordRun }, logger: fixture.logger, publishMetrics: false });

    expect(outcome.status).toBe('error');
    expect(outcome.details?.recipients).toEqual([expect.objectContaining({ name: 'default', status: 'failed' })]);
    expect(recordRun).toHaveBeenCalledWith(
      expect.objectContaining({
        jobKey: 'ftp-export',
        status: 'error',
        counts: expect.objectContaining({ rows: 0, recipients: 1, failedRecipients: 1 }),
        details: expect.objectContaining({ recipients: [expect.objectContaining({ file: expect.any(String) })] }),
      }),
    );
  });

  it('refuses a server certificate it cannot verify', async () => {
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { ca: undefined }));

    const result = await fixture.run(SLOT);

    expect(recipientsOf(result)[0].error).toContain('the server certificate is not trusted');
    expect(fixture.sleeps).toEqual([]);
  });

  it('writes the CSV locally and uploads nothing on a dry run', async () => {
    await fixture.insertVisits([SHIBUYA]);

    const result = await fixture.run({ ...SLOT, dry_run: true });

    const [recipient] = recipientsOf(result);
    expect(recipient).toEqual(expect.objectContaining({ status: 'dry-run', rows: 1 }));
    expect(recipient.path).toMatch(new RegExp(`default/${FILE}$`));
    expect(await fixture.uploadedNames()).toEqual([]);
  });

  it('reads the default recipient from FTP_HOST and friends for local runs', async () => {
    const { ftp } = (await import('../support/services')).testServices();
    const env = {
      FTP_HOST: ftp.host,
      FTP_PORT: String(ftp.port),
      FTP_USER: ftp.user,
      FTP_PASSWORD: ftp.password,
      FTP_SECURE: 'true',
      FTP_REMOTE_DIR: `${fixture.ftpDir.relativePath}/local`,
      FTP_TLS_REJECT_UNAUTHORIZED: 'false',
    };
    fixture.secrets.clear();

    await fixture.run(SLOT, { env });

    expect(await fixture.uploadedNames('local')).toEqual([FILE]);
  });
});
