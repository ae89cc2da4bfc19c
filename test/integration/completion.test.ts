// Completion gates through real fragctl processes (no terminal: nothing prompts) against a
// real daemon: refusals exit 6 and carry what is missing, --force is logged with what it
// overrode, bulk is all or nothing, sprints close only when their tasks are closed.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, TestDaemon, tempHome, type TestDaemon as D } from '../support/daemon.js';

let d: D;
beforeAll(async () => {
  d = await startDaemon();
  for (const args of [
    ['project', 'create', 'P', 'Product'],
    ['sprint', 'create', '1', 'First', '--project', 'P'],
    ['task', 'create', 'T-1', 'Parser', '--sprint', '1', '--estimate', '90'],
    ['task', 'create', 'T-2', 'Lexer', '--sprint', '1'],
    ['task', 'create', 'T-3', 'Docs', '--sprint', '1'],
    ['task', 'create', 'T-4', 'Examples', '--sprint', '1'],
    ['task', 'create', 'T-1a', 'Parser errors', '--parent', 'T-1'],
    ['session', 'start'],
  ]) {
    const r = await d.json(args);
    expect(r.code, args.join(' ')).toBe(0);
  }
  // A daemon and eight fragctl processes one after another: past 30 s on a loaded machine.
}, 60_000);
afterAll(() => d.dispose());

const history = async () =>
  (await d.json(['session', 'history'])).body.activities as { kind: string; message: string; data: any }[];

