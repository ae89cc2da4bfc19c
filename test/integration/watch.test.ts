// fragctl watch (a real process) receiving events caused by another terminal, across a
// daemon restart; and fragctl status --short, the one-line status for prompts and bars.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, type TestDaemon, until } from '../support/daemon.js';

/** Any formatDuration output (42s, 1m, 1m05s, 1h02m): a run past a minute must not fail. */
const DURATION = String.raw`\d+(h\d\dm|m(\d\ds)?|s)`;

let d: TestDaemon;
const watchers: ChildProcess[] = [];

beforeAll(async () => {
  d = await startDaemon();
  await d.json(['project', 'create', 'FRAG', 'Fragments']);
  await d.json(['sprint', 'create', '1', 'First', '--project', 'FRAG']);
  await d.json(['task', 'create', 'T-01', 'Login form', '--sprint', '1']);
  await d.json(['task', 'create', 'T-01a', 'Validation', '--parent', 'T-01']);
});
afterEach(() => {
  for (const w of watchers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
});
afterAll(() => d.dispose());

/** fragctl watch as its own process; `lines` fills as it prints. */
function watch(args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [FRAGCTL, 'watch', ...args], {
    env: { ...d.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  watchers.push(proc);
  const out = {
    lines: [] as string[],
    stderr: '',
    proc,
    exited: new Promise<number | null>((r) => proc.once('exit', r)),
  };
  let buf = '';
  proc.stdout.on('data', (c) => {
    buf += c;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    out.lines.push(...parts);
  });
  proc.stderr.on('data', (c) => (out.stderr += c));
  return out;
}

describe('fragctl watch --json', () => {
  it('streams events caused by another terminal, one JSON per line, and follows a daemon restart', async () => {
    const w = watch(['--json', '--all']);
    const parsed = () => w.lines.map((l) => JSON.parse(l));
    await until('watch to connect', () => parsed().some((e) => e.type === 'watch.connected'));

    await d.json(['session', 'start']); // another terminal
    await d.json(['update', 'first step done']);
    const upd = await until('the update', () =>
      parsed().find((e) => e.type === 'activity.logged' && e.data.kind === 'update'),
    );
    expect(upd).toMatchObject({ session: 'SESSION-001', data: { message: 'first step done' } });
    expect(parsed().find((e) => e.type === 'session.changed')).toMatchObject({
      session: 'SESSION-001',
      data: { change: 'started' },
    });

    await d.stop();
    await until('the disconnect notice', () => parsed().some((e) => e.type === 'watch.disconnected'));
    await d.start();
    await until('the reconnect', () => parsed().filter((e) => e.type === 'watch.connected').length === 2);
    await d.json(['note', 'after the restart']);
    const note = await until('the note after the restart', () =>
      parsed().find((e) => e.type === 'activity.logged' && e.data.kind === 'note'),
    );
    expect(note.data.message).toBe('after the restart');
    expect(w.proc.exitCode).toBe(null);
  });

  it('follows only the terminal session when FRAGMENTS_SESSION is set, and --count ends it', async () => {
    const w = watch(['--json', '--count', '1'], { FRAGMENTS_SESSION: 'SESSION-001' });
    await until('watch to connect', () => w.lines.some((l) => l.includes('watch.connected')));
    await d.json(['session', 'start', '--actor', 'claude']); // SESSION-002: not ours
    await d.json(['note', 'for the human session']);
    expect(await w.exited).toBe(0);
    const events = w.lines.map((l) => JSON.parse(l)).filter((e) => !e.type.startsWith('watch.'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ session: 'SESSION-001', type: 'activity.logged', data: { kind: 'note' } });
  });
});

describe('fragctl watch (readable)', () => {
  it('prints one line per event: time, session, type, what happened', async () => {
    const w = watch(['--all']);
    await until('watch to connect', () => w.stderr.includes('watching all sessions'));
    await d.json(['update', 'readable line']);
    const line = await until('the update line', () => w.lines.find((l) => l.includes('readable line')));
    expect(line).toMatch(/^\d{2}:\d{2}:\d{2} {2}SESSION-001 +activity\.logged +update readable line$/);
    w.proc.kill('SIGINT');
    expect(await w.exited).toBe(0);
  });

  it('says clearly when no daemon runs (and --no-autostart)', async () => {
    const w = watch(['--no-autostart'], { FRAGMENTS_HOME: `${d.home}/nowhere` });
    expect(await w.exited).toBe(3);
    expect(w.stderr).toMatch(/no daemon is running.*fragctl daemon start/);
  });
});

describe('fragctl status --short', () => {
  it('prints one line: key · paused · task/subtask · active time', async () => {
    const short = async (env: NodeJS.ProcessEnv = {}) =>
      (await d.fragctl(['status', '--short'], { env })).stdout.trim();
    expect(await short()).toMatch(new RegExp(`^SESSION-001 · ${DURATION}$`));
    await d.json(['task', 'activate', 'T-01']);
    expect(await short()).toMatch(new RegExp(`^SESSION-001 · T-01 · ${DURATION}$`));
    await d.json(['task', 'activate', 'T-01a']);
    expect(await short()).toMatch(new RegExp(`^SESSION-001 · T-01a · ${DURATION}$`));
    await d.json(['session', 'pause', '--reason', 'lunch']);
    expect(await short()).toMatch(new RegExp(`^SESSION-001 · paused · T-01a · ${DURATION}$`));
    expect(await short({ FRAGMENTS_SESSION: 'SESSION-002' })).toMatch(new RegExp(`^SESSION-002 · ${DURATION}$`));
    const none = await d.fragctl(['status', '--short'], { env: { FRAGMENTS_ACTOR: 'nobody' } });
    expect(none.code).toBe(4);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/nobody has no active or paused session/);
  });
});
