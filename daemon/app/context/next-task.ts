// `task.next` as a command: the one "what next" choice (work/next.ts) and, with `activate`,
// its activation on the caller's stack in the same write transaction.
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { NextResult, ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { fragctl } from '../../../shared/command.js';
import type { Call } from '../app.js';
import type { SessionRow } from '../rows.js';
import { instructionsFor } from '../answers.js';
import { resolveOpenSession } from '../sessions/lookup.js';
import { findSprint } from '../work/lookup.js';
import { chooseNext, sprintCode, whyChosen } from '../work/next.js';
import { priorityName } from '../work/claims.js';
import { taskView } from '../work/views.js';
import { activateTask } from './context.js';

/**
 * The params of `task.next` as its handler gets them: with team sync on, the preparer has
 * already chosen the task and had the team store grant it (daemon/app/team/claims.ts).
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
  // The answer shows the first ready task and ten more: a walk of 11 ready ones is enough,
  // unless the team store granted a task chosen earlier, which must be found among all.
  const choice = chooseNext(call, s, sprintId, p.granted === undefined ? 11 : Infinity);
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
      choice.why = whyChosen(call, granted, sprintId ?? null, choice.ready.length, choice.more_ready);
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
    const r = activateTask(call, { session: s.key, code: choice.task.code, source: p.source, repo: p.repo });
    return {
      ...base,
      task: r.task,
      activated: true,
      stack: r.stack,
      ...(r.reservations ? { reservations: r.reservations } : {}),
      instructions: r.instructions,
    };
  }
  return { ...base, activated: false, instructions: instructionsFor(call, 'next_suggested', s) };
}