describe('task completion gate', () => {
  it('refuses a half-done task with exit 6, the checklist, required actions and instructions; nothing changes', async () => {
    await d.json(['task', 'activate', 'T-1']);
    const r = await d.json(['done', 'too short']);
    expect(r.code).toBe(6);
    const data = r.body.error.data;
    expect(r.body.error.code).toBe(-32004);
    expect(data.error).toBe('validation_failed');
    expect(data.validation.valid).toBe(false);
    // 'time' is not met under a second, a warning (the machine may take longer between calls).
    expect(data.validation.checklist.filter((c: any) => !c.done && c.rule !== 'time').map((c: any) => c.rule)).toEqual([
      'summary',
      'updates',
      'subtasks',
      'estimate',
    ]);
    expect(data.required_actions.length).toBe(3);
    expect(data.instructions.required_actions).toEqual(data.required_actions);
    expect(data.instructions.validation_errors).toEqual(data.validation.errors);
    const shown = await d.json(['task', 'show', 'T-1']);
    expect(shown.body.task).toMatchObject({ status: 'in_progress', summary: null });
    expect((await d.json(['context', 'show'])).body.stack.map((f: any) => f.code)).toEqual(['P', 'SPRINT-1', 'T-1']);
  });

  it('prints the required actions and fix commands in text mode too', async () => {
    const r = await d.fragctl(['done', 'too short']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/cannot be completed/);
    expect(r.stderr).toMatch(/required:/);
    expect(r.stderr).toMatch(/\$ fragctl update/);
  });

  it('validate shows the checklist and exits 6 while not ready, 0 once ready', async () => {
    const text = await d.fragctl(['validate', 'task']);
    expect(text.code).toBe(6);
    expect(text.stdout).toMatch(/✗ summary/);
    expect(text.stdout).toMatch(/✓ time tracked/);
    const sub = await d.json(['validate', 'task', 'T-1a']);
    expect(sub.code).toBe(6);
    expect(sub.body.validation.checklist.find((c: any) => c.rule === 'status').detail).toMatch(/never started/);
    expect(sub.body.instructions).toBeUndefined(); // a plain read carries none
  });

  it('task deactivate --complete goes through the same gate', async () => {
    await d.json(['task', 'activate', 'T-1a']);
    await d.json(['update', 'error type hierarchy']);
    const blocked = await d.json(['task', 'deactivate', '--complete', '--summary', 'parser errors carry spans now']);
    expect(blocked.code).toBe(6);
    expect(blocked.body.error.data.validation.errors).toEqual(['context updates: 1 of at least 2']);
    expect((await d.json(['context', 'show'])).body.stack.map((f: any) => f.code)).toEqual([
      'P',
      'SPRINT-1',
      'T-1',
      'T-1a',
    ]);
    await d.json(['update', 'spans on every error']);
    const ok = await d.json(['task', 'deactivate', '--complete', '--summary', 'parser errors carry spans now']);
    expect(ok.code).toBe(0);
    expect(ok.body.task).toMatchObject({ code: 'T-1a', status: 'completed', summary: 'parser errors carry spans now' });
    expect(ok.body.validation.valid).toBe(true);
    expect(ok.body.stack.map((f: any) => f.code)).toEqual(['P', 'SPRINT-1', 'T-1']);
  });

  it('done sets the summary, validates, completes and pops', async () => {
    const r = await d.json(['done', 'recursive descent parser with error recovery']);
    expect(r.code).toBe(0);
    expect(r.body.task).toMatchObject({
      code: 'T-1',
      status: 'completed',
      summary: 'recursive descent parser with error recovery',
    });
    expect(r.body.stack.map((f: any) => f.code)).toEqual(['P', 'SPRINT-1']);
    expect(r.body.forced_over).toEqual([]);
    // estimate 90 min, a few seconds spent: a warning and an estimate check, never a block
    expect(r.body.validation.warnings[0]).toMatch(/estimate vs actual/);
    expect(r.body.estimate_check).toMatchObject({ task: 'T-1', estimate_minutes: 90, needs_new_estimate: true });
    expect(r.body.instructions.suggested_commands).toContain('fragctl task activate T-2');
    const acts = await history();
    expect(acts.filter((a) => a.kind === 'task.complete').map((a) => a.data.code)).toEqual(['T-1a', 'T-1']);
    const again = await d.json(['task', 'complete', 'T-1', '--summary', 'once more with feeling, please']);
    expect(again.code).toBe(6);
    expect(again.body.error.data.validation.errors[0]).toMatch(/already completed/);
  });

  it('--force completes anyway and logs the errors it overrode', async () => {
    await d.json(['task', 'activate', 'T-2']);
    const r = await d.json(['task', 'complete', 'T-2', '--force']);
    expect(r.code).toBe(0);
    expect(r.body.task.status).toBe('completed');
    expect(r.body.forced_over).toEqual([
      'summary: no summary (need at least 20 characters)',
      'context updates: 0 of at least 2',
    ]);
    const forced = (await history()).filter((a) => a.kind === 'task.force_complete');
    expect(forced).toHaveLength(1);
    expect(forced[0].data.overridden).toEqual(r.body.forced_over);
    expect(forced[0].data.code).toBe('T-2');
  });

  it('an unknown task or no active task is a clear error, not a crash', async () => {
    expect((await d.json(['task', 'complete', 'NOPE'])).code).toBe(4);
    const none = await d.json(['done', 'nothing is active right now, so no']);
    expect(none.code).toBe(5);
    expect(none.body.error.message).toMatch(/no task is active/);
  });
});

describe('bulk completion', () => {
  it('is all or nothing: one blocked task blocks the batch and each blocked task is listed', async () => {
    const r = await d.json(['tasks', 'bulk-complete', 'T-3,T-4', '--summary', 'written and reviewed by the team']);
    expect(r.code).toBe(6);
    expect(r.body.error.data.blocked.map((b: any) => b.code)).toEqual(['T-3', 'T-4']);
    expect(r.body.error.message).toMatch(/nothing was changed/);
    expect((await d.json(['task', 'show', 'T-3'])).body.task.status).toBe('todo');
  });

  it('completes with per-entry force through the client, and with --force from fragctl', async () => {
    const c = await d.client();
    try {
      await expect(
        c.call('tasks.bulk_complete', { codes: ['T-3', { code: 'T-4', force: true }] }),
      ).rejects.toMatchObject({ code: -32004, data: { codes: ['T-3'] } });
    } finally {
      c.close();
    }
    const r = await d.json([
      'tasks',
      'bulk-complete',
      'T-3,T-4',
      '--force',
      '--summary',
      'written and reviewed by the team',
    ]);
    expect(r.code).toBe(0);
    expect(r.body.completed.map((t: any) => t.code)).toEqual(['T-3', 'T-4']);
    expect(r.body.forced).toEqual(['T-3', 'T-4']);
    expect((await history()).filter((a) => a.kind === 'task.force_complete').map((a) => a.data.code)).toEqual([
      'T-2',
      'T-3',
      'T-4',
    ]);
  });

  it('rejects a task listed twice', async () => {
    const r = await d.json(['tasks', 'bulk-complete', 'T-3,t-3', '--force']);
    expect(r.code).toBe(5);
  });
});

