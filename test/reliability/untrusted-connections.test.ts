// Another local user cannot starve this user's clients of fragd's connections (issue 22):
// the HTTP port is reachable by every local user, so its connections are budgeted per peer
// uid (read from /proc/net/tcp); the Unix socket sits in a 0700 directory another user
// cannot enter, and a connection there that never sends a request is closed.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer, startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { ensureOsUser, isRoot, spawnAs } from '../support/os-user.js';
import { MAX_HTTP_CONNECTIONS, MAX_HTTP_CONNECTIONS_PER_OTHER_UID } from '../../shared/limits.js';

const OTHER = 'fragd-neighbour';
let d: TestDaemon;
let port: number;
let token: string;
let dir: string;
const children: ChildProcess[] = [];

// The neighbour's program: opens `n` connections to the port and keeps them, sending
// nothing; prints one line per connection that fragd refused or closed, then its counts.
const HOLDER = `
const net = require('node:net');
const [port, n] = process.argv.slice(2).map(Number);
let open = 0, refused = 0, closed = 0, refusal = '';
for (let i = 0; i < n; i++) {
  const s = net.connect(port, '127.0.0.1');
  let data = '';
  s.on('connect', () => { open++; });
  s.on('data', (c) => { data += c; });
  s.on('error', () => {});
  s.on('close', () => {
    if (data.startsWith('HTTP/1.1 503')) { refused++; refusal = data.split('\\r\\n\\r\\n')[1]; } else closed++;
  });
}
setInterval(() => console.log(JSON.stringify({ open, refused, closed, refusal })), 200);
`;

async function httpCall(method: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/rpc',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!isRoot)('another local user and fragd’s connections (real OS user)', () => {
  beforeAll(async () => {
    ensureOsUser(OTHER);
    dir = mkdtempSync(join(tmpdir(), 'fr-conn-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'holder.cjs'), HOLDER, { mode: 0o644 });
    d = await startDaemon({}, { http: { enabled: true, port: 0 }, limits: { silent_connection_seconds: 2 } });
    port = Number(readFileSync(`${d.home}/http-port`, 'utf8'));
    token = readFileSync(d.paths.httpToken, 'utf8').trim();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await d?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds at most its own small share of HTTP connections; this user’s calls still go through', async () => {
    // 64 connections (all fragd used to serve) and 512 more, as the neighbour.
    const holder = spawnAs(OTHER, [process.execPath, join(dir, 'holder.cjs'), String(port), String(64 + 512)]);
    children.push(holder);
    let last = { open: 0, refused: 0, closed: 0, refusal: '' };
    holder.stdout!.on('data', (c: Buffer) => {
      const lines = c.toString().trim().split('\n');
      last = JSON.parse(lines[lines.length - 1]);
    });
    const total = 64 + 512;
    // All but the neighbour's share are refused (a 503 saying why) or dropped at once.
    const seen = await until(
      'the neighbour refused',
      () => (last.refused + last.closed >= total - MAX_HTTP_CONNECTIONS_PER_OTHER_UID ? last : undefined),
      60_000,
    );
    expect(seen.refused).toBeGreaterThan(total / 2);
    expect(seen.refusal).toMatch(/at most 4 HTTP connections of another user \(uid \d+\)/);
    // The user's own calls are served meanwhile, several at once.
    const calls = await Promise.all(Array.from({ length: 8 }, () => httpCall('daemon.status')));
    for (const c of calls) expect(c.status).toBe(200);
    // The neighbour's idle connections are closed after a few seconds (it has no token).
    await until('the neighbour closed', () => last.refused + last.closed === total, 60_000);
    holder.kill('SIGKILL');
    expect(MAX_HTTP_CONNECTIONS).toBeGreaterThan(8);
  }, 150_000);

  it('cannot reach the Unix socket: its directory is this user’s, mode 0700', async () => {
    const probe = spawnAs(OTHER, [
      process.execPath,
      '-e',
      `require('node:net').connect(${JSON.stringify(d.paths.socket)}).on('error', (e) => { console.log(e.code); process.exit(0); }).on('connect', () => { console.log('CONNECTED'); process.exit(0); });`,
    ]);
    children.push(probe);
    let out = '';
    probe.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => probe.on('exit', r));
    expect(out.trim()).toMatch(/^(EACCES|EPERM)$/);
  });

  it('closes a socket connection that sends no request, saying why; a client that speaks is served', async () => {
    const silent = await RawPeer.open(d.paths.socket);
    const said = await silent.next(10_000);
    expect(said.error.data).toMatchObject({ reason: 'silent_connection', limit_seconds: 2 });
    expect(said.error.message).toMatch(/no request within 2s of connecting/);
    expect(await silent.waitClosed(5000)).toBe(true);
    const r = await d.json(['project', 'list']);
    expect(r.code).toBe(0);
    // A raw connection that sends its request at once is answered, not closed.
    const s = connect(d.paths.socket);
    const answer = await new Promise<string>((resolve) => {
      s.on('data', (c: Buffer) => resolve(c.toString()));
      s.write(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'daemon.status' }) + '\n');
    });
    expect(JSON.parse(answer).id).toBe(7);
    s.destroy();
  });
});
