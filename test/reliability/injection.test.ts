// Issue 9, item 1: nothing a user or an agent typed reaches a shell unquoted, and nothing
// they wrote can drive a terminal.
//
// The property test drives a REAL daemon with hostile codes, actors, titles, messages and
// summaries, collects every command it suggests (instructions, session-start suggestions,
// conflict options, the commands at the end of required actions and hints), and runs each
// through a real POSIX shell (/bin/sh) where `fragctl` is a function that records its
// argv: each command must make exactly one fragctl call with the intended argv, and
// nothing else may run (a marker file that the hostile inputs try to create never
// appears). On the code before this change, `task.create {code: "T$(touch pwned)"}` was
// accepted and `fragctl task activate T$(touch pwned)` was suggested: the marker appears.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type FragClient } from '../../client/lib/client.js';
import { ACTOR_PATTERN, CODE_PATTERN } from '../../shared/charset.js';
import { startDaemon, TestDaemon, tempHome, until, type RunResult } from '../support/daemon.js';
import { scale } from './scale.js';

const RUNS = scale(12, 120);

let d: TestDaemon;
let c: FragClient;
let shellDir: string;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  shellDir = mkdtempSync(join(tmpdir(), 'fr-sh-'));
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
  rmSync(shellDir, { recursive: true, force: true });
});

const MARKER = 'pwned';

/**
 * Runs `command` in /bin/sh with `fragctl` and `sqlite3` defined as functions that print
 * their argv (NUL-separated, after a header with the name and the count). Returns the
 * calls made, and fails the test if the shell failed or anything else happened.
 */
function shellCalls(command: string): { name: string; argv: string[] }[] {
  const script = `fragctl() { printf 'CALL fragctl %d\\0' "$#"; printf '%s\\0' "$@"; }
sqlite3() { printf 'CALL sqlite3 %d\\0' "$#"; printf '%s\\0' "$@"; }
eval "$CMD"`;
  const r = spawnSync('/bin/sh', ['-c', script], {
    cwd: shellDir,
    env: { PATH: '/usr/bin:/bin', CMD: command, HOME: shellDir },
    encoding: 'utf8',
  });
  if (r.status !== 0 || r.stderr) throw new Error(`sh failed on ${JSON.stringify(command)}: ${r.stderr}`);
  const parts = r.stdout.split('\0');
  const calls: { name: string; argv: string[] }[] = [];
  for (let i = 0; i < parts.length - 1;) {
    const m = /^CALL (\w+) (\d+)$/.exec(parts[i]);
    if (!m) throw new Error(`unexpected shell output for ${JSON.stringify(command)}: ${JSON.stringify(r.stdout)}`);
    calls.push({ name: m[1], argv: parts.slice(i + 1, i + 1 + Number(m[2])) });
    i += 1 + Number(m[2]);
  }
  return calls;
}

/** The one fragctl argv a suggested command stands for; nothing else may run. */
function argvOf(command: string): string[] {
  const calls = shellCalls(command);
  const ran = existsSync(join(shellDir, MARKER));
  const written = readdirSync(shellDir);
  // Clean up first, so that the runs fast-check makes while shrinking start clean.
  for (const f of written) rmSync(join(shellDir, f), { recursive: true, force: true });
  expect(ran, `a command ran something: ${JSON.stringify(command)}`).toBe(false);
  expect(written, `a command wrote a file: ${JSON.stringify(command)}`).toEqual([]);
  expect(calls, `not exactly one fragctl call: ${JSON.stringify(command)}`).toHaveLength(1);
  expect(calls[0].name).toBe('fragctl');
  return calls[0].argv;
}

/** Every command an answer (or an error's data) suggests, in any of the places fragd puts one. */
function commandsIn(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if (['suggested_commands', 'options', 'command'].includes(key)) out.push(v);
      // Required actions and hints end with the command that fixes them ("…: fragctl …").
      else if (['required_actions', 'hint'].includes(key)) {
        // Prose around a command (" — or …", "(see …)", "edit X …") is left out.
        const m = /: (fragctl (?:(?!: fragctl ).)*)$/.exec(v);
        if (m && !/ …$|\)$| — /.test(m[1])) out.push(m[1]);
      }
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(value, '');
  return out;
}

