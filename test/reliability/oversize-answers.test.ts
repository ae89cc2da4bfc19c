// No answer the client cannot read, no client that hangs (docs/limits.md): free-form data
// is bounded in size and depth at the boundary, lists and history page by cursor, data an
// older fragd stored beyond today's limits is summarised, answers are capped at the frame
// size, and the client library and fragctl fail a call with a clear error on an oversize
// frame or when no answer comes.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_TIMEOUT, FragClient, RpcError } from '../../client/lib/client.js';
import { followPages, joinOlderHistory } from '../../client/lib/pages.js';
import { FRAGCTL, RawPeer, startDaemon, tempHome, type TestDaemon } from '../support/daemon.js';
import { scale } from './scale.js';

/** fragctl as a process that is killed (and reported) rather than left hanging. */
function fragctl(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FRAGCTL, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

let d: TestDaemon;
let c: FragClient;
let key: string;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  key = (await c.call('session.start', { actor: 'big' })).session.key;
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('free-form data has a size and a depth limit, checked at the boundary', () => {
  it('refuses 600 kB of activity data with -32602 and a message that says the limit', async () => {
    const err = await c
      .call('activity.log', { session: key, message: 'big', data: { blob: 'x'.repeat(600_000) } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: -32602, data: { error: 'invalid_params' } });
    expect((err as Error).message).toMatch(/data: \d+ bytes once serialized; at most 65536/);
    // Session metadata too.
    const meta = await c
      .call('session.start', { actor: 'meta', metadata: { blob: 'x'.repeat(70_000) } })
      .catch((e: unknown) => e);
    expect(meta).toMatchObject({ code: -32602 });
    // So status stays small and fragctl status answers.
    const status = await fragctl(['status', '--session', key], d.env);
    expect(status.killed).toBe(false);
    expect(status.code).toBe(0);
  });

  it('refuses 5,000 levels of nesting with -32602, not an internal error, and stays up', async () => {
    // Sent as text: JSON.stringify itself overflows on such nesting (the client library says so).
    const peer = await RawPeer.open(d.paths.socket);
    const deep = '{"d":'.repeat(5000) + '"bottom"' + '}'.repeat(5000);
    peer.write(
      `{"jsonrpc":"2.0","id":1,"method":"activity.log","params":{"session":"${key}","message":"deep","data":{"deep":${deep}}}}\n`,
    );
    const a = await peer.next();
    expect(a).toMatchObject({ id: 1, error: { code: -32602, data: { error: 'invalid_params' } } });
    expect(a.error.message).toMatch(/data: nested more than 32 levels deep/);
    peer.close();
    await expect(c.call('daemon.status')).resolves.toHaveProperty('pid');
    let nested: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) nested = { d: nested };
    await expect(c.call('activity.log', { session: key, message: 'deep', data: { nested } })).rejects.toMatchObject({
      code: -32602,
      data: { error: 'invalid_params' },
    });
  });

  it('a frame nested 200,000 levels deep is answered (no stack overflow in the frame parser)', async () => {
    const peer = await RawPeer.open(d.paths.socket);
    const depth = 200_000;
    peer.write(`${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    // A batch of one element that is no request object.
    const a = await peer.next();
    expect(a).toEqual([{ jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32600 }) }]);
    peer.write(
      `{"jsonrpc":"2.0","id":1e400,"method":"daemon.hello","params":{"protocol":1,"x":${'['.repeat(depth)}${']'.repeat(depth)}}}\n`,
    );
    const b = await peer.next();
    expect(b.error.code).toBe(-32602);
    peer.close();
  });
});

describe('lists and history page with a cursor; no answer exceeds the frame', () => {
  it('session.history pages through everything exactly once, oldest first', async () => {
    const { session } = await c.call('session.start', { actor: 'pager' });
    const blob = 'h'.repeat(60_000);
    for (let i = 0; i < 30; i++)
      await c.call('activity.log', { session: session.key, message: `m${i}`, data: { blob } });
    const first = await c.call('session.history', { session: session.key, limit: 1000 });
    // 30 × 60 kB do not fit one page: it holds the latest ones and says where to go on.
    expect(first.activities.length).toBeLessThan(30);
    expect(first.next_cursor).toMatch(/^a\d+\.c\d+$/);
    const all = await followPages(
      (cursor) => c.call('session.history', { session: session.key, limit: 7, cursor }),
      joinOlderHistory,
    );
    const logs = all.activities.filter((a) => a.kind === 'log').map((a) => a.message);
    expect(logs).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(new Set(all.activities.map((a) => a.id)).size).toBe(all.activities.length);
    expect(all.next_cursor).toBeNull();
    await expect(c.call('session.history', { session: session.key, cursor: 'nonsense' })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('session.list and task.list page too', async () => {
    await c.call('project.create', { code: 'PG', title: 'paging' });
    for (let i = 0; i < 12; i++) await c.call('task.create', { code: `PG-${i}`, title: `t${i}`, project: 'PG' });
    const tasks = await followPages(
      (cursor) => c.call('task.list', { project: 'PG', limit: 5, cursor }),
      (acc, next) => acc.tasks.push(...next.tasks),
    );
    expect(tasks.tasks.map((t) => t.code)).toEqual(Array.from({ length: 12 }, (_, i) => `PG-${i}`));
    const sessions = await followPages(
      (cursor) => c.call('session.list', { limit: 1, cursor }),
      (acc, next) => acc.sessions.push(...next.sessions),
    );
    expect(sessions.sessions.length).toBe(new Set(sessions.sessions.map((s) => s.key)).size);
    expect(sessions.sessions.length).toBeGreaterThanOrEqual(2);
  });

  it('a batch whose answers would pass the frame gets errors for the rest, in an answer a client reads', async () => {
    const peer = await RawPeer.open(d.paths.socket);
    const [{ key: pager }] = (await c.call('session.list', { actor: 'pager' })).sessions;
    const batch = Array.from({ length: 10 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'session.history',
      params: { session: pager, limit: 1000 },
    }));
    peer.write(JSON.stringify(batch) + '\n');
    const answers = await peer.next(15_000);
    expect(answers).toHaveLength(10);
    expect(answers[0]).toHaveProperty('result');
    const refused = answers.filter((a: any) => a.error);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.error).toMatchObject({ code: -32007, data: { error: 'frame_too_large' } });
    peer.close();
  });
});

describe('a database from before the limits', () => {
  let old: TestDaemon;
  beforeAll(async () => {
    // An ordinary, long-lived database: many activities, two of them with 600 kB of data
    // (accepted before the limits existed), written straight into SQLite.
    old = await startDaemon();
    const oc = await old.client();
    const { session } = await oc.call('session.start', { actor: 'human' });
    oc.close();
    await old.stop();
    const db = new Database(old.paths.db);
    const sid = (db.prepare('SELECT id FROM sessions WHERE key = ?').get(session.key) as { id: number }).id;
    const insert = db.prepare(
      "INSERT INTO activities (session_id, kind, message, data, source, at) VALUES (?, 'log', ?, ?, 'cli', ?)",
    );
    const rows = scale(8000, 70_000);
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(sid, `line ${i} of an ordinary day's work`, null, Date.now());
      for (let i = 0; i < 2; i++)
        insert.run(sid, `big ${i}`, JSON.stringify({ blob: 'b'.repeat(600_000) }), Date.now());
    })();
    db.close();
    await old.start();
  });
  afterAll(() => old?.dispose());

  it('fragctl status and session history answer (the big data is summarised), and --limit 5000 pages', async () => {
    const status = await fragctl(['status', '--json'], old.env);
    expect(status.killed, 'fragctl status hung').toBe(false);
    expect(status.code).toBe(0);
    const recent = JSON.parse(status.stdout).recent as any[];
    expect(recent.find((a) => a.message === 'big 1')).toMatchObject({
      data: null,
      data_omitted: { bytes: expect.any(Number), keys: ['blob'] },
    });

    const history = await fragctl(['session', 'history', '--json'], old.env);
    expect(history.killed, 'fragctl session history hung').toBe(false);
    expect(history.code).toBe(0);

    const five = await fragctl(['session', 'history', '--limit', '5000', '--json'], old.env);
    expect(five.killed, 'fragctl session history --limit 5000 hung').toBe(false);
    expect(five.code).toBe(0);
    const body = JSON.parse(five.stdout);
    expect(body.activities).toHaveLength(5000);
    // Oldest first, up to the latest; data beyond today's limit summarised.
    const ids = body.activities.map((a: any) => a.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(body.activities.find((a: any) => a.message === 'big 1')).toMatchObject({ data: null });
    expect(body.next_cursor).toMatch(/^a\d+\.c\d+$/);
  });
});

