import type { ClientBase } from 'pg';
import { z } from 'zod';
import { errorMessage } from '#shared/error-message';
import {
  JOB_ROLES_VARIABLE,
  type JobDatabaseRole,
  TABLE_PRIVILEGES,
  type TableGrant,
  type TablePrivilege,
} from '../../contracts/database-roles';
import { checkRolePassword, scramSha256Verifier } from './role-passwords';

/**
 * After the migrations: one LOGIN role per database job with exactly the grants the registry gives it
 * (contracts/database-roles.ts), in one transaction. Idempotent: each deploy creates what is missing,
 * sets the password when the role no longer signs in with its secret's, grants what is missing and
 * revokes whatever else the role holds in this database; then it checks the result, so a grant
 * PostgreSQL only warned about (no grant option) fails the deploy instead of the job's first run.
 */

const NAME = '[A-Za-z_][A-Za-z0-9_]{0,62}';
const rolesSchema = z.array(
  z.strictObject({
    job: z.string().min(1),
    role: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _, at most 63'),
    secret: z.string().min(1).optional(),
    tables: z.array(
      z.strictObject({
        table: z.string().regex(new RegExp(`^(${NAME}\\.)?${NAME}$`), 'table or schema.table'),
        privileges: z.array(z.enum(TABLE_PRIVILEGES)).min(1),
        ifExists: z.boolean(),
      }),
    ),
    temporaryTables: z.boolean(),
  }),
);

/** Reads the roles from the migrations function's environment; problems name the field. */
export function parseJobRoles(text: string | undefined): JobDatabaseRole[] {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${JOB_ROLES_VARIABLE}: not valid JSON (${errorMessage(error)})`);
  }
  const parsed = rolesSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const where = (path: readonly PropertyKey[]) =>
    path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), '');
  throw new Error(
    parsed.error.issues.map((issue) => `${JOB_ROLES_VARIABLE}${where(issue.path)}: ${issue.message}`).join('; '),
  );
}

export interface JobRolePorts {
  /** The password the role must sign in with: its secret's on AWS, derived locally. */
  passwordOf(role: JobDatabaseRole): Promise<string>;
  /** Whether the role signs in with this password right now. */
  signsIn(role: string, password: string): Promise<boolean>;
  log(line: string): void;
}

export interface AppliedJobRole {
  role: string;
  created: boolean;
  passwordSet: boolean;
  /** `ifExists` tables that do not exist (yet): nothing granted on them. */
  skippedTables: string[];
}

interface RoleState {
  exists: boolean;
  current: boolean;
  password: string;
}

/** Concurrent first applications (two deploys, parallel tests) collide on the cluster-wide role catalog. */
const RACE_CODES = new Set(['23505', '42710', '40001', '40P01']);
const isRace = (error: unknown) =>
  RACE_CODES.has((error as { code?: string }).code ?? '') || /tuple concurrently updated/.test(errorMessage(error));

export async function applyJobRoles(
  client: ClientBase,
  roles: readonly JobDatabaseRole[],
  ports: JobRolePorts,
): Promise<AppliedJobRole[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(client, roles, ports);
    } catch (error) {
      if (attempt >= 3 || !isRace(error)) throw error;
    }
  }
}

async function applyOnce(
  client: ClientBase,
  roles: readonly JobDatabaseRole[],
  ports: JobRolePorts,
): Promise<AppliedJobRole[]> {
  const states: RoleState[] = [];
  for (const role of roles) {
    const password = checkRolePassword(await ports.passwordOf(role), `role ${role.role}`);
    const exists = await checkPlainRole(client, role.role);
    states.push({ exists, password, current: exists && (await ports.signsIn(role.role, password)) });
  }
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('nightshift:job-roles', 0))`);
    const applied: AppliedJobRole[] = [];
    for (const [index, role] of roles.entries()) applied.push(await applyRole(client, role, states[index], ports));
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** An existing role must be a plain login role: no attribute or membership that reaches beyond its grants. */
async function checkPlainRole(client: ClientBase, role: string): Promise<boolean> {
  const { rows } = await client.query<Record<string, boolean> & { member_of: string[] }>(
    `SELECT r.rolsuper AS "SUPERUSER", r.rolcreaterole AS "CREATEROLE", r.rolcreatedb AS "CREATEDB",
            r.rolreplication AS "REPLICATION", r.rolbypassrls AS "BYPASSRLS",
            array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                   WHERE m.member = r.oid ORDER BY 1) AS member_of
       FROM pg_roles r WHERE r.rolname = $1`,
    [role],
  );
  if (rows.length === 0) return false;
  const { member_of: memberOf, ...attributes } = rows[0];
  const excess = [
    ...Object.entries(attributes).flatMap(([name, held]) => (held ? [name] : [])),
    ...memberOf.map((group) => `member of ${group}`),
  ];
  if (excess.length > 0) {
    throw new Error(
      `role ${role} exists with ${excess.join(', ')}; a job's role holds nothing but its grants: remove them (ALTER ROLE ... NO<attribute>, REVOKE <group> FROM ${role})`,
    );
  }
  return true;
}