describe('sprint completion, artifacts and the session report', () => {
  it('needs a summary or retrospective; deliverables are a warning an artifact satisfies', async () => {
    const v = await d.json(['validate', 'sprint']);
    expect(v.code).toBe(6);
    expect(v.body.validation.errors).toEqual(['summary or retrospective: neither (need at least 20 characters)']);
    expect(v.body.validation.warnings[0]).toMatch(/no deliverables/);
    const blocked = await d.json(['sprint', 'complete']);
    expect(blocked.code).toBe(6);
    expect(blocked.body.error.data.what).toBe('sprint');
    const art = await d.json(['artifact', 'add', 'docs/parser.md', '--note', 'design notes']);
    expect(art.code).toBe(0);
    expect(art.body.artifact.path).toMatch(/^\/.*docs\/parser\.md$/);
    expect(art.body.artifact.sprint).toBe('SPRINT-1');
    // Over the protocol a relative path is refused: it would mean nothing later.
    const c = await d.client();
    const rel = await c.call('artifact.add', { path: 'docs/parser.md' }).catch((e) => e);
    expect(rel.code).toBe(-32602);
    expect(rel.message).toMatch(/absolute path or a URL/);
    c.close();
    // Deliverables are noted; what is left is the one warning that no next sprint is planned (issue 26).
    const warned = (await d.json(['validate', 'sprint', '1'])).body.validation.warnings;
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^next sprint planned: no other planned or active sprint: plan the next one/);
    const done = await d.json(['sprint', 'complete', '--retrospective', 'parser shipped; docs were rushed']);
    expect(done.code).toBe(0);
    expect(done.body.sprint).toMatchObject({
      code: 'SPRINT-1',
      status: 'completed',
      retrospective: 'parser shipped; docs were rushed',
    });
    expect((await d.json(['context', 'show'])).body.stack.map((f: any) => f.code)).toEqual(['P']);
  });

  it('a sprint with open tasks is refused with the open tasks named', async () => {
    await d.json(['sprint', 'create', '2', 'Second', '--project', 'P']);
    await d.json(['task', 'create', 'T-9', 'Later', '--sprint', '2']);
    const r = await d.json(['sprint', 'complete', '2', '--summary', 'we did not get to it at all']);
    expect(r.code).toBe(6);
    expect(r.body.error.data.validation.details.open_tasks).toEqual(['T-9']);
  });

  it('session end reports duration, tasks completed with their time, updates, notes, artifacts and open contexts', async () => {
    await d.json(['task', 'activate', 'T-9']);
    await d.json(['note', 'left for tomorrow']);
    const live = await d.fragctl(['session', 'report']);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/✓ T-1 /);
    expect(live.stdout).toMatch(/warning: task T-9 “Later” was left open/);
    expect((await d.json(['session', 'report'])).body.instructions).toBeUndefined();
    const r = await d.json(['session', 'end', '--summary', 'parser sprint closed']);
    expect(r.code).toBe(0);
    const rep = r.body.report;
    expect(rep.tasks_completed.map((t: any) => t.code)).toEqual(['T-1a', 'T-1', 'T-2', 'T-3', 'T-4']);
    expect(rep.tasks_completed.find((t: any) => t.code === 'T-1').seconds).toBeGreaterThanOrEqual(
      rep.tasks_completed.find((t: any) => t.code === 'T-1a').seconds,
    );
    expect(rep.tasks_completed.filter((t: any) => t.forced).map((t: any) => t.code)).toEqual(['T-2', 'T-3', 'T-4']);
    expect(rep.updates).toBe(2);
    expect(rep.notes).toBe(2); // the deactivate --summary note and 'left for tomorrow'
    expect(rep.artifacts).toHaveLength(1);
    expect(rep.artifacts[0]).toMatchObject({ note: 'design notes' });
    expect(rep.warnings.join('\n')).toMatch(/task T-9 “Later” was left open/);
    expect(rep.duration_seconds).toBeGreaterThanOrEqual(rep.active_seconds);
    expect(r.body.instructions.suggested_commands).toEqual(['fragctl session start']);
  });
});

