// "What next" is one function (DESIGN.md §6): `task.next`, and every next-task or
// next-sprint suggestion in instructions, come from `chooseNext`. A task is ready for a
// session when it is open (todo or in progress), top-level, in no closed sprint, not on
// the session's own stack, not held by another actor's live claim, and its dependencies
// are complete. Ready tasks are ordered: the session's sprint first, then priority, then
// plan order (creation order, which is the order of the plan file).
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { NextResult, ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { Call } from '../app.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { activateTask } from '../context/context.js';
import { instructionsFor } from '../instructions.js';
import { taskView } from '../views.js';
import { resolveOpenSession, reloadSession } from '../sessions/sessions.js';
import { heldByOthers, liveHolder, openDependencies, priorityName } from './claims.js';
import { findSprint } from './items.js';
import { remoteHolder } from '../../sync/mirror.js';
import { fragctl } from '../../../shared/command.js';

export interface NextChoice {
  task: TaskRow | null;
  why: string;
  ready: TaskRow[];
  waiting: { code: string; reason: string }[];
}

const sprintCode = (call: Call, id: number | null) =>
  id == null ? null : (call.app.sql.value<string>('SELECT code FROM sprints WHERE id = ?', id) ?? null);

/** The next task for session `s` (or for nobody in particular when null). */
export function chooseNext(call: Call, s: SessionRow | null, sprintId?: number | null): NextChoice {
  const { sql } = call.app;
  const stack = s ? parseStack(s) : [];
  const mine = new Set(stack.filter((f) => f.type === 'task' || f.type === 'subtask').map((f) => f.id));
  const preferred = sprintId ?? stack.find((f) => f.type === 'sprint')?.id ?? null;
  const held = heldByOthers(call, s);
  const open = sql.all<TaskRow & { blocked: number }>(
    `SELECT t.*, EXISTS (SELECT 1 FROM task_deps d JOIN tasks x ON x.id = d.depends_on_id
                          WHERE d.task_id = t.id AND x.status NOT IN ('completed','cancelled')) AS blocked
       FROM tasks t LEFT JOIN sprints sp ON sp.id = t.sprint_id
      WHERE t.parent_id IS NULL AND t.status IN ('todo','in_progress')
        AND (sp.id IS NULL OR sp.status NOT IN ('completed','cancelled'))
      ORDER BY (?1 IS NOT NULL AND t.sprint_id = ?1) DESC, t.priority, t.id`,
    preferred,
  );
  const ready: TaskRow[] = [];
  const waiting: { code: string; reason: string }[] = [];
  const yours: string[] = [];
  for (const t of open) {
    if (mine.has(t.id)) {
      yours.push(t.code);
      continue;
    }
    if (held.has(t.id)) {
      const h = liveHolder(call, t.id);
      const remote = h ? null : remoteHolder(sql, t.code);
      waiting.push({
        code: t.code,
        reason: h
          ? `held by ${h.session.actor} (${h.session.key})`
          : `held by ${remote?.actor ?? 'another actor'} on machine ${remote?.machine ?? '?'}`,
      });
    } else if (t.blocked) {
      waiting.push({ code: t.code, reason: `waits for ${openDependencies(call, t.id).join(', ')}` });
    } else {
      ready.push(t);
    }
  }
  const task = ready[0] ?? null;
  return { task, why: task ? whyChosen(call, task, preferred, ready.length) : whyNone(waiting, yours), ready, waiting };
}

function whyChosen(call: Call, t: TaskRow, preferred: number | null, count: number): string {
  const where =
    preferred != null && t.sprint_id === preferred
      ? `in your sprint ${sprintCode(call, preferred)}`
      : t.sprint_id != null
        ? `in sprint ${sprintCode(call, t.sprint_id)}${preferred != null ? ` (nothing is ready in ${sprintCode(call, preferred)})` : ''}`
        : 'in no sprint';
  const deps = call.app.sql.value<number>('SELECT count(*) FROM task_deps WHERE task_id = ?', t.id) ?? 0;
  return [
    `${t.code} is ${where}`,
    `${priorityName(t.priority)} priority`,
    `first in plan order of ${count} ready task${count === 1 ? '' : 's'}`,
    deps ? 'its dependencies are complete' : 'it has no dependencies',
    'nobody else holds it',
  ].join('; ');
}

// `waiting` empty means nothing will become ready later: fragctl's exit code for
// `next --activate` (docs/claims.md) is decided on it, so it must list every open task
// another session could still free or unblock.
const whyNone = (waiting: { code: string; reason: string }[], yours: string[]) =>
  waiting.length
    ? `no task is ready for you: ${waiting.length} open task${waiting.length === 1 ? ' waits' : 's wait'} (held by another actor or for dependencies)`
    : yours.length
      ? `no other open task is left (yours: ${yours.join(', ')})`
      : 'no open task is left';

/**
 * The params of `task.next` as its handler gets them: with team sync on, the preparer has
 * already chosen the task and had the team store grant it (daemon/sync/claims.ts).
 */
export type NextParams = ParsedParamsOf<'task.next'> & {
  /** The task the team store granted; null when, with sync on, no ready task could be granted. */
  granted?: string | null;
};

/** `task.next`: the choice, and with `activate` its claim, in the call's one write transaction. */
export function nextTask(call: Call, p: NextParams): NextResult {
  let s: SessionRow | null = null;
  try {
    s = resolveOpenSession(call, p);
  } catch (err) {
    if (p.activate || !(err instanceof FragError) || err.code !== ErrorCode.NoActiveSession) throw err;
  }
  const sprintId = p.sprint ? findSprint(call, p.sprint).id : undefined;
  const choice = chooseNext(call, s, sprintId);
  if (p.granted === null && p.activate) {
    // Team sync: every ready task is being granted to another call here right now.
    // They are still open work that may come back: they wait, so the caller tries again.
    choice.waiting = [
      ...choice.ready.map((t) => ({ code: t.code, reason: 'being claimed by another session on this machine' })),
      ...choice.waiting,
    ];
    choice.ready = [];
    choice.task = null;
    choice.why = 'no task is ready for you: the ready ones are being claimed by other sessions on this machine';
  } else if (p.granted !== undefined && p.activate) {
    // Chosen before the team store's answer; this machine's sessions may have moved since.
    const granted = choice.ready.find((t) => t.code === p.granted);
    if (!granted) {
      throw new FragError(
        ErrorCode.Conflict,
        `${p.granted} was chosen and granted by the team store, but is no longer ready here (another session took it or it changed); nothing was activated`,
        { error: 'conflict', task: p.granted, hint: `run it again: ${fragctl('next', '--activate')}` },
      );
    }
    if (granted !== choice.task) {
      choice.ready = [granted, ...choice.ready.filter((t) => t !== granted)];
      choice.task = granted;
      choice.why = whyChosen(call, granted, sprintId ?? null, choice.ready.length);
    }
  }
  const base = {
    task: choice.task ? taskView(call.app.sql, choice.task) : null,
    why: choice.why,
    also_ready: choice.ready.slice(1, 11).map((t) => ({
      code: t.code,
      title: t.title,
      priority: priorityName(t.priority),
      sprint: sprintCode(call, t.sprint_id),
    })),
    waiting: choice.waiting.slice(0, 20),
    session: s?.key ?? null,
  };
  if (p.activate && choice.task && s) {
    // Commands run one at a time in the daemon's write queue: nobody can claim the task
    // between the choice above and this activation.
    const r = activateTask(call, { session: s.key, code: choice.task.code, source: p.source });
    return {
      ...base,
      task: r.task,
      activated: true,
      stack: r.stack,
      instructions: r.instructions,
    };
  }
  const after = s ? reloadSession(call, s) : null;
  return { ...base, activated: false, instructions: instructionsFor(call, 'next_suggested', after) };
}
