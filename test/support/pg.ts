// A real PostgreSQL for tests: a cluster of its own in a temporary directory (initdb,
// pg_ctl), on 127.0.0.1 and a free port, stopped and removed afterwards. As root the
// server runs as the OS user fragd-pg (PostgreSQL refuses to run as root), created here
// when missing. Without PostgreSQL's binaries, pgBinDir() is null and the tests say why
// they skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { FragClient } from '../../client/lib/client.js';
import { TestDaemon, tempHome, until } from './daemon.js';

const PG_USER = 'fragd-pg';
/** The role tests connect as; trust authentication ignores the password, which is there to be redacted. */
export const PG_PASSWORD = 'sup3r-secret-pw';

export function pgBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

const isRoot = () => process.getuid?.() === 0;

function asPgUser(bin: string, args: string[]): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', PG_USER, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestPg {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<TestPg> {
    const bin = pgBinDir();
    if (!bin) throw new Error('PostgreSQL binaries are not installed');
    if (isRoot()) {
      const known = spawnSync('id', ['-u', PG_USER]).status === 0;
      if (!known) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_USER]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'fragd-pg-'));
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', PG_USER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', PG_USER], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
    }
    asPgUser(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'fragd', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const db = new TestPg(bin, dir, await freePort());
    db.up();
    return db;
  }

  /** Starts the server (again, on the same port: a store coming back). */
  up(): void {
    asPgUser(join(this.bin, 'pg_ctl'), [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  }

  /** Stops the server at once (a store going away under fragd). */
  down(): void {
    asPgUser(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  url(database = 'postgres'): string {
    return `postgres://fragd:${PG_PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh database: each test its own team store. */
  async database(name: string): Promise<string> {
    await this.sql(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  async sql<R extends pg.QueryResultRow = any>(
    text: string,
    values: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const c = new pg.Client({ connectionString: this.url(database) });
    await c.connect();
    try {
      return (await c.query<R>(text, values)).rows;
    } finally {
      await c.end();
    }
  }

  /**
   * PgBouncer in transaction mode in front of this cluster (as the pg user: it refuses to run
   * as root); null when it is not installed. Returns its port and how to stop it.
   */
  pgbouncer(): { port: Promise<number>; stop: () => void } | null {
    const exe = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((f) => existsSync(f));
    if (!exe) return null;
    const dir = join(this.dir, 'bouncer');
    const port = freePort().then((p) => {
      asPgUser('/bin/mkdir', ['-p', dir]);
      const ini = [
        '[databases]',
        `* = host=127.0.0.1 port=${this.port} user=fragd`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${p}`,
        'auth_type = any',
        'pool_mode = transaction',
        'default_pool_size = 4',
        'max_client_conn = 200',
        'unix_socket_dir =',
        `logfile = ${join(dir, 'log')}`,
        `pidfile = ${join(dir, 'pid')}`,
        '',
      ].join('\n');
      asPgUser('/bin/sh', ['-c', `cat > ${join(dir, 'pgbouncer.ini')} <<'EOF'\n${ini}EOF`]);
      asPgUser(exe, ['-d', join(dir, 'pgbouncer.ini')]);
      return p;
    });
    return {
      port,
      stop: () => {
        try {
          asPgUser('/bin/sh', ['-c', `kill $(cat ${join(dir, 'pid')})`]);
        } catch {
          /* not running */
        }
      },
    };
  }

  stop(): void {
    try {
      this.down();
    } catch {
      /* already down */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface TeamMachineOptions {
  env?: NodeJS.ProcessEnv;
  /** Merged into the sync section (defaults: team acme, push every 50 ms, pull every 100 ms). */
  sync?: Record<string, unknown>;
  enabled?: boolean;
  home?: string;
  /** The rest of config.json. */
  config?: Record<string, unknown>;
}

/** A daemon (not started) of team acme named `name`, syncing with the database at `url`. */
export function teamMachine(url: string, name: string, opts: TeamMachineOptions = {}): TestDaemon {
  const d = new TestDaemon(opts.home ?? tempHome(), { FRAGD_PG_URL: url, ...opts.env });
  d.writeConfig({
    ...opts.config,
    sync: {
      enabled: opts.enabled ?? true,
      team: 'acme',
      machine: name,
      push_interval_ms: 50,
      pull_interval_ms: 100,
      ...opts.sync,
    },
  });
  return d;
}

/** Waits until the machine's outbox is empty and it has pushed: what it did is in the team store. */
export function drained(c: FragClient) {
  return until(
    'the outbox to drain',
    async () => {
      const s = await c.call('sync.status', {});
      return s.queue === 0 && s.last_push_at ? s : false;
    },
    30_000,
  );
}
