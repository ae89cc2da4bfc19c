// The dashboard login's rules on an injected monotonic clock: a code works once, within
// 60 s; sessions expire; neither store grows without bound.
import { describe, expect, it } from 'vitest';
import { cookieValue, DashboardAuth, LOGIN_CODE_SECONDS } from '../../daemon/transport/dashboard-auth.js';

function auth() {
  let now = 1_000;
  const a = new DashboardAuth(() => now);
  return { a, advance: (ms: number) => (now += ms) };
}

describe('DashboardAuth', () => {
  it('trades a code once for a session', () => {
    const { a } = auth();
    const { code, seconds } = a.issueCode();
    expect(seconds).toBe(LOGIN_CODE_SECONDS);
    const { session, key } = a.redeem(code)!;
    expect(session).toMatch(/^[\w-]{43}$/);
    expect(a.valid(session)).toBe(true);
    // The page key binds calls to the session: the cookie alone, or another key, opens nothing.
    expect(a.valid(session, key)).toBe(true);
    expect(a.valid(session, '')).toBe(false);
    expect(a.valid(session, '1')).toBe(false);
    expect(a.valid(session, a.redeem(a.issueCode().code)!.key)).toBe(false);
    expect(a.redeem(code)).toBeNull();
    expect(a.valid(code)).toBe(false);
  });

  it('refuses a code after its minute, and an unknown one', () => {
    const { a, advance } = auth();
    const { code } = a.issueCode();
    advance(LOGIN_CODE_SECONDS * 1000);
    expect(a.redeem(code)).toBeNull();
    expect(a.redeem('')).toBeNull();
    expect(a.redeem('x'.repeat(43))).toBeNull();
  });

  it('ends a session after its hours', () => {
    const { a, advance } = auth();
    const { session } = a.redeem(a.issueCode().code)!;
    advance(12 * 3_600_000 - 1);
    expect(a.valid(session)).toBe(true);
    advance(1);
    expect(a.valid(session)).toBe(false);
    expect(a.valid(undefined)).toBe(false);
  });

  it('keeps at most 16 unused codes, dropping the oldest', () => {
    const { a } = auth();
    const codes = Array.from({ length: 17 }, () => a.issueCode().code);
    expect(a.redeem(codes[0])).toBeNull();
    expect(a.redeem(codes[16])).not.toBeNull();
  });
});

describe('cookieValue', () => {
  it('finds one cookie among several', () => {
    expect(cookieValue('a=1; fragd_dashboard=xyz; b=2', 'fragd_dashboard')).toBe('xyz');
    expect(cookieValue('fragd_dashboardx=1', 'fragd_dashboard')).toBeUndefined();
    expect(cookieValue(undefined, 'fragd_dashboard')).toBeUndefined();
  });
});
