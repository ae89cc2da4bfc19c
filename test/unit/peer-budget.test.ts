// The per-peer-uid budget of HTTP connections and the /proc/net/tcp reader behind it.
import { describe, expect, it } from 'vitest';
import { PeerBudget } from '../../daemon/transport/peer-budget.js';
import { findInTable } from '../../daemon/transport/peer-uid.js';

describe('PeerBudget', () => {
  const limits = { own: 3, perOther: 2, allOthers: 3 };

  it('keeps the user’s share whatever other users hold', () => {
    const b = new PeerBudget(1000, limits);
    expect(b.admit(1001)).toEqual({ ok: true });
    expect(b.admit(1001)).toEqual({ ok: true });
    const third = b.admit(1001);
    expect(third.ok).toBe(false);
    expect(!third.ok && third.reason).toMatch(/at most 2 HTTP connections of another user \(uid 1001\)/);
    expect(b.admit(1002).ok).toBe(true);
    // All others together are at their cap; an unknown peer counts as another user.
    const unknown = b.admit(null);
    expect(!unknown.ok && unknown.reason).toMatch(/at most 3 HTTP connections of other users/);
    for (let i = 0; i < 3; i++) expect(b.admit(1000).ok).toBe(true);
    expect(b.admit(1000).ok).toBe(false);
    expect(b.snapshot()).toEqual({ '1000': 3, '1001': 2, '1002': 1 });
  });

  it('gives a released connection back to its uid, and never goes below zero', () => {
    const b = new PeerBudget(0, limits);
    b.admit(5);
    b.admit(5);
    b.release(5);
    expect(b.admit(5).ok).toBe(true);
    b.release(7); // never admitted: no effect
    b.release(5);
    b.release(5);
    b.release(5);
    expect(b.snapshot()).toEqual({});
    expect(b.admit(null).ok).toBe(true);
    expect(b.admit(null).ok).toBe(true);
    expect(b.admit(null).ok).toBe(false);
  });
});

describe('findInTable (/proc/net/tcp)', () => {
  // Two ends of one loopback connection: the client (uid 1001) at port 0xA1B2 → 0x1F90, the
  // server (uid 1000) at 0x1F90 → 0xA1B2; and a listening socket.
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1',
    '   2: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 333 1 0 20 4 30 10 -1',
  ].join('\n');

  it('finds the uid of the peer’s end of our connection', () => {
    expect(findInTable(table, 0xa1b2, 0x1f90)).toBe(1001);
  });

  it('is null for a connection it does not list, and for garbage', () => {
    expect(findInTable(table, 0xa1b3, 0x1f90)).toBeNull();
    expect(findInTable('not a table\n:::\n', 1, 2)).toBeNull();
    expect(findInTable('', 1, 2)).toBeNull();
  });
});