async function applyRole(
  client: ClientBase,
  spec: JobDatabaseRole,
  state: RoleState,
  ports: JobRolePorts,
): Promise<AppliedJobRole> {
  const role = client.escapeIdentifier(spec.role);
  const password = client.escapeLiteral(scramSha256Verifier(state.password));
  try {
    if (!state.exists) await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${password}`);
    else if (!state.current) await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${password}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new Error(
      `the migrations user may not ${state.exists ? 'change' : 'create'} role ${spec.role} (${errorMessage(error)}): it needs CREATEROLE, see docs/deploy.md#database-roles`,
    );
  }
  await grantDatabase(client, spec);
  const skippedTables = await grantTables(client, spec, ports);
  await verifyGrants(client, spec);
  ports.log(
    `role ${spec.role} (${spec.job}): ${state.exists ? '' : 'created, '}${!state.current ? 'password set, ' : ''}` +
      spec.tables
        .filter((grant) => !skippedTables.includes(grant.table))
        .map((grant) => `${grant.privileges.join('/')} on ${grant.table}`)
        .join(', ') +
      (spec.temporaryTables ? ', temporary tables' : ''),
  );
  return { role: spec.role, created: !state.exists, passwordSet: !state.current, skippedTables };
}

/** CONNECT, and TEMPORARY only when declared (PUBLIC's default TEMPORARY is the DBA's to revoke). */
async function grantDatabase(client: ClientBase, spec: JobDatabaseRole): Promise<void> {
  const { rows } = await client.query<{ database: string; connect: boolean; temp: boolean; explicit_temp: boolean }>(
    `SELECT current_database() AS database,
            has_database_privilege($1, current_database(), 'CONNECT') AS connect,
            has_database_privilege($1, current_database(), 'TEMPORARY') AS temp,
            EXISTS (SELECT FROM pg_database d, aclexplode(d.datacl) a
                     WHERE d.datname = current_database() AND a.grantee = $1::regrole
                       AND a.privilege_type = 'TEMPORARY') AS explicit_temp`,
    [spec.role],
  );
  const { database, connect, temp, explicit_temp: explicitTemp } = rows[0];
  const on = `ON DATABASE ${client.escapeIdentifier(database)}`;
  const role = client.escapeIdentifier(spec.role);
  if (!connect) await client.query(`GRANT CONNECT ${on} TO ${role}`);
  if (spec.temporaryTables && !temp) await client.query(`GRANT TEMPORARY ${on} TO ${role}`);
  if (!spec.temporaryTables && explicitTemp) await client.query(`REVOKE TEMPORARY ${on} FROM ${role}`);
}

/** The schema-qualified name of a table as this session sees it, or undefined when it does not exist. */
async function resolveTable(client: ClientBase, table: string): Promise<{ name: string; schema: string } | undefined> {
  const quoted = table
    .split('.')
    .map((part) => client.escapeIdentifier(part))
    .join('.');
  const { rows } = await client.query<{ name: string; schema: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, n.nspname AS schema
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
    [quoted],
  );
  return rows[0];
}

