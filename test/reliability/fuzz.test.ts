// Thousands of malformed or random frames and random params from several connections:
// each is answered or its connection closed, other clients keep being served, memory
// stays bounded.
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
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
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
      return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 255)).filter((b) => b !== 10)).toString('latin1');
    case 2:
      return JSON.stringify({ jsonrpc: '1.0', id, method: 42 });
    case 3:
      return JSON.stringify({ jsonrpc: '2.0', id, method: 'no.such.method', params: values(r) });
    case 4:
      return JSON.stringify([{ jsonrpc: '2.0', id, method: 'daemon.hello', params: { protocol: 1 } }, 5, 'x']);
    default: {
      const method = names[Math.floor(r() * names.length)];
      const params: Record<string, unknown> = {};
      for (const key of ['session', 'actor', 'code', 'message', 'type', 'status', 'summary', 'limit', 'title', 'content']) {
        if (r() < 0.4) params[key] = values(r);
      }
      return JSON.stringify({ jsonrpc: '2.0', id, method, params: r() < 0.1 ? values(r) : params });
    }
  }
}

describe(`${FRAMES} hostile frames from 4 connections`, () => {
  it('answers each or closes its connection, and keeps serving a well-behaved client', async () => {
    const pid = d.proc!.pid!;
    const before = rssMb(pid);
    const good = await RawPeer.open(d.paths.socket);
    const per = Math.ceil(FRAMES / 4);
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(async (seed) => {
        const r = rng(seed);
        let peer = await RawPeer.open(d.paths.socket);
        let answered = 0;
        let reconnects = 0;
        for (let i = 0; i < per; i++) {
          peer.write(frame(r, i) + '\n');
          try {
            const answer = await peer.next(5000);
            expect(answer === null || typeof answer === 'object').toBe(true);
            answered++;
          } catch {
            // Closed by the daemon (or a frame that yields no answer, e.g. a notification-only batch).
            if (peer.closed) {
              reconnects++;
              peer = await RawPeer.open(d.paths.socket);
            }
          }
          if (i % 500 === 0) {
            const ok = await good.request({ jsonrpc: '2.0', id: `ok-${seed}-${i}`, method: 'daemon.hello', params: { protocol: 1 } });
            expect(ok.result.protocol).toBe(1);
          }
        }
        peer.close();
        return { answered, reconnects };
      }),
    );
    const answered = outcomes.reduce((n, o) => n + o.answered, 0);
    expect(answered).toBeGreaterThan(FRAMES * 0.9);
    const status = await good.request({ jsonrpc: '2.0', id: 'final', method: 'daemon.status' });
    expect(status.result.pid).toBe(pid);
    good.close();
    expect(rssMb(pid) - before).toBeLessThan(60);
  }, 180_000);
});
