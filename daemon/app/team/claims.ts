// Claims across machines: before a task is activated here, the team store must grant it
// (daemon/sync/syncer.ts claim()). This file is the seam between the activation methods
// and the syncer: who would hold the task (from the call's target, resolved as the
// handler will), and what this machine's sessions hold now (for reconciliation).
import type { App } from '../app.js';
import { newCall } from '../app.js';
import { resolveOpenSession } from '../sessions/lookup.js';
import type { Sql } from '../../store/sql.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import { fragctl } from '../../../shared/command.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { Prepared, Settle } from '../app.js';
import type { RemoteTakenFrom } from '../work/claims.js';
import { placeOf } from '../agents/repo.js';
import { eventKind } from '../agents/events.js';
import { chooseNext } from '../work/next.js';
import type { NextParams } from '../context/next-task.js';
import { findSprint } from '../work/lookup.js';
import { teamStoreUnreachable } from '../../sync/errors.js';
import type { LocalHold } from '../../sync/syncer.js';

/**
 * The tasks this machine's open sessions hold in the team store's sense: the top-level
 * task frames of their stacks (a claim is on the top-level task, and a subtask's lineage
 * always puts its task on the stack too). Joined sessions and local take-overs need no
 * entry of their own: between sessions of one machine the local claims decide.
 */
export function localHolds(sql: Sql): LocalHold[] {
  const rows = sql.all<{ key: string; actor: string; stack: string }>(
    // In session order (the open-sessions index would otherwise hand them out by actor).
    "SELECT key, actor, stack FROM sessions WHERE status IN ('active','paused') AND stack <> '[]' ORDER BY id",
  );
  const out: LocalHold[] = [];
  for (const r of rows) {
    for (const f of JSON.parse(r.stack) as { type: string; code: string }[]) {
      if (f.type === 'task') out.push({ task: f.code, actor: r.actor, session: r.key });
    }
  }
  return out;
}

/** The task a claim is on: a subtask's claim is its top-level task's. */
function claimedCode(app: App, code: string): string | null {
  const t = app.sql.get<{ code: string; parent_id: number | null }>(
    'SELECT code, parent_id FROM tasks WHERE code = ?',
    code,
  );
  if (!t) return null;
  return t.parent_id == null
    ? t.code
    : (app.sql.value<string>('SELECT code FROM tasks WHERE id = ?', t.parent_id) ?? null);
}

/**
 * The preparer of the explicit activations (task.activate, context.push of a task): with
 * sync on, the team store grants the claim first, or the call is refused with why. Returns
 * how to settle the grant once the local write has committed or failed. A call whose
 * session or task cannot be resolved is left to the handler, which refuses it as usual.
 */
export async function claimBeforeActivate<P extends ActivationParams>(app: App, p: P): Promise<Prepared<P> | void> {
  const syncer = app.syncer;
  if (!syncer) return;
  let session;
  try {
    session = resolveOpenSession(newCall(app), p);
  } catch {
    return;
  }
  const code = claimedCode(app, p.code);
  if (!code) return;
  const got = await syncer.claim({ task: code, actor: session.actor, session: session.key }, p.take_over === true);
  if (!got.takenFrom) return got.settle;
  const { machine, actor, session_key } = got.takenFrom;
  // The handler records whom it was taken from (claimTask), as it does for a local holder.
  const params: P = { ...p, taken_from: { machine, actor, session: session_key } };
  return { params, settle: got.settle };
}

interface ActivationParams {
  code: string;
  session?: string;
  actor?: string;
  take_over?: boolean;
  /** Set by the preparer when the team store moved the claim from another machine to this one. */
  taken_from?: RemoteTakenFrom;
}

/**
 * `task.next --activate` with sync on: the choice is made here, and the team store asked
 * for it, before the write; a task another machine holds is noted and the next choice
 * asked for, up to a few times. The handler then activates the granted task (its params
 * carry it). With nothing ready the handler answers as without sync.
 */
export async function grantNextChoice(app: App, p: ParsedParamsOf<'task.next'>): Promise<Prepared<NextParams> | void> {
  const syncer = app.syncer;
  if (!syncer || !p.activate) return;
  const call = newCall(app);
  let session;
  let sprintId: number | undefined;
  try {
    session = resolveOpenSession(call, p);
    sprintId = p.sprint ? findSprint(call, p.sprint).id : undefined;
  } catch {
    return;
  }
  for (let attempt = 0; attempt < NEXT_GRANT_ATTEMPTS; attempt++) {
    // Passed by: what another call here is being granted right now (its write comes next).
    const task = chooseNext(call, session, sprintId).ready.find((t) => !syncer.granted(t.code));
    if (!task) return { params: { ...p, granted: null } satisfies NextParams };
    const got = await syncer.grant({ task: task.code, actor: session.actor, session: session.key });
    if (got.outcome === 'unreachable') throw teamStoreUnreachable(task.code, got.message);
    if (got.outcome === 'granted')
      return { params: { ...p, granted: task.code } satisfies NextParams, settle: got.settle };
    // Held on another machine, or closed there (completed, not pulled here yet): the mirror has it now, so the next choice passes it by.
  }
  throw new FragError(
    ErrorCode.Conflict,
    `the first ${NEXT_GRANT_ATTEMPTS} tasks fragd chose are held on other machines; try again in a moment`,
    { error: 'conflict', hint: `${fragctl('sync', 'status')} shows how fresh this machine's view of the team is` },
  );
}

/** How many choices `next --activate` asks the team store for before it gives up. */
const NEXT_GRANT_ATTEMPTS = 50;

/**
 * Agents' branch mapping with sync on: the tasks the hook events about to be applied would
 * activate (their repository and branch) are asked for first. A grant lets the activation
 * through; a holder elsewhere lands in the mirror, so the activation is refused and
 * recorded in the session (the event itself is still recorded); an unreachable store grants
 * nothing, which refuses the activation the same way.
 */
export async function grantAgentPlaces(
  app: App,
  events: () => { agent: string; event: string; cwd: string | null }[],
): Promise<Settle | void> {
  const syncer = app.syncer;
  if (!syncer) return;
  const settles: Settle[] = [];
  const asked = new Set<string>();
  for (const e of events()) {
    // Only these apply a repository's place (daemon/app/agents/agents.ts).
    const kind = eventKind(e.agent, e.event);
    if (kind !== 'start' && kind !== 'prompt') continue;
    const place = placeOf(e.cwd, app.config);
    const code = place.task ? claimedCode(app, place.task) : null;
    if (!code || asked.has(code.toLowerCase())) continue;
    asked.add(code.toLowerCase());
    const got = await syncer.grant({ task: code, actor: app.config.agents.actors[e.agent] ?? e.agent, session: null });
    if (got.outcome === 'granted') settles.push(got.settle);
  }
  if (settles.length) return (ok) => settles.forEach((settle) => settle(ok));
}

/**
 * The last line of defence, in the one claim function: with sync on, a task is claimed here
 * only while the team store's grant for it is in hand. A path that activates a task without
 * asking first is refused rather than allowed to double-book it.
 */