describe('session start suggestions (daemon on a test clock)', () => {
  it('suggests in-progress tasks with “last worked 2 hours ago” and sprint progress “3 of 5 tasks”', async () => {
    const T0 = Date.parse('2026-03-10T08:00:00Z');
    const t = await new TestDaemon(tempHome(), { FRAGD_TEST_CLOCK: String(T0) }).start();
    try {
      const c = await t.client();
      await c.call('sprint.create', { code: '1', title: 'S' });
      for (const code of ['A', 'B', 'C', 'D', 'E'])
        await c.call('task.create', { code, title: `task ${code}`, sprint: '1' });
      await c.call('session.start', {});
      await c.call('tasks.bulk_complete', { codes: ['A', 'B', 'C'], force: true });
      await c.call('task.activate', { code: 'D' });
      await c.call('activity.update', { message: 'half way' });
      await c.call('session.end', {});
      await c.call('debug.clock', { advance_ms: 2 * 3600_000 + 5 * 60_000 });
      c.close();
      const r = await t.json(['session', 'start']);
      expect(r.body.suggestions.tasks[0]).toMatchObject({
        code: 'D',
        last_worked: 'last worked 2 hours ago',
        command: 'fragctl task activate D',
      });
      expect(r.body.suggestions.sprints[0]).toMatchObject({ code: 'SPRINT-1', progress: '3 of 5 tasks' });
      expect(r.body.instructions.suggested_commands).toEqual(['fragctl task activate D']);
      const text = await t.fragctl(['session', 'status']);
      expect(text.code).toBe(0);
    } finally {
      await t.dispose();
    }
  });
});

describe('no way around the gate', () => {
  it('task edit --status completed and sprint edit --status completed are gated too; --force is recorded', async () => {
    await d.json(['task', 'create', 'X-1', 'Edited closed']);
    const task = await d.json(['task', 'edit', 'X-1', '--status', 'completed']);
    expect(task.code).toBe(6);
    expect(task.body.error.data.validation.errors.join('\n')).toMatch(/never started/);
    expect((await d.json(['task', 'show', 'X-1'])).body.task.status).toBe('todo');
    const forced = await d.json(['task', 'edit', 'X-1', '--status', 'completed', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.body.task.status).toBe('completed');
    const sprint = await d.json(['sprint', 'edit', '2', '--status', 'completed']);
    expect(sprint.code).toBe(6);
    expect(sprint.body.error.data.what).toBe('sprint');
    // outside a session, the force row is filed under the task itself
    const db = new Database(d.paths.db, { readonly: true });
    try {
      const row = db
        .prepare(
          "SELECT a.data, t.code FROM activities a JOIN tasks t ON t.id = a.task_id WHERE a.kind = 'task.force_complete' AND t.code = 'X-1'",
        )
        .get() as { data: string } | undefined;
      expect(JSON.parse(row!.data).overridden.join('\n')).toMatch(/never started/);
    } finally {
      db.close();
    }
  });
});