// What hostile input is made of: shell syntax that would run `touch pwned`, quotes,
// expansions, whitespace and controls, terminal escapes, bidi overrides, non-ASCII — and
// the characters a code may legitimately have, so that some generated codes are valid.
const PIECES = [
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `; touch ${MARKER}`,
  `&& touch ${MARKER}`,
  `| touch ${MARKER}`,
  `\ntouch ${MARKER}`,
  `\r\ntouch ${MARKER}`,
  `'`,
  `"`,
  '\\',
  '$HOME',
  '${IFS}',
  '*',
  '?',
  '~',
  '#',
  '!',
  '=',
  ' ',
  '\t',
  '\u001b[31m',
  '\u001b]0;title\u0007',
  '\u009b2J',
  '\u202e',
  '\u2066',
  'é',
  '日本',
  '-',
  '_',
  '.',
  'A',
  'b',
  '7',
];
const hostile = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
const validCode = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const codeish = fc.oneof(hostile, validCode);
const text = fc
  .oneof(hostile, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }))
  .filter((t) => t.trim().length > 0 && !t.includes('\0'));
// At least 20 characters, so that it satisfies the summary rule and reaches the answer.
const summary = text.map((t) => `${t} — summary of the work done`);

let run = 0;

/** Calls fragd; a refusal of a name outside the character set is expected, anything else is not. */
async function create<T>(
  what: string,
  name: string,
  pattern: RegExp,
  call: (name: string) => Promise<T>,
  fallback: string,
): Promise<{ result: T; name: string }> {
  try {
    return { result: await call(name), name: name.trim() };
  } catch (err) {
    if (!(err instanceof RpcError) || err.code !== -32602) throw err;
    // Refused at the protocol boundary: only a name outside the documented set may be.
    expect(pattern.test(name.trim()), `${what} ${JSON.stringify(name)} is valid but was refused`).toBe(false);
    return { result: await call(fallback), name: fallback };
  }
}

