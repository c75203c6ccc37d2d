import { LOCK_ID, recipientLockKey } from '../../lambdas/ftp-export/watermark-store';
import { type ExportFixture, exportFixture, ftpSecret, recipientsOf } from './ftp-export-fixture';

/** Incremental mode: rows newer than the recipient's watermark, which moves only after a verified upload. */

const visit = (store_id: string, updated_at: string) => ({
  store_id,
  store_name: '渋谷店',
  counted_at: updated_at,
  visitors: 1,
  updated_at,
});
const INCREMENTAL = { defaults: { mode: 'incremental', watermarkColumn: 'updated_at', columns: ['store_id'] } };
const file = (hhmm: string) => `visitor_data_20250811_${hhmm}.csv`;
const text = async (fixture: ExportFixture, name: string) => (await fixture.uploaded(name)).toString('utf8');

let fixture: ExportFixture;
beforeEach(async () => {
  fixture = await exportFixture('ftp-export-incr');
});
afterEach(() => fixture.close());

async function recordedSlots(): Promise<Array<{ slot: string; upper: string | null }>> {
  const { rows } = await fixture.db.query(
    `SELECT to_char(slot AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') AS slot,
            to_char(upper_bound::timestamptz AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') AS upper
       FROM nightshift_export_watermarks ORDER BY slot`,
  );
  return rows;
}

describe('ftp-export: incremental mode', () => {
  it('sends the rows up to the slot, then only the newer rows with the next slot', async () => {
    await fixture.insertVisits([
      visit('A', '2025-08-11 09:00+09'),
      visit('B', '2025-08-11 09:10+09'),
      visit('C', '2025-08-11 09:20+09'),
    ]);

    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });
    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: INCREMENTAL });

    expect(await text(fixture, file('0915'))).toBe('store_id\r\nA\r\nB\r\n');
    expect(await text(fixture, file('0930'))).toBe('store_id\r\nC\r\n');
  });

  it('records the slot with the newest watermark it sent', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09'), visit('B', '2025-08-11 09:10+09')]);

    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });

    expect(await recordedSlots()).toEqual([{ slot: '09:15', upper: '09:10' }]);
  });

  it('keeps the watermark when an upload fails, so the next slot sends those rows', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09'), visit('B', '2025-08-11 09:10+09')]);
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath, { password: 'wrong' }));
    const failed = await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });
    const recordedAfterFailure = await recordedSlots();
    fixture.secrets.set('nightshift/ftp', ftpSecret(fixture.ftpDir.relativePath));

    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: INCREMENTAL });

    expect(failed.failed).toBe(true);
    expect(recordedAfterFailure).toEqual([]);
    expect(await fixture.uploadedNames()).toEqual([file('0930')]);
    expect(await text(fixture, file('0930'))).toBe('store_id\r\nA\r\nB\r\n');
  });

  it('re-sends the same rows when a recorded slot is re-run after newer rows arrived', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09')]);
    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });
    const first = await fixture.uploaded(file('0915'));
    await fixture.insertVisits([visit('B', '2025-08-11 09:20+09')]);

    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });
    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: INCREMENTAL });

    expect((await fixture.uploaded(file('0915'))).equals(first)).toBe(true);
    expect(await text(fixture, file('0930'))).toBe('store_id\r\nB\r\n');
  });

  it('sends no rows for a slot older than the last exported one, as they went out already', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09')]);
    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: INCREMENTAL });

    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });

    expect(await text(fixture, file('0915'))).toBe('store_id\r\n');
    expect(await recordedSlots()).toEqual([
      { slot: '09:15', upper: '09:00' },
      { slot: '09:30', upper: '09:00' },
    ]);
  });

  it('never moves the watermark past its own clock, even for a slot the schedule fired a little early', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:14:00+09'), visit('B', '2025-08-11 09:14:50+09')]);
    const now = new Date('2025-08-11T00:14:30Z'); // 09:14:30 JST, 30 s before the slot the schedule says

    const early = await fixture.run({ scheduled_time: '2025-08-11T00:15:00Z' }, { jobSettings: INCREMENTAL, now });
    await fixture.run(
      { slot: '2025-08-11T09:30' },
      { jobSettings: INCREMENTAL, now: new Date('2025-08-11T00:35:00Z') },
    );

    expect(early.failed).toBe(false);
    expect(await text(fixture, file('0915'))).toBe('store_id\r\nA\r\n');
    expect(await text(fixture, file('0930'))).toBe('store_id\r\nB\r\n');
  });

  it('ignores a recorded slot later than its clock, left by a run that took a future time, and sends the rows', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09')]);
    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL });
    await fixture.db.query(
      `INSERT INTO nightshift_export_watermarks (recipient, slot, lower_bound, upper_bound, file_name, rows, bytes)
       VALUES ('default', '2062-11-24 07:30+09', '2025-08-11 09:00:00+09', '2025-08-11 09:00:00+09', 'x.csv', 0, 0)`,
    );
    await fixture.insertVisits([visit('B', '2025-08-11 09:20+09')]);

    await fixture.run(
      { slot: '2025-08-11T09:30' },
      { jobSettings: INCREMENTAL, now: new Date('2025-08-11T00:35:00Z') },
    );

    expect(await text(fixture, file('0930'))).toBe('store_id\r\nB\r\n');
  });

  it('moves the watermark along an integer column too', async () => {
    const byId = { defaults: { mode: 'incremental', watermarkColumn: 'id', columns: ['id'] } };
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09'), visit('B', '2025-08-11 09:00+09')]);
    await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: byId });
    await fixture.insertVisits([visit('C', '2025-08-11 09:00+09')]);

    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: byId });

    expect(await text(fixture, file('0915'))).toBe('id\r\n1\r\n2\r\n');
    expect(await text(fixture, file('0930'))).toBe('id\r\n3\r\n');
  });

  it('does not move the watermark on a dry run', async () => {
    await fixture.insertVisits([visit('A', '2025-08-11 09:00+09')]);

    const dryRun = await fixture.run({ slot: '2025-08-11T09:15', dry_run: true }, { jobSettings: INCREMENTAL });
    await fixture.run({ slot: '2025-08-11T09:30' }, { jobSettings: INCREMENTAL });

    expect(recipientsOf(dryRun)[0]).toEqual(expect.objectContaining({ status: 'dry-run', rows: 1 }));
    expect(await text(fixture, file('0930'))).toBe('store_id\r\nA\r\n');
  });

  it('waits for another run exporting the same recipient, then gives up naming it', async () => {
    await fixture.db.query(`SELECT pg_advisory_lock(${LOCK_ID})`, [recipientLockKey('default')]);

    const result = await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: INCREMENTAL, remainingMs: 2_000 });

    expect(recipientsOf(result)[0].error).toBe(
      'another ftp-export run is still exporting recipient default; try again later',
    );
    expect(await fixture.uploadedNames()).toEqual([]);
  });

  it('refuses a watermark column that is neither a timestamp nor an integer', async () => {
    const byText = { recipients: [{ name: 'acme', mode: 'incremental', watermarkColumn: 'store_id' }] };

    const result = await fixture.run({ slot: '2025-08-11T09:15' }, { jobSettings: byText });

    expect(recipientsOf(result)[0].error).toBe(
      'JOB_SETTINGS.recipients[0].watermarkColumn: column "store_id" is text; use a timestamp or integer column',
    );
  });
});
