import type { SqlClient, WatermarkRange } from './source-query';

/**
 * Incremental exports remember, per recipient and slot, the watermark range they sent, in a small table
 * of the same database. A row is written only after the upload was verified, so a failed slot is picked
 * up by the next one; a re-run of a recorded slot sends the same range again (same file, same content).
 * The recipient's watermark is the upper bound of its latest recorded slot. The table comes from the
 * migration 0001 (lambdas/db-migrate/migrations).
 */

export const WATERMARK_TABLE = 'nightshift_export_watermarks';
/** SQL of the advisory lock id for the key in $1. */
export const LOCK_ID = 'hashtextextended($1, 0)';

export interface SlotRecord extends WatermarkRange {
  slot: Date;
}

export interface SlotExport extends WatermarkRange {
  recipient: string;
  slot: Date;
  fileName: string;
  rows: number;
  bytes: number;
}

async function tableExists(client: SqlClient): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    WATERMARK_TABLE,
  ]);
  return rows[0].exists;
}

/** The range a slot was exported with before, if it was. */
export async function findSlotRecord(
  client: SqlClient,
  recipient: string,
  slot: Date,
): Promise<SlotRecord | undefined> {
  if (!(await tableExists(client))) return undefined;
  const { rows } = await client.query<{ lower_bound: string | null; upper_bound: string | null }>(
    `SELECT lower_bound, upper_bound FROM ${WATERMARK_TABLE} WHERE recipient = $1 AND slot = $2`,
    [recipient, slot],
  );
  return rows[0] ? { slot, lower: rows[0].lower_bound, upper: rows[0].upper_bound } : undefined;
}

/** The latest recorded slot of a recipient, not after `notAfter`: its upper bound is where the next export starts. */
export async function latestSlotRecord(
  client: SqlClient,
  recipient: string,
  notAfter: Date,
): Promise<SlotRecord | undefined> {
  if (!(await tableExists(client))) return undefined;
  const { rows } = await client.query<{ slot: Date; lower_bound: string | null; upper_bound: string | null }>(
    `SELECT slot, lower_bound, upper_bound FROM ${WATERMARK_TABLE}
      WHERE recipient = $1 AND slot <= $2 ORDER BY slot DESC LIMIT 1`,
    [recipient, notAfter],
  );
  const row = rows[0];
  return row ? { slot: row.slot, lower: row.lower_bound, upper: row.upper_bound } : undefined;
}

/** Records a verified export; a re-run of the slot keeps the range it first recorded. */
export async function saveSlotExport(client: SqlClient, record: SlotExport): Promise<void> {
  await client.query(
    `INSERT INTO ${WATERMARK_TABLE} (recipient, slot, lower_bound, upper_bound, file_name, rows, bytes)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (recipient, slot) DO UPDATE
       SET file_name = EXCLUDED.file_name, rows = EXCLUDED.rows, bytes = EXCLUDED.bytes, exported_at = now()`,
    [record.recipient, record.slot, record.lower, record.upper, record.fileName, record.rows, record.bytes],
  );
}

/** The advisory lock key (hashed by PostgreSQL) that serialises runs for one recipient. */
export function recipientLockKey(recipient: string): string {
  return `nightshift:ftp-export:${recipient}`;
}

/**
 * Holds a session advisory lock for one recipient, so overlapping runs (a slow run and the next slot,
 * or a manual re-run) never compute a range from the same watermark. Waits up to `timeoutMs`.
 */
export async function lockRecipient(client: SqlClient, recipient: string, timeoutMs: number): Promise<void> {
  const key = recipientLockKey(recipient);
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK_ID})`, [key]);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new Error(`another ftp-export run is still exporting recipient ${recipient}; try again later`);
    }
    throw error;
  } finally {
    await client.query('SET lock_timeout = 0');
  }
}
