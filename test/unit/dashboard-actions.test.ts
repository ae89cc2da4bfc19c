// What the dashboard may do for its person (issue 26; docs/dashboard.md "Security"): the
// reads, the interval corrections and five actions, as the person only, never past a gate.
import { describe, expect, it } from 'vitest';
import { actionRefusal, pageMayCall } from '../../daemon/transport/dashboard-http.js';

describe('the page’s actions', () => {
  it('may start, resume, activate, update and complete, and nothing else that writes', () => {
    for (const m of ['session.start', 'session.resume', 'task.activate', 'activity.update', 'task.complete'] as const)
      expect(pageMayCall(m), m).toBe(true);
    for (const m of [
      'session.end',
      'session.abandon',
      'task.edit',
      'task.create',
      'plan.import',
      'interval.import',
      'daemon.shutdown',
      'dashboard.login',
      'debug.clock',
      'sprint.complete',
      'tasks.bulk_complete',
    ] as const)
      expect(pageMayCall(m), m).toBe(false);
    expect(pageMayCall('actors.list')).toBe(true);
  });

  it('acts as the person, in their current session, through the gates', () => {
    expect(actionRefusal('activity.update', { message: 'x' })).toBeNull();
    expect(actionRefusal('activity.update', { message: 'x', actor: 'human' })).toBeNull();
    expect(actionRefusal('activity.update', { message: 'x', actor: 'claude' })).toMatch(/person only/);
    expect(actionRefusal('activity.update', { message: 'x', session: 'SESSION-002' })).toMatch(/current session/);
    expect(actionRefusal('task.complete', { code: 'T-1', summary: 's', force: true })).toMatch(/force/);
    expect(actionRefusal('task.complete', { code: 'T-1', summary: 's', force: false })).toBeNull();
    expect(actionRefusal('task.activate', { code: 'T-1', take_over: true })).toMatch(/take_over/);
    expect(actionRefusal('task.activate', { code: 'T-1', join: true })).toMatch(/join/);
    // Reads and corrections are not actions: their params are the method's own business.
    expect(actionRefusal('report', { actor: 'claude' })).toBeNull();
  });
});
