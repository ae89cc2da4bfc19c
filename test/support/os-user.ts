// A second local user for tests of what another user can and cannot do (CI runs as root,
// so it can create one; elsewhere these tests are skipped).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;

/** Creates the system user `name` unless it exists; returns its uid. */
export function ensureOsUser(name: string): number {
  const id = () => spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (id().status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
      encoding: 'utf8',
    });
    if (r.status !== 0 && id().status !== 0) throw new Error(`useradd ${name} failed: ${r.stderr}`);
  }
  return Number(id().stdout.trim());
}

/** Starts `argv` as user `name` (runuser), its output piped. */
export function spawnAs(name: string, argv: string[]): ChildProcess {
  return spawn('runuser', ['-u', name, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
}
