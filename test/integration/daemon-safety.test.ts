// One daemon per user, a safe socket directory, clean shutdown, socket activation.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAGD, TestDaemon, runNode, tempHome, sleep, canConnect } from '../support/daemon.js';
import { FragClient } from '../../client/lib/client.js';

const cleanup: TestDaemon[] = [];
afterEach(async () => {
  for (const d of cleanup.splice(0)) await d.dispose();
});
const fresh = (env: NodeJS.ProcessEnv = {}) => {
  const d = new TestDaemon(tempHome(), env);
  cleanup.push(d);
  return d;
};

describe('fragd start-up safety', () => {
  it('creates a private socket: directory 0700, socket 0600', async () => {
    const home = join(tempHome(), 'h');
    const d = new TestDaemon(home);
    cleanup.push(d);
    await d.start();
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(d.paths.socket).mode & 0o777).toBe(0o600);
  });

  it('refuses a second daemon with a clear message and leaves the first serving', async () => {
    const d = fresh();
    await d.start();
    const second = await runNode(FRAGD, ['--foreground'], d.env);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/already running \(pid \d+\).*fragctl daemon stop/);
    const c = await d.client();
    expect((await c.call('daemon.status')).pid).toBe(d.proc!.pid);
    c.close();
  });

  it('replaces a stale socket and a stale lock left by a crash', async () => {
    const d = fresh();
    await d.start();
    await d.crash();
    expect(existsSync(d.paths.socket)).toBe(true);
    expect(existsSync(d.paths.lock)).toBe(true);
    await d.start();
    const c = await d.client();
    expect((await c.call('daemon.status')).pid).toBe(d.proc!.pid);
    c.close();
  });

  it('treats a socket file nobody listens on as stale', async () => {
    const d = fresh();
    // A dead listener: bind, then close the server without unlinking (as a crash would).
    const server = createServer();
    await new Promise<void>((r) => server.listen(d.paths.socket, r));
    (server as unknown as { _handle: { close(): void } })._handle.close();
    await d.start();
    expect(await canConnect(d.paths.socket)).toBe(true);
  });

  it('refuses a socket directory open to others, and says how to fix it', async () => {
    const d = fresh();
    chmodSync(d.home, 0o755);
    const r = await runNode(FRAGD, ['--foreground'], d.env);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`chmod 700 ${d.home}`);
  });

  it('refuses a socket path too long for a Unix socket', async () => {
    const base = tempHome();
    const deep = join(base, 'x'.repeat(60), 'y'.repeat(60));
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    const d = new TestDaemon(deep);
    const r = await runNode(FRAGD, ['--foreground'], d.env);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/longer than the 107 a Unix socket allows/);
  });

  it('refuses a bad config file naming the key', async () => {
    const d = fresh();
    writeFileSync(d.paths.config, JSON.stringify({ idle_timeout_seconds: 'soon' }));
    const r = await runNode(FRAGD, ['--foreground'], d.env);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/idle_timeout_seconds/);
  });

  it('stops on SIGTERM: exit 0, socket and lock removed, data kept', async () => {
    const d = fresh();
    await d.start();
    const c = await d.client();
    await c.call('project.create', { code: 'KEEP', title: 'kept' });
    // A call in flight when the signal arrives is still answered.
    const inflight = c.call('project.create', { code: 'LATE', title: 'in flight' });
    d.proc!.kill('SIGTERM');
    await expect(inflight).resolves.toMatchObject({ project: { code: 'LATE' } });
    const code = await new Promise((r) => (d.proc!.exitCode !== null ? r(d.proc!.exitCode) : d.proc!.once('exit', r)));
    expect(code).toBe(0);
    expect(existsSync(d.paths.socket)).toBe(false);
    expect(existsSync(d.paths.lock)).toBe(false);
    await d.start();
    const c2 = await d.client();
    expect((await c2.call('project.list')).projects.map((p) => p.code).sort()).toEqual(['KEEP', 'LATE']);
    c2.close();
  });

  it('is reported clearly when no daemon runs and autostart is off', async () => {
    const d = fresh();
    const r = await d.fragctl(['status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no daemon is running.*fragctl daemon start/);
  });

  it('starts by itself when fragctl finds none (autostart)', async () => {
    const d = fresh({ FRAGMENTS_NO_AUTOSTART: '0' });
    const r = await d.json(['session', 'start']);
    expect(r.code).toBe(0);
    expect(r.body.session.key).toBe('SESSION-001');
    const st = await d.json(['daemon', 'status']);
    expect(st.body.pid).toBeGreaterThan(0);
    const stop = await d.json(['daemon', 'stop']);
    expect(stop.body.stopped).toBe(true);
  });

  it('accepts a socket passed by systemd (LISTEN_FDS)', async () => {
    const d = fresh();
    const activator = spawn(
      'systemd-socket-activate',
      [
        '-l',
        d.paths.socket,
        '-E',
        `FRAGMENTS_HOME=${d.home}`,
        '-E',
        'FRAGD_LOG_LEVEL=info',
        process.execPath,
        FRAGD,
        '--foreground',
      ],
      { stdio: 'ignore' },
    );
    try {
      const deadline = Date.now() + 5000;
      while (!existsSync(d.paths.socket) && Date.now() < deadline) await sleep(20);
      const c = await FragClient.connect({ env: d.env, autoStart: false });
      const st = await c.call('daemon.status');
      expect(st.socket_activated).toBe(true);
      await c.call('daemon.shutdown');
      c.close();
    } finally {
      activator.kill('SIGTERM');
    }
  });
});

describe('protocol versions', () => {
  it('a client newer than the daemon restarts it once, with a notice', async () => {
    const d = fresh({ FRAGMENTS_NO_AUTOSTART: '0' });
    await d.start();
    const oldPid = d.proc!.pid;
    const notices: string[] = [];
    const c = await FragClient.connect({ env: d.env, protocol: 99, notice: (m) => notices.push(m) }).catch((e) => e);
    // The restarted daemon still speaks protocol 1, so the client gives up with a clear error after one restart.
    expect(c).toBeInstanceOf(Error);
    expect(String(c.message)).toMatch(/even after a restart/);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/older than this client.*restarting it/);
    const again = await FragClient.connect({ env: d.env, autoStart: false });
    const st = await again.call('daemon.status');
    expect(st.pid).not.toBe(oldPid);
    await again.call('daemon.shutdown');
    again.close();
  });

  it('an older client gets a clear version error and the daemon keeps running', async () => {
    const d = fresh();
    await d.start();
    const err = await FragClient.connect({
      env: d.env,
      autoStart: false,
      protocol: 0,
      clientName: 'old-fragctl',
    }).catch((e) => e);
    expect(err.code).toBe(-32005);
    expect(err.message).toMatch(
      /old-fragctl speaks protocol 0, older than this fragd .* serves \(1\.\.1\); update the client/,
    );
    const c = await d.client();
    expect((await c.call('daemon.status')).pid).toBe(d.proc!.pid);
    c.close();
  });
});
