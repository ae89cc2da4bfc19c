// The client library as an editor extension uses it (examples/editor-client.ts): it sees
// events caused by ANOTHER client (fragctl processes), sends heartbeats, and survives a
// daemon restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon, until } from '../support/daemon.js';
import { FragClient, type DaemonEvent } from '../../client/lib/client.js';
import { EditorStatus } from '../../examples/editor-client.js';

/** Any formatDuration output (42s, 1m, 1m05s, 1h02m): a run past a minute must not fail. */
const DURATION = String.raw`\d+(h\d\dm|m(\d\ds)?|s)`;

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['project', 'create', 'FRAG', 'Fragments']);
  await d.json(['sprint', 'create', '1', 'First', '--project', 'FRAG']);
  await d.json(['task', 'create', 'T-01', 'Login form', '--sprint', '1']);
});
afterAll(() => d.dispose());

describe('FragClient.subscribe', () => {
  it('receives the events another client causes, in order, without polling', async () => {
    const client = await FragClient.connect({ env: d.env, autoStart: false, clientName: 'test-editor' });
    const seen: DaemonEvent[] = [];
    await client.subscribe((e) => seen.push(e));
    await d.json(['session', 'start']);
    await d.json(['update', 'wired the form']);
    const update = await until('the update event', () =>
      seen.find((e) => e.type === 'activity.logged' && e.data.kind === 'update'),
    );
    expect(update).toMatchObject({ session: 'SESSION-001', data: { kind: 'update', message: 'wired the form' } });
    const types = seen.map((e) => e.type);
    expect(types.indexOf('session.changed')).toBeLessThan(types.lastIndexOf('activity.logged'));
    expect(seen.find((e) => e.type === 'session.changed')?.data).toMatchObject({ change: 'started', status: 'active' });

    // A typed call through the same connection.
    const st = await client.call('session.status', { session: 'SESSION-001' });
    expect(st.session.counters.updates).toBe(1);
    client.close();
  });

  it('filters by session when asked', async () => {
    const client = await FragClient.connect({ env: d.env, autoStart: false });
    const seen: DaemonEvent[] = [];
    await client.subscribe((e) => seen.push(e), 'SESSION-001');
    await d.json(['session', 'start', '--actor', 'claude']);
    await d.json(['note', 'from the human session']);
    await until('the note', () => seen.find((e) => e.type === 'activity.logged' && e.data.kind === 'note'));
    expect(seen.every((e) => e.session === 'SESSION-001')).toBe(true);
    client.close();
  });
});

describe('the editor example (examples/editor-client.ts)', () => {
  it('keeps a status line current from events, sends heartbeats, and reconnects after a restart', async () => {
    const lines: string[] = [];
    const status = await EditorStatus.start({
      editor: 'vscode',
      onLine: (l) => lines.push(l),
      env: d.env,
      session: 'SESSION-001',
    });
    try {
      expect(status.current).toMatch(new RegExp(`^SESSION-001 · ${DURATION}$`));
      await d.json(['task', 'activate', 'T-01']);
      await until('the task in the line', () =>
        lines.some((l) => new RegExp(`^SESSION-001 · T-01 · ${DURATION}$`).test(l)),
      );

      const beat = await status.heartbeat('/src/login.ts', 'typescript');
      expect(beat).toMatchObject({ session: 'SESSION-001', recorded: true });
      const hist = await d.json(['session', 'history', '--session', 'SESSION-001']);
      const hb = hist.body.activities.filter((a: any) => a.kind === 'heartbeat');
      expect(hb.at(-1).source).toBe('editor');

      await d.json(['session', 'pause', '--session', 'SESSION-001', '--reason', 'lunch']);
      await until('paused in the line', () => status.current.startsWith('SESSION-001 · paused · T-01'));

      await d.stop();
      await until('the reconnecting notice', () => lines.includes('fragd: reconnecting…'));
      await d.start();
      await until('the line back after the restart', () => status.current.startsWith('SESSION-001 · paused'));
      const before = status.events.length;
      await d.json(['session', 'resume', 'SESSION-001']);
      await until(
        'events after the restart',
        () => status.events.length > before && /^SESSION-001 · T-01 · /.test(status.current),
      );
    } finally {
      status.dispose();
    }
  });
});
