// The status file a shell prompt reads (docs/terminal.md): kept by a real daemon, replaced
// atomically, equal to `fragctl status --short`; and each `fragctl prompt` snippet run by
// the real shell, in a real pseudo-terminal where it is a prompt, printing the line and
// executing nothing of hostile text.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { formatDuration } from '../../shared/format.js';
import { statusFileLine } from '../../shared/status-line.js';
import { inPty } from '../support/pty.js';
import { startDaemon, until, type TestDaemon } from '../support/daemon.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const SHELLS = { bash: has('bash'), zsh: has('zsh'), fish: has('fish'), tmux: has('tmux') };

let d: TestDaemon;
let c: FragClient;
let file: string;
let scratch: string;
let ownDir: string;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  file = join(d.paths.runtimeDir, 'status.human');
  scratch = mkdtempSync(join(tmpdir(), 'fr-prompt-'));
  ownDir = join(scratch, 'own');
  mkdirSync(ownDir, { mode: 0o700 });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const LINE = /^fragd-status 1 (run|stop) (\d+) (.+)\n$/;
const read = () => readFileSync(file, 'utf8');
const short = async () => (await d.fragctl(['status', '--short'])).stdout.trim();

/**
 * A snippet for the daemon's runtime directory, or (`own`) for a directory no daemon tidies,
 * where tests write status files by hand.
 */
const snippets = new Map<string, string>();
async function snippet(shell: string, own = false): Promise<string> {
  const key = `${shell}${own ? '.own' : ''}`;
  if (snippets.has(key)) return snippets.get(key)!;
  const r = await d.fragctl(['prompt', shell], own ? { env: { FRAGMENTS_HOME: ownDir } } : {});
  expect(r.code, r.stderr).toBe(0);
  const path = join(scratch, `snippet.${key}`);
  writeFileSync(path, r.stdout);
  snippets.set(key, path);
  return path;
}

/** What each shell's snippet prints when run once, outside a prompt. */
async function runSnippet(
  shell: 'sh' | 'bash' | 'zsh' | 'fish',
  env: NodeJS.ProcessEnv = {},
  own = false,
): Promise<string> {
  const path = await snippet(shell, own);
  const argv = {
    sh: ['sh', path],
    bash: ['bash', '--norc', '-c', `source ${path}; __fragd_status; printf '%s\\n' "$FRAGD_STATUS"`],
    zsh: ['zsh', '-f', '-c', `source ${path}; __fragd_status; print -r -- "$psvar[9]"`],
    fish: ['fish', '--no-config', '-c', `source ${path}; __fragd_status`],
  }[shell];
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...d.env, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.replace(/^\[|\] $/g, '').trim();
}