/** Revokes what the role holds beyond its grants, then grants exactly the declared privileges. */
async function grantTables(client: ClientBase, spec: JobDatabaseRole, ports: JobRolePorts): Promise<string[]> {
  const role = client.escapeIdentifier(spec.role);
  const planned = new Map<string, TableGrant>();
  const schemas = new Set<string>();
  const skipped: string[] = [];
  for (const grant of spec.tables) {
    const resolved = await resolveTable(client, grant.table);
    if (!resolved && grant.ifExists) {
      skipped.push(grant.table);
      ports.log(
        `role ${spec.role} (${spec.job}): table ${grant.table} does not exist, nothing granted on it; run the migrations again once it does`,
      );
      continue;
    }
    if (!resolved) throw new Error(`table ${grant.table} (role ${spec.role}) does not exist after the migrations`);
    planned.set(resolved.name, grant);
    schemas.add(resolved.schema);
  }
  for (const held of await heldPrivileges(client, spec.role)) {
    if (held.kind === 'schema') {
      if (!(schemas.has(held.name) && held.privilege === 'USAGE')) {
        await client.query(`REVOKE ${held.privilege} ON SCHEMA ${client.escapeIdentifier(held.name)} FROM ${role}`);
      }
    } else if (!planned.get(held.name)?.privileges.includes(held.privilege as TablePrivilege)) {
      await client.query(`REVOKE ${held.privilege} ON ${held.kind} ${held.name} FROM ${role}`);
    }
  }
  for (const schema of schemas) {
    const { rows } = await client.query<{ usage: boolean }>(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage`, [
      spec.role,
      schema,
    ]);
    if (!rows[0].usage) await client.query(`GRANT USAGE ON SCHEMA ${client.escapeIdentifier(schema)} TO ${role}`);
  }
  for (const [name, grant] of planned) {
    try {
      await client.query(`GRANT ${grant.privileges.join(', ')} ON TABLE ${name} TO ${role}`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      // No privilege at all on the table: PostgreSQL refuses outright (with some, it only warns; verifyGrants catches that).
      throw new Error(`role ${spec.role} (job ${spec.job}): ${notGranted(grant.privileges.join(', '), grant.table)}`);
    }
  }
  return skipped;
}

function notGranted(privileges: string, table: string): string {
  return `${privileges} on ${table} was not granted: the migrations user must own it or hold ${privileges} WITH GRANT OPTION`;
}

interface HeldPrivilege {
  kind: 'schema' | 'TABLE' | 'SEQUENCE';
  /** Quoted, schema-qualified for tables and sequences. */
  name: string;
  privilege: string;
  grantor: string;
}

/** Privileges granted to the role itself (not through PUBLIC) on schemas, tables and sequences of this database. */
async function heldPrivileges(client: ClientBase, role: string): Promise<HeldPrivilege[]> {
  const { rows } = await client.query<HeldPrivilege>(
    `SELECT 'schema' AS kind, n.nspname AS name, a.privilege_type AS privilege, a.grantor::regrole::text AS grantor
       FROM pg_namespace n, aclexplode(n.nspacl) a WHERE a.grantee = $1::regrole
     UNION ALL
     SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, format('%I.%I', s.nspname, c.relname),
            a.privilege_type, a.grantor::regrole::text
       FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace, aclexplode(c.relacl) a
      WHERE a.grantee = $1::regrole
      ORDER BY 1, 2, 3`,
    [role],
  );
  return rows;
}

/** The role now holds every declared privilege and nothing else; otherwise the deploy stops here, naming both. */
async function verifyGrants(client: ClientBase, spec: JobDatabaseRole): Promise<void> {
  const problems: string[] = [];
  const allowed = new Map<string, readonly string[]>();
  const schemas = new Set<string>();
  for (const grant of spec.tables) {
    const resolved = await resolveTable(client, grant.table);
    if (!resolved) continue;
    allowed.set(resolved.name, grant.privileges);
    schemas.add(resolved.schema);
    const { rows } = await client.query<{ privilege: string }>(
      `SELECT p AS privilege FROM unnest($2::text[]) p WHERE NOT has_table_privilege($1, $3::regclass, p)`,
      [spec.role, grant.privileges, resolved.name],
    );
    for (const { privilege } of rows) problems.push(notGranted(privilege, grant.table));
  }
  for (const held of await heldPrivileges(client, spec.role)) {
    const fine =
      held.kind === 'schema'
        ? schemas.has(held.name) && held.privilege === 'USAGE'
        : allowed.get(held.name)?.includes(held.privilege);
    if (!fine) {
      problems.push(
        `still holds ${held.privilege} on ${held.kind === 'schema' ? 'schema ' : ''}${held.name}, granted by ${held.grantor}, who must revoke it`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`role ${spec.role} (job ${spec.job}): ${problems.join('; ')}`);
}
