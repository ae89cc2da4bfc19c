// Thousands of malformed or random frames and random params from several connections:
// each gets the answer JSON-RPC owes it (matched by id; id null when the frame has no
// usable id) or its connection is closed, other clients keep being served, memory stays
// bounded.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer, startDaemon, type TestDaemon } from '../support/daemon.js';
import { methods } from '../../shared/protocol/methods.js';
import { scale } from './scale.js';

const FRAMES = scale(2_500, 12_000);
let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d.dispose());

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const names = Object.keys(methods).filter((m) => m !== 'daemon.shutdown' && !m.startsWith('debug.'));
const values = (r: () => number): unknown => {
  const pick = Math.floor(r() * 12);
  return [null, true, -1, 0, 1e308, 'x', '', 'SESSION-001', 'T-1', [], {}, 'é'.repeat(Math.floor(r() * 300))][pick];
};

function frame(r: () => number, i: number): string {
  const kind = Math.floor(r() * 8);
  const id = i;
  switch (kind) {
    case 0:
      return '{"jsonrpc":"2.0","id":' + id + ',"method":"' + names[Math.floor(r() * names.length)] + '","params":{'; // truncated JSON
    case 1:
      return Buffer.from(
        Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 255)).filter((b) => b !== 10),
      ).toString('latin1');
    case 2:
      return JSON.stringify({ jsonrpc: '1.0', id, method: 42 });
    case 3:
      return JSON.stringify({ jsonrpc: '2.0', id, method: 'no.such.method', params: values(r) });
    case 4:
      return JSON.stringify([{ jsonrpc: '2.0', id, method: 'daemon.hello', params: { protocol: 1 } }, 5, 'x']);
    default: {
      const method = names[Math.floor(r() * names.length)];
      const params: Record<string, unknown> = {};
      for (const key of [
        'session',
        'actor',
        'code',
        'message',
        'type',
        'status',
        'summary',
        'limit',
        'title',
        'content',
      ]) {
        if (r() < 0.4) params[key] = values(r);
      }
      return JSON.stringify({ jsonrpc: '2.0', id, method, params: r() < 0.1 ? values(r) : params });
    }
  }
}

describe(`${FRAMES} hostile frames from 4 connections`, () => {
  it('answers each by its id or closes its connection, and keeps serving a well-behaved client', async () => {
    const pid = d.proc!.pid!;
    const before = rssMb(pid);
    const good = await RawPeer.open(d.paths.socket);
    // The four loops share the well-behaved client: one request at a time, so answers pair up.
    let queue: Promise<unknown> = Promise.resolve();
    const ask = (message: unknown): Promise<any> => {
      const answer = queue.then(() => good.request(message));
      queue = answer.catch(() => undefined);
      return answer;
    };
    const per = Math.ceil(FRAMES / 4);
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(async (seed) => {
        const r = rng(seed);
        let peer = await RawPeer.open(d.paths.socket);
        // Subscribed, so pushed events interleave with the answers and must not pass for them.
        expect(await peer.request({ jsonrpc: '2.0', id: 'sub', method: 'events.subscribe', params: {} })).toMatchObject(
          { id: 'sub', result: { subscribed: true } },
        );
        let answered = 0;
        let closed = 0;
        let events = 0;
        for (let i = 0; i < per; i++) {
          const text = frame(r, i);
          const expected = expectedAnswer(text);
          peer.write(text + '\n');
          if (expected.kind !== 'none') {
            const where = `seed ${seed}, frame ${i}: ${JSON.stringify(text).slice(0, 200)}`;
            const got = await answerOf(peer, where);
            events += got.events;
            if (got.answer === CLOSED) {
              closed++;
              peer = await RawPeer.open(d.paths.socket);
            } else {
              checkAnswer(got.answer, expected, where);
              answered++;
            }
          }
          if (i % 100 === 0) {
            const made = await ask({
              jsonrpc: '2.0',
              id: `p-${seed}-${i}`,
              method: 'project.create',
              params: { code: `FZ${seed}X${i}`, title: 'an event for the subscribers' },
            });
            expect(made.error).toBeUndefined();
          }
          if (i % 500 === 0) {
            const ok = await ask({
              jsonrpc: '2.0',
              id: `ok-${seed}-${i}`,
              method: 'daemon.hello',
              params: { protocol: 1 },
            });
            expect(ok).toMatchObject({ id: `ok-${seed}-${i}`, result: { protocol: 1 } });
          }
        }
        peer.close();
        return { answered, closed, events };
      }),
    );
    const answered = outcomes.reduce((n, o) => n + o.answered, 0);
    const closed = outcomes.reduce((n, o) => n + o.closed, 0);
    expect(outcomes.reduce((n, o) => n + o.events, 0)).toBeGreaterThan(0);
    // Each frame was checked above; closing a connection is allowed but must stay the exception.
    expect(answered, `${closed} connections closed`).toBeGreaterThan(FRAMES * 0.9);
    const status = await good.request({ jsonrpc: '2.0', id: 'final', method: 'daemon.status' });
    expect(status.result.pid).toBe(pid);
    good.close();
    expect(rssMb(pid) - before).toBeLessThan(60);
  }, 180_000);
});

