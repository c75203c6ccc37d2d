import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyJobRoles } from '../../lambdas/db-migrate/job-roles';
import { applyMigrations } from '../../lambdas/db-migrate/migrate';
import { pgSignInCheck, roleConnectionUrl } from '../../lambdas/db-migrate/role-passwords';
import { jobDatabaseRoles } from '../../lib/database-roles';
import { JOBS } from '../../lib/jobs';
import { LOCAL_ROLE_PREFIX, migrateDatabase } from '../../local/migrate';
import { createTestDatabase } from '../support/services';

/**
 * Each job's PostgreSQL role, as the migrations create it from the registry: what it may do, what it may
 * not, and how later runs keep it exact. The jobs' own integration tests run as these roles.
 */

const INSUFFICIENT_PRIVILEGE = '42501';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(url: string, sql: string): Promise<string> {
  try {
    await query(url, sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const VISITOR_COUNTS = 'CREATE TABLE visitor_counts (id int PRIMARY KEY, visitors int)';

describe('job roles in local mode', () => {
  it("let youtube-sync's role use its own tables, and not read ftp-export's watermarks", async () => {
    const admin = await createTestDatabase('roles-youtube');
    const { jobEnv } = await migrateDatabase(admin);
    const youtube = jobEnv.DATABASE_URL_YOUTUBE_SYNC;

    expect(new URL(youtube).username).toBe(`${LOCAL_ROLE_PREFIX}_youtube_sync`);
    expect(
      await outcome(
        youtube,
        `INSERT INTO youtube_channel_handles (handle, channel_id) VALUES ('@a', 'UC1')
         ON CONFLICT (handle) DO UPDATE SET channel_id = EXCLUDED.channel_id`,
      ),
    ).toBe('ok');
    expect(await outcome(youtube, 'CREATE TEMPORARY TABLE staging (id text)')).toBe('ok');
    expect(await outcome(youtube, 'SELECT * FROM nightshift_export_watermarks')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(youtube, 'DELETE FROM youtube_videos')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(youtube, 'CREATE TABLE youtube_extra (id int)')).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it("let ftp-export's role read its source table and keep its watermarks, and nothing more", async () => {
    const admin = await createTestDatabase('roles-ftp');
    await query(admin, VISITOR_COUNTS);
    await query(admin, 'CREATE TABLE payroll (id int)');
    const { jobEnv } = await migrateDatabase(admin);
    const ftp = jobEnv.DATABASE_URL_FTP_EXPORT;

    expect(await outcome(ftp, 'SELECT * FROM visitor_counts')).toBe('ok');
    expect(
      await outcome(
        ftp,
        `INSERT INTO nightshift_export_watermarks (recipient, slot, file_name, rows, bytes)
         VALUES ('acme', now(), 'a.csv', 1, 1) ON CONFLICT (recipient, slot) DO UPDATE SET rows = EXCLUDED.rows`,
      ),
    ).toBe('ok');
    expect(await outcome(ftp, 'INSERT INTO visitor_counts VALUES (1, 1)')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'UPDATE visitor_counts SET visitors = 0')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'SELECT * FROM payroll')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'SELECT * FROM youtube_videos')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'DELETE FROM nightshift_export_watermarks')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'CREATE TEMPORARY TABLE t (id int)')).toBe('ok'); // PUBLIC's default, see docs/deploy.md
  });

  it("follow ftp-export's settings: a table they name is granted, one they stop naming is revoked", async () => {
    const admin = await createTestDatabase('roles-settings');
    await query(admin, VISITOR_COUNTS);
    await query(admin, 'CREATE SCHEMA sales');
    await query(admin, 'CREATE TABLE sales.visits (id int)');
    const { jobEnv } = await migrateDatabase(admin, {
      jobSettings: JSON.stringify({ recipients: [{ name: 'acme', table: 'sales.visits' }] }),
    });
    const ftp = jobEnv.DATABASE_URL_FTP_EXPORT;

    expect(await outcome(ftp, 'SELECT * FROM sales.visits')).toBe('ok');
    expect(await outcome(ftp, 'SELECT * FROM visitor_counts')).toBe(INSUFFICIENT_PRIVILEGE);

    await migrateDatabase(admin, { jobSettings: JSON.stringify({}) });

    expect(await outcome(ftp, 'SELECT * FROM sales.visits')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(ftp, 'SELECT * FROM visitor_counts')).toBe('ok');
  });

  it('revoke at the next run what was granted to a role by hand', async () => {
    const admin = await createTestDatabase('roles-extra');
    await query(admin, VISITOR_COUNTS);
    await query(admin, 'CREATE TABLE payroll (id int)');
    const { jobEnv } = await migrateDatabase(admin);
    const role = new URL(jobEnv.DATABASE_URL_FTP_EXPORT).username;
    await query(admin, `GRANT SELECT ON payroll TO ${role}`);
    await query(admin, `GRANT INSERT, DELETE ON visitor_counts TO ${role}`);

    await migrateDatabase(admin);

    expect(await outcome(jobEnv.DATABASE_URL_FTP_EXPORT, 'SELECT * FROM payroll')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(jobEnv.DATABASE_URL_FTP_EXPORT, 'DELETE FROM visitor_counts')).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(jobEnv.DATABASE_URL_FTP_EXPORT, 'SELECT * FROM visitor_counts')).toBe('ok');
  });

  it('skip a source table that does not exist yet, and grant it at the run after it appears', async () => {
    const admin = await createTestDatabase('roles-later');
    const lines: string[] = [];
    const first = await migrateDatabase(admin, { log: (line) => lines.push(line) });

    expect(first.roles.find((role) => role.role.endsWith('_ftp_export'))?.skippedTables).toEqual(['visitor_counts']);
    expect(lines).toContainEqual(expect.stringContaining('table visitor_counts does not exist, nothing granted on it'));

    await query(admin, VISITOR_COUNTS);
    await migrateDatabase(admin);

    expect(await outcome(first.jobEnv.DATABASE_URL_FTP_EXPORT, 'SELECT * FROM visitor_counts')).toBe('ok');
  });

  it('set the password again only when a role no longer signs in with it', async () => {
    const admin = await createTestDatabase('roles-password');
    // Roles of its own: the shared ones are used by tests running beside this one.
    const rolePrefix = `t_${randomBytes(4).toString('hex')}`;
    const { jobEnv } = await migrateDatabase(admin, { rolePrefix });
    const role = new URL(jobEnv.DATABASE_URL_YOUTUBE_SYNC).username;
    expect(role.startsWith(rolePrefix)).toBe(true);

    const again = await migrateDatabase(admin, { rolePrefix });
    expect(again.roles.find((applied) => applied.role === role)?.passwordSet).toBe(false);

    await query(admin, `ALTER ROLE ${role} PASSWORD 'changed-by-someone-else'`);
    expect(await outcome(jobEnv.DATABASE_URL_YOUTUBE_SYNC, 'SELECT 1')).toBe('28P01');
    const repaired = await migrateDatabase(admin, { rolePrefix });

    expect(repaired.roles.find((applied) => applied.role === role)?.passwordSet).toBe(true);
    expect(await outcome(jobEnv.DATABASE_URL_YOUTUBE_SYNC, 'SELECT 1')).toBe('ok');
  });

  it('refuse an existing role that holds more than LOGIN, naming what it holds', async () => {
    const admin = await createTestDatabase('roles-attributes');
    const prefix = `t_${randomBytes(4).toString('hex')}`;
    const [role] = jobDatabaseRoles(JOBS, { rolePrefix: prefix, settingsOf: () => ({}) });
    await query(admin, `CREATE ROLE ${role.role} LOGIN CREATEDB`);
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await applyMigrations(client);
      const applying = applyJobRoles(client, [role], {
        passwordOf: async () => randomBytes(18).toString('base64url'),
        signsIn: pgSignInCheck({ connectionString: admin }),
        log: () => undefined,
      });

      await expect(applying).rejects.toThrow(`role ${role.role} exists with CREATEDB`);
    } finally {
      await client.end();
    }
  });
});