describe('the status file', () => {
  it('appears with a session, follows pause and resume, and says what status --short says', async () => {
    expect(existsSync(file)).toBe(false);
    await c.call('task.create', { code: 'T-01', title: 'first' });
    await c.call('session.start', {});
    await c.call('task.activate', { code: 'T-01' });
    const running = await until('a running line', () => existsSync(file) && / T-01\n$/.test(read()) && read());
    expect(running).toMatch(LINE);
    expect(LINE.exec(running)![1]).toBe('run');
    // run N: N is the epoch second the clock started from, so the shell counts on.
    expect(Math.abs(Date.now() / 1000 - Number(LINE.exec(running)![2]))).toBeLessThan(30);
    expect(LINE.exec(running)![3]).toBe((await short()).replace(/ · [^·]+$/, ''));

    const before = statSync(file).ino;
    await c.call('session.pause', {});
    const paused = await until('a paused line', () => read().includes(' · paused · ') && read());
    // Replaced by rename (a new inode), never rewritten in place.
    expect(statSync(file).ino).not.toBe(before);
    const [, kind, seconds, text] = LINE.exec(paused)!;
    expect(kind).toBe('stop');
    // Frozen time: the file, the snippet and fragctl status --short say the same.
    expect(`${text} · ${formatDuration(Number(seconds))}`).toBe(await short());
    expect(await runSnippet('sh')).toBe(await short());

    await c.call('session.resume', {});
    await until('a running line again', () => / run \d+ [^\n]*T-01\n$/.test(read()) && !read().includes('paused'));
  });

  it('changes after an update only when the line changes, and an update on an idle-paused session resumes it', async () => {
    const ino = statSync(file).ino;
    for (let i = 0; i < 5; i++) await c.call('activity.update', { message: `step ${i}` });
    // A turn of the event loop for the refresh that would have been scheduled.
    await c.call('session.status', {});
    expect(statSync(file).ino).toBe(ino);
    await c.call('session.pause', { reason: 'idle: as the tick would' });
    await until('paused', () => read().includes('paused'));
    await d.fragctl(['update', 'back at it']);
    await until('resumed by the update', () => !read().includes('paused'));
  });

  it('is written once per committed batch, not once per call', async () => {
    await c.call('task.create', { code: 'T-02', title: 'second' });
    const renames: string[] = [];
    const watcher = watch(d.paths.runtimeDir, (_event, name) => {
      if (name === 'status.human') renames.push(String(name));
    });
    try {
      // 20 context changes sent at once: they land in one or a few group commits.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => c.call('task.activate', { code: i % 2 ? 'T-02' : 'T-01' })),
      );
      await until('the last one written', () => / T-02\n$/.test(read()));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      watcher.close();
    }
    expect(renames.length).toBeGreaterThan(0);
    expect(renames.length).toBeLessThanOrEqual(6);
  });

  it('is never seen half-written while many changes land', async () => {
    let reading = true;
    const seen = new Set<string>();
    let bad: string | null = null;
    const reader = (async () => {
      while (reading) {
        try {
          const t = readFileSync(file, 'utf8');
          if (!LINE.test(t)) bad = JSON.stringify(t);
          seen.add(t.split(' ').slice(2, 3).join());
        } catch (err) {
          bad = String(err);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 40; i++) {
      await Promise.all([c.call('session.pause', {}), c.call('activity.update', { message: `u${i}` })]);
      await c.call('session.resume', {});
    }
    reading = false;
    await reader;
    expect(bad).toBeNull();
    expect(seen.size).toBeGreaterThan(0);
  });

  it('answers status --short from the file while its daemon lives, and asks the daemon otherwise', async () => {
    await until('a running line', () => existsSync(file) && / run \d+ /.test(read()));
    const named = async () =>
      (
        await d.fragctl(['status', '--short', '--session', (await c.call('session.status', {})).session.key])
      ).stdout.trim();
    // The file and the daemon's answer are the same line (the seconds may tick between them).
    const noSeconds = (line: string) => line.replace(/ · [^·]+$/, '');
    expect(noSeconds(await short())).toBe(noSeconds(await named()));
    // Proof that the file answered: a stopped (SIGSTOP) daemon cannot answer a call, yet the line comes.
    d.proc!.kill('SIGSTOP');
    try {
      const r = await d.fragctl(['status', '--short']);
      expect(r.code).toBe(0);
      expect(noSeconds(r.stdout.trim())).toBe(noSeconds(LINE.exec(read())![3] + ' · x'));
    } finally {
      d.proc!.kill('SIGCONT');
    }
    // A daemon killed outright leaves its file behind; its lock names a dead process, so the
    // file is not believed: without auto-start fragctl says no daemon runs instead of a stale line.
    await d.crash();
    expect(existsSync(file)).toBe(true);
    const stale = await d.fragctl(['status', '--short', '--no-autostart']);
    expect(stale.code).not.toBe(0);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toMatch(/not running|no daemon|cannot reach|start it/i);
    await d.start();
    c.close();
    c = await d.client();
  });

  it('believes only a regular file of its own, and prints its text neutralised', async () => {
    await until('a running line', () => existsSync(file) && / run \d+ /.test(read()));
    const real = (await short()).replace(/ · [^·]+$/, '');
    const fake = `${file}.planted`;
    writeFileSync(fake, 'fragd-status 1 stop 5 FAKE \u001b]0;owned\u0007 · T-9\n');
    try {
      // A symlink in its place is not followed: the daemon answers instead.
      rmSync(file);
      symlinkSync(fake, file);
      const viaLink = await short();
      expect(viaLink).not.toContain('FAKE');
      expect(viaLink.replace(/ · [^·]+$/, '')).toBe(real);
      // A regular file's text is shown with its control characters as visible escapes.
      rmSync(file);
      writeFileSync(file, readFileSync(fake, 'utf8'), { mode: 0o600 });
      const shown = await short();
      expect(shown).toContain('FAKE');
      expect([...shown].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)).toBe(false);
    } finally {
      rmSync(fake, { force: true });
      // The daemon writes its own line again at the next change.
      await c.call('session.pause', {});
      await c.call('session.resume', {});
      await until('the daemon’s own line back', () => !read().includes('FAKE') && / run \d+ /.test(read()));
    }
  });

  it('is removed when the daemon stops, and written again when it starts', async () => {
    await d.stop();
    expect(existsSync(file)).toBe(false);
    await d.start();
    c.close();
    c = await d.client();
    await until('the file back', () => existsSync(file));
    expect(read()).toMatch(LINE);
  });
});

describe('user text in the status file', () => {
  it('cannot hold shell syntax or control characters: such a code is refused, and the line neutralises them', async () => {
    const code = 'A$(id)\u001b[31mB';
    // The code character set (docs/security.md) keeps it out of the database, so out of the file.
    await expect(c.call('task.create', { code, title: 'odd' })).rejects.toMatchObject({ code: -32602 });
    // Whatever reaches the line is on one line with its controls shown as escapes.
    const line = statusFileLine({ text: `${code} · x\ny`, seconds: 5 }, false, 0);
    expect(line).toMatch(LINE);
    expect(line).toContain('A$(id)\\x1b[31mB · x\\ny');
    expect(line).not.toContain('\u001b');
  });
});

describe('the snippets print what formatDuration prints', () => {
  const values = [0, 7, 42, 60, 61, 599, 1799, 1800, 3599, 3600, 3660, 4380, 90061, 360000];
  const shells = (['sh', 'bash', 'zsh', 'fish'] as const).filter((s) => s === 'sh' || SHELLS[s]);

  it.each(shells)('%s: stopped and running clocks', async (shell) => {
    const actor = `fmt-${shell}`;
    const path = join(ownDir, `status.${actor}`);
    try {
      for (const n of values) {
        writeFileSync(path, `fragd-status 1 stop ${n} SESSION-009 · X-1\n`);
        expect(await runSnippet(shell, { FRAGMENTS_ACTOR: actor }, true)).toBe(
          `SESSION-009 · X-1 · ${formatDuration(n)}`,
        );
      }
      // Running for 1h13m: the shell's own clock counts from the origin.
      writeFileSync(path, `fragd-status 1 run ${Math.floor(Date.now() / 1000) - 4380} SESSION-009 · X-1\n`);
      expect(await runSnippet(shell, { FRAGMENTS_ACTOR: actor }, true)).toMatch(/^SESSION-009 · X-1 · 1h1[34]m$/);
      // Anything else is shown as nothing rather than guessed at.
      for (const junk of ['garbage\n', 'fragd-status 1 run $(id) x\n', 'fragd-status 2 stop 5 x\n', '']) {
        writeFileSync(path, junk);
        expect(await runSnippet(shell, { FRAGMENTS_ACTOR: actor }, true)).toBe('');
      }
    } finally {
      rmSync(path, { force: true });
    }
  });
});

/** Hostile task codes: what a shell or tmux would run or interpret if it scanned the text. */
const HOSTILE = (marker: string) => `$(touch ${marker})\`touch ${marker}\`%F{red}#{pane_id}#(touch ${marker})\\u`;

describe('hostile text in a real prompt', () => {
  // The file is written as the daemon would write it, for an actor of its own: task codes
  // may not hold all of this (their character set is checked), the snippets must not care.
  const actor = 'hostile';
  let marker: string;
  let line: string;
  beforeAll(() => {
    marker = join(scratch, 'executed');
    line = `SESSION-042 · paused · ${HOSTILE(marker)} · 1h13m`;
    writeFileSync(
      join(ownDir, `status.${actor}`),
      `fragd-status 1 stop 4380 SESSION-042 · paused · ${HOSTILE(marker)}\n`,
    );
  });
  const expected = () => Promise.resolve(line);
  const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.runIf(SHELLS.bash)('bash -i shows the line in PS1 and runs nothing', async () => {
    const rc = join(scratch, 'bashrc');
    writeFileSync(rc, `PS1='bash> '\nsource ${await snippet('bash', true)}\n`);
    const line = await expected();
    const r = await inPty(
      ['bash', '--rcfile', rc, '-i'],
      [{ expect: `\\[${escapeRe(line)}\\] bash> ` }, { send: 'exit\n' }],
      { ...d.env, FRAGMENTS_ACTOR: actor, HISTFILE: '/dev/null' },
    );
    expect(r.out, r.out).toContain(`[${line}] bash> `);
    expect(existsSync(marker)).toBe(false);
  });

  it.runIf(SHELLS.zsh)('zsh -i with PROMPT_SUBST shows the line and runs or interprets nothing', async () => {
    const dir = join(scratch, 'zdot');
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, '.zshrc'), `setopt PROMPT_SUBST\nPROMPT='zsh> '\nsource ${await snippet('zsh', true)}\n`);
    const line = await expected();
    const r = await inPty(['zsh', '-i'], [{ expect: `\\[${escapeRe(line)}\\] zsh> ` }, { send: 'exit\n' }], {
      ...d.env,
      FRAGMENTS_ACTOR: actor,
      ZDOTDIR: dir,
      HISTFILE: '/dev/null',
    });
    expect(r.out, r.out).toContain(`[${line}] zsh> `);
    expect(existsSync(marker)).toBe(false);
  });

  it.runIf(SHELLS.fish)('fish -i shows the line before its own prompt and runs nothing', async () => {
    const line = await expected();
    const r = await inPty(
      ['fish', '--no-config', '-i', '-C', `source ${await snippet('fish', true)}`],
      [{ expect: escapeRe(`[${line}] `) }, { send: 'exit\r' }],
      { ...d.env, FRAGMENTS_ACTOR: actor, fish_history: '', PTY_COLS: '400' },
    );
    expect(r.out, r.out).toContain(`[${line}] `);
    expect(existsSync(marker)).toBe(false);
  });

  it.runIf(SHELLS.tmux)("tmux's status bar shows the line literally and runs nothing", async () => {
    const conf = join(scratch, 'tmux.conf');
    writeFileSync(
      conf,
      `set -g status-interval 1\nset -g status-right-length 300\nset -g status-right 'S:'\n${(await d.fragctl(['prompt', 'tmux'], { env: { FRAGMENTS_HOME: ownDir } })).stdout}`,
    );
    const line = await expected();
    const socket = join(scratch, 'tmux.sock');
    const env = { ...d.env, FRAGMENTS_ACTOR: actor, TERM: 'xterm' };
    const r = await inPty(
      ['tmux', '-S', socket, '-f', conf, 'new-session', 'sleep 60'],
      // The line, with #{pane_id} not expanded; then detach (C-b d).
      [{ expect: escapeRe(line.slice(-20)) }, { send: '\x02d' }],
      env,
    );
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    expect(r.out).toContain('#{pane_id}');
    expect(existsSync(marker)).toBe(false);
  });
});