describe('suggested commands, parsed by /bin/sh, are exactly the intended argv', () => {
  it(
    'for hostile codes, actors, titles, messages and summaries on a real daemon',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            project: codeish,
            sprint: codeish,
            task: codeish,
            subtask: codeish,
            actor: codeish,
            title: text,
            message: text,
            reason: text,
            summary,
          }),
          async (g) => {
            const n = ++run;
            // Each answer's commands go through the shell as soon as it comes.
            const argvs: string[][] = [];
            const expected: string[][] = [];
            const collect = (v: unknown) => void argvs.push(...commandsIn(v).map(argvOf));
            const refused = async (p: Promise<unknown>) => {
              try {
                await p;
              } catch (err) {
                if (!(err instanceof RpcError)) throw err;
                collect(err.data);
                return err;
              }
              throw new Error('expected a refusal');
            };

            // A suffix keeps each run's codes distinct (codes are unique, case-insensitively).
            const p = await create(
              'project',
              `${g.project}p${n}`,
              CODE_PATTERN,
              (code) => c.call('project.create', { code, title: g.title }),
              `P${n}`,
            );
            collect(p.result);
            const s = await create(
              'sprint',
              `${g.sprint}s${n}`,
              CODE_PATTERN,
              (code) => c.call('sprint.create', { code, title: g.title, project: p.name }),
              `S${n}`,
            );
            collect(s.result);
            const sprint = s.result.sprint.code;
            const t = await create(
              'task',
              `${g.task}t${n}`,
              CODE_PATTERN,
              (code) => c.call('task.create', { code, title: g.title, sprint, estimate_minutes: 1 }),
              `T${n}`,
            );
            collect(t.result);
            const task = t.result.task.code;
            expected.push(['task', 'activate', task]);
            const u = await create(
              'subtask',
              `${g.subtask}u${n}`,
              CODE_PATTERN,
              (code) => c.call('task.create', { code, title: g.title, parent: task }),
              `U${n}`,
            );
            collect(u.result);
            // The same code again: a conflict whose hint names the edit command.
            collect((await refused(c.call('project.create', { code: p.name, title: g.title }))).data);

            const a = await create(
              'actor',
              `${g.actor}a${n}`,
              ACTOR_PATTERN,
              (actor) => c.call('session.start', { actor, source: 'cli' }),
              `agent${n}`,
            );
            collect(a.result);
            const actor = a.result.session.actor;
            const key = a.result.session.key;
            // A second start: refused with the options (resume, end, pause) as commands.
            collect((await refused(c.call('session.start', { actor, source: 'cli' }))).data);
            const flag = actor === 'human' ? [] : ['--session', key];

            collect(await c.call('task.activate', { session: key, actor, code: task }));
            expected.push(['update', ...flag, 'what I just did']);
            collect(await c.call('activity.update', { session: key, actor, message: g.message }));
            collect(await c.call('activity.note', { session: key, actor, message: g.message }));
            const blocked = await refused(c.call('task.complete', { session: key, actor }));
            expect(blocked.code).toBe(-32004);
            expected.push(['task', 'edit', task, '--summary', 'what was done, how, and what is left']);
            collect(await c.call('task.complete', { session: key, actor, summary: g.summary, force: true }));
            collect(await c.call('session.pause', { session: key, actor, reason: g.reason }));
            expected.push(['session', 'resume', key]);
            collect(await c.call('session.resume', { session: key, actor }));
            collect(await c.call('session.end', { session: key, actor, summary: g.summary }));
            if (actor !== 'human') expected.push(['session', 'start', '--actor', actor]);

            // Whatever fragd accepted is in the documented character set.
            for (const code of [p.name, sprint, task, u.name]) expect(CODE_PATTERN.test(code), code).toBe(true);
            expect(ACTOR_PATTERN.test(actor), actor).toBe(true);
            for (const want of expected) expect(argvs, `no command ${JSON.stringify(want)}`).toContainEqual(want);
            // Every name in a command is whole: an argument that holds a code or the actor is it.
            const names = [p.name, sprint, task, u.name, actor, key];
            for (const argv of argvs)
              for (const arg of argv)
                for (const name of names)
                  if (!names.includes(arg) && !arg.split(',').includes(name) && arg.includes(name))
                    expect(arg, `${JSON.stringify(name)} split or merged in ${JSON.stringify(argv)}`).toMatch(
                      /^(progress on .+ \(\d+\)|resumed .+ after an interruption)$/,
                    );
          },
        ),
        { numRuns: RUNS },
      );
    },
    scale(60_000, 600_000),
  );
});

