// `fragctl sync setup`: the administrator's one-off set-up of a team in the team store, with
// the administrator's own connection. Each machine gets its own PostgreSQL role (least
// privilege: read the team's rows, write its own; no DDL), row-level security is turned on,
// and each machine's connection string is written to a file of its own (mode 0600) with
// what the machine puts in config.json. `fragctl sync machine rename|remove` go through the
// store's functions (pg-schema.ts), on this machine's connection or the administrator's.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import pg from 'pg';
import { commandLine } from '../../shared/command.js';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { migratePg } from './pg-schema.js';
import { redact } from './connection.js';
import { SESSION_LIMITS } from './link.js';

/** The tables machine roles use, and how. */
const WRITABLE = ['fragd_rows', 'fragd_claims', 'fragd_machines'];
const READABLE = ['fragd_task_time', 'fragd_members', 'fragd_schema_migrations'];
const SEQUENCES = ['fragd_rows_seq', 'fragd_claims_id_seq'];
/** Row-level security on: a machine role reads its team and writes its own rows only. */
const SECURED = ['fragd_rows', 'fragd_claims', 'fragd_machines', 'fragd_task_time'];

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A machine's role: readable, unique per (team, machine) whatever their spelling, ≤ 63 bytes. */
export function machineRole(team: string, machine: string): string {
  const slug = (s: string, n: number) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, n);
  const hash = createHash('sha256').update(`${team}\0${machine}`).digest('hex').slice(0, 8);
  return `fragd_${slug(team, 16)}_${slug(machine, 24)}_${hash}`.replace(/_+/g, '_');
}

/** The SQL that gives one machine its role (the password is a literal: roles take no parameters). */
function machineSql(team: string, machine: string, role: string, password: string): string[] {
  const r = ident(role);
  return [
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${r}; END IF; END $$`,
    `ALTER ROLE ${r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD ${literal(password)}`,
    // What fragd sets on its connections, on the role too: behind PgBouncer they are not sent.
    `ALTER ROLE ${r} SET lock_timeout = '${SESSION_LIMITS.lock_timeout}ms'`,
    `ALTER ROLE ${r} SET statement_timeout = '${SESSION_LIMITS.statement_timeout}ms'`,
    `ALTER ROLE ${r} SET idle_in_transaction_session_timeout = '${SESSION_LIMITS.idle_in_transaction_session_timeout}ms'`,
    `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${literal(role)}); EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), ${literal(role)}); END $$`,
    `GRANT SELECT, INSERT, UPDATE ON ${WRITABLE.join(', ')} TO ${r}`,
    `GRANT SELECT ON ${READABLE.join(', ')} TO ${r}`,
    `GRANT USAGE ON SEQUENCE ${SEQUENCES.join(', ')} TO ${r}`,
    `INSERT INTO fragd_members (team, machine, role_name) VALUES (${literal(team)}, ${literal(machine)}, ${literal(role)})
       ON CONFLICT (team, machine) DO UPDATE SET role_name = EXCLUDED.role_name`,
  ];
}

const securitySql = (): string[] => SECURED.map((t) => `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);

export interface SetupParams {
  team: string;
  machines: string[];
  /** The administrator's connection string (owner of the fragd tables, CREATEROLE). */
  adminUrl: string | null;
  /** Where each machine's connection file goes (created 0700; files 0600). */
  outDir: string;
  /** Print the SQL only (passwords as placeholders); connect to nothing, write nothing. */
  print: boolean;
}

export interface SetupResult {
  team: string;
  applied: boolean;
  /** The SQL that was (or would be) run, passwords replaced by <password>. */
  sql: string;
  machines: {
    machine: string;
    role: string;
    /** The connection file written for it (null with print). */
    url_file: string | null;
    /** What goes in that machine's config.json. */
    config: { sync: { enabled: true; team: string; machine: string; url_file: string } };
  }[];
}

const MACHINE_NAME = /^[\w.@-]{1,64}$/;

function invalid(message: string, hint: string): FragError {
  return new FragError(ErrorCode.InvalidParams, message, { error: 'invalid_params', hint });
}