describe('the client library and fragctl never hang on a daemon that misbehaves', () => {
  let home: string;
  let server: Server;
  let behaviour: 'silent' | 'oversize' = 'silent';
  beforeAll(async () => {
    // A peer on the socket that plays an old or stuck daemon: it answers nothing, or a line
    // longer than any frame a client reads.
    home = tempHome();
    server = createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', () => {
        if (behaviour === 'oversize')
          s.write('{"jsonrpc":"2.0","id":1,"result":"' + 'x'.repeat(2 * 1024 * 1024) + '"}\n');
      });
    });
    await new Promise<void>((r) => server.listen(join(home, 'fragd.sock'), r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const env = () => ({ ...process.env, FRAGMENTS_HOME: home, FRAGMENTS_NO_AUTOSTART: '1' });

  it('a call with no answer fails after the call timeout, with a clear error', async () => {
    behaviour = 'silent';
    const err = await FragClient.connect({ env: env(), autoStart: false, callTimeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: CALL_TIMEOUT, data: { error: 'timeout', timeout_ms: 300 } });
    expect((err as Error).message).toMatch(/no answer from fragd to daemon.hello within 0.3s/);
  });

  it('an answer larger than a frame fails the call with frame_too_large', async () => {
    behaviour = 'oversize';
    const err = await FragClient.connect({ env: env(), autoStart: false }).catch((e) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: -32007, data: { error: 'frame_too_large' } });
  });

  it('fragctl exits with a message instead of hanging (FRAGMENTS_CALL_TIMEOUT_MS)', async () => {
    behaviour = 'silent';
    const r = await fragctl(['status'], { ...env(), FRAGMENTS_CALL_TIMEOUT_MS: '500' });
    expect(r.killed, 'fragctl status hung').toBe(false);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no answer from fragd/);
    behaviour = 'oversize';
    const o = await fragctl(['status'], env());
    expect(o.killed, 'fragctl status hung on an oversize answer').toBe(false);
    expect(o.code).not.toBe(0);
    expect(o.stderr).toMatch(/larger than 1048576 bytes/);
  });
});