type Id = string | number | null;
/** What JSON-RPC 2.0 owes a frame: nothing (blank line, notifications only), one answer, or a batch. */
type Expected = { kind: 'none' } | { kind: 'single'; id: Id } | { kind: 'batch'; ids: Id[] };

const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number' || v === null;

/** The answer one element of a request (or batch) is owed: its id when it has a usable one, else null; none for a notification. */
function owed(request: unknown): { id: Id } | null {
  const o =
    request !== null && typeof request === 'object' && !Array.isArray(request)
      ? (request as Record<string, unknown>)
      : null;
  const valid =
    o !== null && o.jsonrpc === '2.0' && typeof o.method === 'string' && !('result' in o) && !('error' in o);
  if (valid && !('id' in o)) return null;
  return { id: o && isId(o.id) ? o.id : null };
}

function expectedAnswer(text: string): Expected {
  // The framing drops blank lines before they reach JSON-RPC.
  if (text.trim() === '') return { kind: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'single', id: null };
  }
  if (!Array.isArray(parsed)) {
    const o = owed(parsed);
    return o ? { kind: 'single', id: o.id } : { kind: 'none' };
  }
  if (parsed.length === 0) return { kind: 'single', id: null };
  const ids = parsed
    .map(owed)
    .filter((o) => o !== null)
    .map((o) => o.id);
  if (ids.length === 0) return { kind: 'none' };
  return ids.length === 1 ? { kind: 'single', id: ids[0] } : { kind: 'batch', ids };
}

const CLOSED = Symbol('closed by the daemon');

/** The next answer on `peer`, skipping pushed events (a fuzzed events.subscribe turns them on). */
async function answerOf(peer: RawPeer, where: string): Promise<{ answer: any; events: number }> {
  let events = 0;
  for (;;) {
    let message: any;
    try {
      message = await peer.next(5000);
    } catch (err) {
      if ((err as Error).message === 'connection closed') return { answer: CLOSED, events };
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    if (!Array.isArray(message) && message?.method === 'event' && !('id' in message)) {
      events++;
      continue;
    }
    return { answer: message, events };
  }
}

function checkResponse(response: any, id: Id, where: string): void {
  expect(response, where).toBeTypeOf('object');
  expect(response.jsonrpc, where).toBe('2.0');
  expect(response.id, where).toBe(id);
  expect('result' in response !== 'error' in response, `${where}: exactly one of result and error`).toBe(true);
  if ('error' in response) {
    expect(response.error.code, where).toBeTypeOf('number');
    expect(response.error.message, where).toBeTypeOf('string');
    // A malformed frame is the caller's fault: it must never look like a daemon failure.
    expect(response.error.code, `${where}: ${response.error.message}`).not.toBe(-32603);
    if (id === null) expect([-32700, -32600], where).toContain(response.error.code);
  }
}

function checkAnswer(answer: any, expected: Expected, where: string): void {
  if (expected.kind === 'single') {
    expect(Array.isArray(answer), `${where}: one answer, not a batch`).toBe(false);
    checkResponse(answer, expected.id, where);
    return;
  }
  if (expected.kind === 'batch') {
    expect(Array.isArray(answer), `${where}: a batch answer`).toBe(true);
    // Batch answers may come in any order.
    expect(answer.map((a: any) => a?.id).sort(), where).toEqual([...expected.ids].sort());
    for (const a of answer) checkResponse(a, a.id, where);
  }
}