describe('names outside the character set', () => {
  it('fragctl refuses them before connecting (exit 2), so no daemon is asked or started', async () => {
    const home = tempHome();
    const nobody = new TestDaemon(home);
    try {
      for (const args of [
        ['task', 'create', `T-2$(touch ${MARKER})`, 'title'],
        ['task', 'create', 'T-3', 'title', '--sprint', 'S;ls'],
        ['session', 'start', '--actor', 'a b'],
        ['log', 'x', '--kind', 'Bad Kind'],
        ['tasks', 'bulk-complete', 'T-1,T$(id)'],
      ]) {
        const r: RunResult = await nobody.fragctl([...args, '--json']);
        expect(r.code, args.join(' ')).toBe(2);
        expect(JSON.parse(r.stdout).error.code).toBe('usage');
        expect(r.stdout).toMatch(/letters|lower-case|actor is/);
      }
      expect(existsSync(nobody.paths.socket)).toBe(false);
      // The sprint shorthand is a code too: 1 still means SPRINT-1.
      const ok = await d.json(['sprint', 'create', '1', 'Shorthand sprint']);
      expect(ok.body.sprint.code).toBe('SPRINT-1');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a database holding one makes fragd refuse to start, naming it and the command that renames it', async () => {
    const old = await startDaemon();
    try {
      await old.json(['project', 'create', 'OLD', 'Old project']);
      await old.stop();
      // What an older fragd (which took any text as a code) could have stored.
      const db = new Database(old.paths.db);
      db.prepare(`INSERT INTO tasks (code, title, status, created_at, updated_at) VALUES (?, 'bad', 'todo', 0, 0)`).run(
        `T-2$(touch ${MARKER})`,
      );
      db.close();

      const refused = new TestDaemon(old.home);
      await expect(refused.start()).rejects.toThrow(/fragd exited/);
      const message = refused.output;
      expect(message).toContain(`task "T-2$(touch ${MARKER})"`);
      expect(message).toContain('docs/security.md');
      // The rename it proposes is a command too: run it (its argv, through the shell).
      // The plain-text message on stderr (the log line before it is JSON).
      const line = message.split('\n').find((l) => l.startsWith('  task "T-2$('))!;
      const calls = shellCalls(line.slice(line.indexOf('sqlite3 ')));
      expect(calls).toHaveLength(1);
      expect(existsSync(join(shellDir, MARKER))).toBe(false);
      const [path, sql] = calls[0].argv;
      expect(path).toBe(old.paths.db);
      const fix = new Database(path);
      fix.exec(sql);
      fix.close();

      const fixed = await new TestDaemon(old.home).start();
      try {
        const list = await fixed.json(['task', 'list']);
        const codes = list.body.tasks.map((x: { code: string }) => x.code);
        expect(codes).toHaveLength(1);
        expect(CODE_PATTERN.test(codes[0])).toBe(true);
      } finally {
        await fixed.stop();
      }
    } finally {
      await old.dispose();
    }
  });
});

// Characters that must never reach a terminal raw: ESC (CSI/OSC), BEL, C1 controls, bidi controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminal output', () => {
  it('shows hostile titles, notes and messages as escapes in every text renderer; JSON stays exact', async () => {
    const t = await startDaemon();
    try {
      const title = 'Evil \u001b]0;owned\u0007 title \u202eexe.txt\u001b[2J';
      const note = 'note \u001b[31mred\u001b[0m \u009b1m line1\nline2 \u2067rtl\u2069';
      expect((await t.json(['sprint', 'create', '1', title])).code).toBe(0);
      expect((await t.json(['task', 'create', 'T-1', title, '--sprint', '1'])).code).toBe(0);
      expect((await t.json(['session', 'start'])).code).toBe(0);
      expect((await t.json(['task', 'activate', 'T-1'])).code).toBe(0);

      const watcher = t.fragctl(['watch', '--count', '1']);
      await until('the watcher to subscribe', async () => {
        const st = await t.json(['daemon', 'status']);
        return st.body.counts.connections >= 2;
      });
      const noted = await t.fragctl(['note', note]);
      expect(noted.code).toBe(0);
      const outputs: RunResult[] = [
        noted,
        await watcher,
        await t.fragctl(['task', 'show', 'T-1']),
        await t.fragctl(['task', 'list']),
        await t.fragctl(['sprint', 'show', '1']),
        await t.fragctl(['sprint', 'list']),
        await t.fragctl(['status']),
        await t.fragctl(['session', 'history']),
        await t.fragctl(['context', 'show']),
        await t.fragctl(['task', 'activate', 'T-1', '--format', 'md']),
        await t.fragctl(['validate', 'task', 'T-1']),
        await t.fragctl(['session', 'pause', '--reason', note]),
        // Refused, with the reason in the error message.
        await t.fragctl(['session', 'pause']),
      ];
      expect(outputs.at(-1)!.code).toBe(5);
      for (const r of outputs) {
        const both = r.stdout + r.stderr;
        expect(both, both).not.toMatch(RAW_CONTROLS);
      }
      const shown = outputs.map((r) => r.stdout + r.stderr).join('\n');
      expect(shown).toContain('\\x1b]0;owned\\x07');
      expect(shown).toContain('<U+202E>exe.txt');
      expect(shown).toContain('line1\\nline2');
      expect(outputs[1].stdout).toContain('\\x1b[31mred');

      // --json prints the daemon's answer exactly.
      const json = await t.json(['task', 'show', 'T-1']);
      expect(json.body.task.title).toBe(title);
      expect(json.body.updates.map((u: { message: string }) => u.message)).toContain(note);
    } finally {
      await t.dispose();
    }
  });
});
