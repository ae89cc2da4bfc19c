// Every instruction template's suggested commands, run AS WRITTEN by a shell (with
// `fragctl` on the PATH) against the real daemon, must succeed — in the order given. The
// templates (holes for the worker's own words) are filled with words of our own, as a
// worker would, and a retry of a completion runs after them.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let env: NodeJS.ProcessEnv;
const covered = new Set<string>();

beforeAll(async () => {
  d = await startDaemon();
  const bin = join(d.home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'fragctl'), `#!/bin/sh\nexec "${process.execPath}" "${FRAGCTL}" "$@"\n`);
  chmodSync(join(bin, 'fragctl'), 0o755);
  env = { ...d.env, PATH: `${bin}:${process.env.PATH}` };
});
afterAll(() => d.dispose());

function sh(command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

interface Instr {
  next_actions: string[];
  suggested_commands: string[];
  templates?: { template: string[]; holes: Record<string, string>; rendered: string }[];
  context_reminder: string;
  required_actions?: string[];
  validation_errors?: string[];
}

/** Runs fragctl (as an argument list), takes the instructions of its answer or its error. */
async function instructionsOf(args: string[], expectCode = 0): Promise<Instr> {
  const r = await d.json(args);
  expect(r.code, `${args.join(' ')}: ${JSON.stringify(r.body)}`).toBe(expectCode);
  const i = (r.body.instructions ?? r.body.error?.data?.instructions) as Instr;
  expect(i, `${args.join(' ')} carries instructions`).toBeDefined();
  return i;
}

let words = 0;
/** What a worker would write in a hole: its own words, different every time. */
const ownWords = (label: string, hole: string) =>
  `${hole} ${++words} for ${label}: changed the parser and checked the result by hand`;
const completes = (cmd: string) => / (task|sprint) complete /.test(`${cmd} `);

/**
 * Each suggested command, exactly as written, must exit 0; then each template filled with
 * our own words; the retry of a completion (a command) runs last, after the templates.
 */
async function runAsWritten(label: string, i: Instr): Promise<void> {
  covered.add(label);
  const templates = i.templates ?? [];
  expect(i.suggested_commands.length + templates.length, label).toBeGreaterThan(0);
  expect(i.context_reminder).toMatch(/SESSION-\d{3}|no session/);
  const run = async (cmd: string) => {
    expect(cmd, `${label}: no placeholders`).not.toMatch(/TASK-CODE|<|>|\bCODE\b|…/);
    const r = await sh(cmd);
    expect(r.code, `${label}: \`${cmd}\` failed:\n${r.out}`).toBe(0);
  };
  for (const cmd of i.suggested_commands.filter((c) => !completes(c))) await run(cmd);
  for (const t of templates) {
    expect(Object.keys(t.holes).length, `${label}: ${t.rendered} has holes`).toBeGreaterThan(0);
    const argv = t.template.map((w) => (/^\{(\w+)\}$/.test(w) ? ownWords(label, w.slice(1, -1)) : w));
    expect(argv[0]).toBe('fragctl');
    const r = await d.fragctl(argv.slice(1));
    expect(r.code, `${label}: template ${t.rendered} failed:\n${r.stdout}${r.stderr}`).toBe(0);
  }
  for (const cmd of i.suggested_commands.filter(completes)) await run(cmd);
}

// Each test runs twenty or more fragctl processes (and shells) one after another, in an
// order the test is about: past the 30 s default on a loaded machine (two did in a whole run).
describe('suggested commands run as written', { timeout: 60_000 }, () => {
  it('item created (project, sprint, task) and plan imported', async () => {
    await runAsWritten('item_created:project', await instructionsOf(['project', 'create', 'P', 'Product']));
    // No session yet: the sprint's commands start one before activating.
    const sprint = await instructionsOf(['sprint', 'create', '1', 'First', '--project', 'P']);
    expect(sprint.suggested_commands[0]).toBe('fragctl session start');
    await runAsWritten('item_created:sprint', sprint);
    await runAsWritten(
      'item_created:task',
      await instructionsOf(['task', 'create', 'T-1', 'Parser', '--sprint', '1', '--estimate', '30']),
    );
    const plan = join(d.home, 'plan.yaml');
    writeFileSync(
      plan,
      'sprints:\n  - code: SPRINT-1\n    title: First\n    tasks:\n      - code: T-2\n        title: Lexer\n      - code: T-3\n        title: Docs\n',
    );
    await runAsWritten('plan_imported', await instructionsOf(['import', plan]));
  });

  it('item changed: an open task can be activated; a closed one points at the next task', async () => {
    await runAsWritten(
      'item_changed:task',
      await instructionsOf(['task', 'edit', 'T-3', '--title', 'Docs and examples']),
    );
    await d.json(['task', 'create', 'T-0', 'Dropped']);
    const closed = await instructionsOf(['task', 'edit', 'T-0', '--status', 'cancelled']);
    expect(closed.suggested_commands).not.toContain('fragctl task activate T-0');
    expect(closed.suggested_commands[0]).toBe('fragctl task show T-0');
    await runAsWritten('item_changed:closed_task', closed);
  });

  it('context activated, progress, context popped', async () => {
    await runAsWritten('context_activated', await instructionsOf(['task', 'activate', 'T-2']));
    const progress = await instructionsOf(['task', 'activate', 'T-3']).then(() =>
      instructionsOf(['update', 'tokens for numbers']),
    );
    // What finishes the task: the update its gate still wants, then done with a summary.
    expect(progress.templates!.map((t) => t.rendered)).toEqual(['fragctl update <update>', 'fragctl done <summary>']);
    await runAsWritten('progress', progress);
    expect((await d.json(['task', 'show', 'T-3'])).body.task.status).toBe('completed');
    await d.json(['task', 'create', 'T-7', 'Pretty printer', '--sprint', '1']);
    await instructionsOf(['task', 'activate', 'T-7']);
    await runAsWritten('context_popped', await instructionsOf(['context', 'pop']));
  });

  it('validation failure: running the fixes in order, the retry at the end completes the task', async () => {
    await d.json(['task', 'create', 'T-4', 'Never started', '--sprint', '1']);
    const i = await instructionsOf(['task', 'complete', 'T-4'], 6);
    expect(i.required_actions!.length).toBeGreaterThan(0);
    expect(i.validation_errors!.join('\n')).toMatch(/never started/);
    // No summary was given: the retry is a template with a hole for it, not invented text.
    expect(i.templates!.at(-1)!.rendered).toBe('fragctl task complete T-4 --summary <summary>');
    expect(i.suggested_commands.join('\n')).not.toMatch(/--summary|fragctl update/);
    await runAsWritten('validation_failed:task', i);
    expect((await d.json(['task', 'show', 'T-4'])).body.task.status).toBe('completed');
  });

  it('task completed, then the next task', async () => {
    await d.json(['task', 'activate', 'T-1']);
    await d.json(['update', 'grammar written']);
    await d.json(['update', 'tests green']);
    const i = await instructionsOf(['done', 'parser for the whole grammar, tested']);
    // 30 min estimated, seconds spent: far under. The first instruction says so, but the
    // planned estimate is never replaced by the time spent (no `--estimate 1`).
    expect(i.next_actions[0]).toMatch(/^T-1 took .*: the planned estimate stays on record beside the actual/);
    expect(i.next_actions[1]).toMatch(/T-1 is completed/);
    expect(i.suggested_commands.filter((c) => c.includes('--estimate'))).toEqual([]);
    await runAsWritten('task_completed', i);
  });

  it('session paused, recovery (resume by key), session resumed (switch)', async () => {
    await runAsWritten('session_paused', await instructionsOf(['session', 'pause', '--reason', 'lunch']));
    await d.json(['session', 'pause']);
    const rec = await instructionsOf(['session', 'resume', 'SESSION-001']);
    expect(rec.next_actions[0]).toMatch(/You are resuming SESSION-001; the last recorded step was/);
    await runAsWritten('recovery', rec);
    await d.json(['session', 'pause']);
    await runAsWritten('session_resumed', await instructionsOf(['session', 'switch', 'SESSION-001']));
  });

  it('sprint validation failure, sprint completed', async () => {
    // The templates above finish the tasks they are shown on: the sprint gets one left open.
    await d.json(['task', 'create', 'T-8', 'Left open', '--sprint', '1']);
    const i = await instructionsOf(['sprint', 'complete', '1'], 6);
    await runAsWritten('validation_failed:sprint', i);
    await d.json(['tasks', 'bulk-complete', 'T-8', '--force']);
    await runAsWritten(
      'sprint_completed',
      await instructionsOf(['sprint', 'complete', '1', '--summary', 'parser and lexer shipped, docs forced']),
    );
  });

  it('session ended, then session started (suggesting a real task, not a placeholder)', async () => {
    await d.json(['task', 'create', 'T-5', 'Next thing']);
    await runAsWritten('session_ended', await instructionsOf(['session', 'end', '--summary', 'done for today']));
    // session_ended ran `fragctl session start`; end it again to test the start template itself
    await d.json(['session', 'end']);
    const start = await instructionsOf(['session', 'start']);
    expect(start.suggested_commands).toEqual(['fragctl task activate T-5']);
    await runAsWritten('session_started', start);
  });

  it('for an agent, the commands carry --session and still run as written (no FRAGMENTS_ACTOR needed)', async () => {
    await d.json(['task', 'create', 'A-1', 'Agent work']);
    const start = await instructionsOf(['session', 'start', '--actor', 'agent-x']);
    const key = (await d.json(['session', 'list', '--status', 'active', '--actor', 'agent-x'])).body.sessions[0].key;
    expect(start.suggested_commands.every((c) => c.includes(`--session ${key}`))).toBe(true);
    await runAsWritten('agent:session_started', start);
    const failed = await instructionsOf(['task', 'complete', '--session', key], 6);
    expect(failed.templates!.some((t) => t.rendered === `fragctl update --session ${key} <update>`)).toBe(true);
    await runAsWritten('agent:validation_failed', failed);
    await runAsWritten('agent:session_ended', await instructionsOf(['session', 'end', '--session', key]));
  });

  it('validation failure with no session open: the fixes start one first', async () => {
    await d.json(['session', 'end']);
    await d.json(['task', 'create', 'T-6', 'Cold start']);
    const i = await instructionsOf(['task', 'complete', 'T-6'], 6);
    expect(i.suggested_commands.slice(0, 2)).toEqual(['fragctl session start', 'fragctl task activate T-6']);
    await runAsWritten('validation_failed:no_session', i);
    expect((await d.json(['task', 'show', 'T-6'])).body.task.status).toBe('completed');
  });

  it('covered every template', () => {
    expect([...covered].sort()).toEqual(
      [
        'agent:session_ended',
        'agent:session_started',
        'agent:validation_failed',
        'context_activated',
        'context_popped',
        'item_created:project',
        'item_created:sprint',
        'item_created:task',
        'item_changed:task',
        'item_changed:closed_task',
        'plan_imported',
        'progress',
        'recovery',
        'session_ended',
        'session_paused',
        'session_resumed',
        'session_started',
        'sprint_completed',
        'task_completed',
        'validation_failed:sprint',
        'validation_failed:task',
        'validation_failed:no_session',
      ].sort(),
    );
  });
});

describe('plain reads carry no instructions', () => {
  it.each([
    [['status']],
    [['task', 'list']],
    [['task', 'show', 'T-1']],
    [['validate', 'task', 'T-1']],
    [['validate', 'sprint', '1']],
    [['session', 'list']],
    [['context', 'show']],
  ])('%j', async (args) => {
    const r = await d.json(args);
    expect(r.body.error, JSON.stringify(r.body)).toBeUndefined();
    expect(r.body.instructions).toBeUndefined();
  });
});
