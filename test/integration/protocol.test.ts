// The wire: malformed input of every kind gets a correct answer and the daemon keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
const open = () => RawPeer.open(d.paths.socket);

beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d.dispose());

async function stillServes(): Promise<void> {
  const p = await open();
  const r = await p.request({ jsonrpc: '2.0', id: 'alive', method: 'daemon.hello', params: { protocol: 1 } });
  expect(r.result.protocol).toBe(1);
  p.close();
}

describe('JSON-RPC over the socket', () => {
  it('answers daemon.hello and daemon.status', async () => {
    const p = await open();
    const hello = await p.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'daemon.hello',
      params: { protocol: 1, client: 'raw' },
    });
    expect(hello).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocol: 1, compatible: true } });
    const status = await p.request({ jsonrpc: '2.0', id: 2, method: 'daemon.status' });
    expect(status.result.pid).toBe(d.proc!.pid);
    expect(status.result.paths.socket).toBe(d.paths.socket);
    expect(status.result.counts.connections).toBeGreaterThanOrEqual(1);
    p.close();
  });

  it('answers malformed JSON with a parse error and keeps the connection', async () => {
    const p = await open();
    p.write('{"jsonrpc": "2.0", "id": 1, "method": \n');
    const r = await p.next();
    expect(r.error.code).toBe(-32700);
    expect(r.id).toBeNull();
    const ok = await p.request({ jsonrpc: '2.0', id: 2, method: 'daemon.hello', params: { protocol: 1 } });
    expect(ok.result).toBeDefined();
    p.close();
  });

  it('answers an invalid request object', async () => {
    const p = await open();
    const r = await p.request({ id: 1, params: {} });
    expect(r.error.code).toBe(-32600);
    p.close();
  });

  it('names an unknown method', async () => {
    const p = await open();
    const r = await p.request({ jsonrpc: '2.0', id: 7, method: 'session.explode' });
    expect(r.error.code).toBe(-32601);
    expect(r.id).toBe(7);
    p.close();
  });

  it('rejects wrong param types with the field and a hint', async () => {
    const p = await open();
    const r = await p.request({ jsonrpc: '2.0', id: 3, method: 'session.start', params: { type: 42, actor: ['x'] } });
    expect(r.error.code).toBe(-32602);
    expect(r.error.data.error).toBe('invalid_params');
    const paths = r.error.data.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(['actor', 'type']);
    expect(r.error.message).toMatch(/invalid params for session.start/);
    const positional = await p.request({ jsonrpc: '2.0', id: 4, method: 'task.show', params: ['T-1'] });
    expect(positional.error.code).toBe(-32602);
    expect(positional.error.message).toMatch(/named params/);
    const unknownKey = await p.request({
      jsonrpc: '2.0',
      id: 5,
      method: 'project.create',
      params: { code: 'X', title: 'x', colour: 'red' },
    });
    expect(unknownKey.error.code).toBe(-32602);
    p.close();
  });

  it('answers application errors with a named code and a hint', async () => {
    const p = await open();
    const r = await p.request({ jsonrpc: '2.0', id: 1, method: 'session.status', params: { actor: 'nobody' } });
    expect(r.error.code).toBe(-32001);
    expect(r.error.data).toMatchObject({ error: 'no_active_session', actor: 'nobody' });
    expect(r.error.data.hint).toMatch(/fragctl session start --actor nobody/);
    const nf = await p.request({ jsonrpc: '2.0', id: 2, method: 'task.show', params: { code: 'NOPE' } });
    expect(nf.error).toMatchObject({ code: -32002, data: { error: 'not_found', what: 'task', code: 'NOPE' } });
    p.close();
  });

  it('serves batches, including notifications and errors inside them', async () => {
    const p = await open();
    p.write(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'daemon.hello', params: { protocol: 1 } },
        { jsonrpc: '2.0', method: 'daemon.hello', params: { protocol: 1 } },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
        { jsonrpc: '2.0', id: 3, method: 'project.list' },
      ]) + '\n',
    );
    const r = await p.next();
    expect(Array.isArray(r)).toBe(true);
    expect(r.map((x: { id: number }) => x.id).sort()).toEqual([1, 2, 3]);
    expect(r.find((x: { id: number }) => x.id === 2).error.code).toBe(-32601);
    const empty = await p.request([]);
    expect(empty.error.code).toBe(-32600);
    // Elements that are not request objects are answered one by one, beside the valid ones.
    const mixed = await p.request([
      null,
      7,
      { jsonrpc: '2.0', id: 'ok', method: 'daemon.hello', params: { protocol: 1 } },
    ]);
    expect(mixed.map((x: { id: unknown; error?: { code: number } }) => [x.id, x.error?.code ?? 'ok'])).toEqual([
      [null, -32600],
      [null, -32600],
      ['ok', 'ok'],
    ]);
    const lone = await p.request([null]);
    expect(lone).toEqual([expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) })]);
    p.close();
  });

  it('refuses a frame over 1 MiB, closes that connection, and keeps serving others', async () => {
    const p = await open();
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'activity.note',
      params: { message: 'x'.repeat(1024 * 1024 + 10) },
    });
    p.write(big + '\n');
    const r = await p.next();
    expect(r.error.code).toBe(-32007);
    expect(r.error.data.limit_bytes).toBe(1024 * 1024);
    expect(await p.waitClosed()).toBe(true);
    await stillServes();
  });

  it('survives a connection dropped mid-frame and a flood of garbage', async () => {
    const p = await open();
    p.write('{"jsonrpc":"2.0","id":1,"method":"session.st');
    p.close();
    const g = await open();
    g.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x7b, 0x0a, 0x5b, 0x5d, 0x0a]));
    const answers = [await g.next(), await g.next(), await g.next()];
    expect(answers.map((a) => a.error?.code ?? a[0]?.error?.code)).toEqual([-32700, -32700, -32600]);
    g.close();
    await stillServes();
  });

  it('acknowledges a write only once it is stored', async () => {
    const p = await open();
    const r = await p.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'project.create',
      params: { code: 'ACK', title: 'acknowledged' },
    });
    expect(r.result.project.code).toBe('ACK');
    p.close();
    await d.stop();
    await d.start();
    const again = await open();
    const shown = await again.request({ jsonrpc: '2.0', id: 2, method: 'project.show', params: { code: 'ACK' } });
    expect(shown.result.project.title).toBe('acknowledged');
    again.close();
  });

  it('pushes event notifications to subscribers on every state change', async () => {
    const watcher = await open();
    const sub = await watcher.request({ jsonrpc: '2.0', id: 1, method: 'events.subscribe' });
    expect(sub.result.subscribed).toBe(true);
    const actor = await open();
    await actor.request({ jsonrpc: '2.0', id: 1, method: 'session.start', params: { actor: 'evt' } });
    const events = [await watcher.next(), await watcher.next()];
    expect(events.every((e) => e.method === 'event' && e.id === undefined)).toBe(true);
    expect(events.map((e) => e.params.type)).toContain('session.changed');
    expect(events.map((e) => e.params.type)).toContain('activity.logged');
    actor.close();
    watcher.close();
  });
});