describe('job roles applied by a migrations user that is no superuser, as on RDS', () => {
  /** A database owned by a CREATEROLE user (like the RDS master user) and a table someone else owns. */
  async function rdsLikeDatabase() {
    const superuser = await createTestDatabase('roles-rds');
    const name = `t_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await query(superuser, `CREATE ROLE ${name}_admin LOGIN CREATEROLE PASSWORD '${password}'`);
    await query(superuser, `ALTER DATABASE ${new URL(superuser).pathname.slice(1)} OWNER TO ${name}_admin`);
    await query(superuser, 'CREATE TABLE visitor_counts (id int)'); // owned by the superuser, as a source system's
    const admin = roleConnectionUrl(superuser, `${name}_admin`, password);
    const roles = jobDatabaseRoles(JOBS, { rolePrefix: name, settingsOf: () => ({}) });
    const passwords = new Map(roles.map((role) => [role.role, randomBytes(18).toString('base64url')]));
    const apply = async () => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await applyMigrations(client);
        return await applyJobRoles(client, roles, {
          passwordOf: async (role) => passwords.get(role.role) as string,
          signsIn: pgSignInCheck({ connectionString: admin }),
          log: () => undefined,
        });
      } finally {
        await client.end();
      }
    };
    const roleUrl = (job: string) => {
      const role = roles.find((candidate) => candidate.job === job)?.role as string;
      return roleConnectionUrl(admin, role, passwords.get(role) as string);
    };
    return { superuser, admin: `${name}_admin`, apply, roleUrl };
  }

  it('fails naming the source table and the fix when it may not grant on it, and succeeds once it may', async () => {
    const db = await rdsLikeDatabase();
    const refusal =
      'SELECT on visitor_counts was not granted: the migrations user must own it or hold SELECT WITH GRANT OPTION';

    await expect(db.apply()).rejects.toThrow(refusal);
    // Holding SELECT without the grant option, GRANT only warns: the check after it still stops the deploy.
    await query(db.superuser, `GRANT SELECT ON visitor_counts TO ${db.admin}`);
    await expect(db.apply()).rejects.toThrow(refusal);

    await query(db.superuser, `GRANT SELECT ON visitor_counts TO ${db.admin} WITH GRANT OPTION`);
    await db.apply();

    expect(await outcome(db.roleUrl('ftp-export'), 'SELECT * FROM visitor_counts')).toBe('ok');
    expect(await outcome(db.roleUrl('youtube-sync'), 'SELECT * FROM youtube_videos')).toBe('ok');
    expect(await outcome(db.roleUrl('youtube-sync'), 'SELECT * FROM visitor_counts')).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('names CREATEROLE as what the migrations user lacks when it may not create roles', async () => {
    const db = await rdsLikeDatabase();
    await query(db.superuser, `ALTER ROLE ${db.admin} NOCREATEROLE`);

    await expect(db.apply()).rejects.toThrow(
      /^the migrations user may not create role t_[0-9a-f]+_ftp_export .*: it needs CREATEROLE/,
    );
  });

  it('keeps the roles it created in line at later runs, without superuser rights', async () => {
    const db = await rdsLikeDatabase();
    await query(db.superuser, `GRANT SELECT ON visitor_counts TO ${db.admin} WITH GRANT OPTION`);
    await db.apply();
    const role = new URL(db.roleUrl('ftp-export')).username;
    await query(db.superuser, `ALTER ROLE ${role} PASSWORD 'changed-by-someone-else'`);

    const applied = await db.apply();

    expect(applied.find((entry) => entry.role === role)?.passwordSet).toBe(true);
    expect(await outcome(db.roleUrl('ftp-export'), 'SELECT * FROM nightshift_export_watermarks')).toBe('ok');
  });
});