/** The administrator's connection string from a file only its owner can read. */
export function readAdminUrl(file: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw invalid(`the admin connection file ${file} cannot be read: ${(err as Error).message}`, 'give its full path');
  }
  if (mode & 0o077)
    throw invalid(
      `the admin connection file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); it holds a password`,
      `fix: ${commandLine(['chmod', '600', file])}`,
    );
  const url = readFileSync(file, 'utf8').trim();
  if (!/^postgres(ql)?:\/\//i.test(url))
    throw invalid(
      `the admin connection file ${file} does not hold a postgres:// URL`,
      'write postgres://ADMIN:PASSWORD@HOST:5432/DATABASE into it (docs/team-sync.md)',
    );
  return url;
}

/** The machine's URL: the administrator's, with the machine's role and password. */
function machineUrl(adminUrl: string, role: string, password: string): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(password);
  u.searchParams.delete('password');
  u.searchParams.delete('user');
  return u.toString();
}

export async function setupTeam(p: SetupParams): Promise<SetupResult> {
  if (!MACHINE_NAME.test(p.team)) throw invalid(`${p.team} is not a usable team name`, 'letters, digits, . _ @ -');
  const machines = [...new Set(p.machines)];
  if (!machines.length) throw invalid('name at least one machine (--machine NAME)', 'one --machine per machine');
  for (const m of machines)
    if (!MACHINE_NAME.test(m))
      throw invalid(`${m} is not a usable machine name`, 'letters, digits, . _ @ - (up to 64)');
  const outDir = isAbsolute(p.outDir) ? p.outDir : resolve(p.outDir);
  const planned = machines.map((machine) => ({
    machine,
    role: machineRole(p.team, machine),
    password: randomBytes(24).toString('base64url'),
  }));
  const statements = [...planned.flatMap((m) => machineSql(p.team, m.machine, m.role, m.password)), ...securitySql()];
  let shown = statements.join(';\n') + ';\n';
  for (const m of planned) shown = shown.split(m.password).join('<password>');
  const view = (m: (typeof planned)[number], file: string | null): SetupResult['machines'][number] => ({
    machine: m.machine,
    role: m.role,
    url_file: file,
    config: {
      sync: { enabled: true, team: p.team, machine: m.machine, url_file: file ?? `${m.machine}.pg-url` },
    },
  });
  if (p.print) return { team: p.team, applied: false, sql: shown, machines: planned.map((m) => view(m, null)) };
  if (!p.adminUrl)
    throw invalid(
      'sync setup needs the administrator connection',
      'pass --admin-url-file FILE, or --print for the SQL',
    );
  const adminUrl = p.adminUrl;
  // The folder first: the passwords change in the store only if their files can be written.
  if (existsSync(outDir)) {
    const mode = statSync(outDir).mode;
    if (mode & 0o077)
      throw invalid(
        `the folder ${outDir} is open to others (mode ${(mode & 0o777).toString(8)}); the machines' passwords go there`,
        'name a new folder with --out (it is created mode 0700), or chmod 700 this one',
      );
  } else mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await migratePg(client);
    await client.query('BEGIN');
    for (const s of statements) await client.query(s);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw new FragError(
      ErrorCode.StorageUnavailable,
      `sync setup failed in the team store: ${redact((err as Error).message, adminUrl)}`,
      {
        error: 'storage_unavailable',
        store: 'team',
        hint: 'the admin role must own the fragd tables (or be the one that creates them) and have CREATEROLE; nothing was changed',
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
  const out = planned.map((m) => {
    const file = join(outDir, `${m.machine}.pg-url`);
    writeFileSync(file, `${machineUrl(adminUrl, m.role, m.password)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return view(m, file);
  });
  return { team: p.team, applied: true, sql: shown, machines: out };
}

/** Rename or remove a machine through the store's functions, on the given connection. */
export async function retireMachine(
  query: (text: string, values: unknown[]) => Promise<{ n: string }[]>,
  team: string,
  action: { rename: { from: string; to: string } } | { remove: string },
): Promise<number> {
  if ('rename' in action) {
    const { from, to } = action.rename;
    if (!MACHINE_NAME.test(to))
      throw invalid(`${to} is not a usable machine name`, 'letters, digits, . _ @ - (up to 64)');
    const r = await query('SELECT fragd_rename_machine($1, $2, $3) AS n', [team, from, to]);
    return Number(r[0]?.n ?? 0);
  }
  const r = await query('SELECT fragd_remove_machine($1, $2) AS n', [team, action.remove]);
  return Number(r[0]?.n ?? 0);
}

/** A one-off connection (the administrator's) for one statement. */
export async function adminQuery<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[]) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await migratePg(client);
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}
