// A throw-away PostgreSQL cluster for the team-store benches (bench/sync.mjs,
// bench/sync-scale.mjs); it mirrors test/support/pg.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function pgBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root)
    .filter((x) => existsSync(join(root, x, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return v.length ? join(root, v[0], 'bin') : null;
}

/** A throw-away cluster; as root it runs as fragd-pg (see test/support/pg.ts, which it mirrors). */
export async function startPg(bin) {
  const root = process.getuid?.() === 0;
  const user = 'fragd-pg';
  if (root && spawnSync('id', ['-u', user]).status !== 0)
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  const dir = mkdtempSync(join(tmpdir(), 'fragd-pgb-'));
  if (root) {
    const id = (f) => Number(execFileSync('id', [f, user], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const as = (cmd, args) => {
    const r = root
      ? spawnSync('runuser', ['-u', user, '--', join(bin, cmd), ...args], { encoding: 'utf8', cwd: '/' })
      : spawnSync(join(bin, cmd), args, { encoding: 'utf8', cwd: '/' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  };
  const port = await new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
  as('initdb', ['-D', join(dir, 'data'), '-U', 'fragd', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // Durable settings (fsync on), as a team store would run.
  as('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir}`, 'start']);
  return {
    url: `postgres://fragd@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        as('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
