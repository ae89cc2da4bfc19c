// Eight agents, one plan (issue 12): eight real clients against one daemon work a 50-task
// plan with dependencies and priorities, each looping next --activate → updates → complete
// with its own words. From the claim and completion history: every task was claimed by
// exactly one agent, none was started before its dependencies completed, all completed,
// and no agent was ever pointed at a task it could not take.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependentPlan } from '../support/plans.js';
import type { FragClient } from '../../client/lib/client.js';
import { sleep, startDaemon, type TestDaemon } from '../support/daemon.js';

const AGENTS = 8;
const TASKS = 50;

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  const c = await d.client();
  await c.call('plan.import', {
    content: JSON.stringify(
      dependentPlan({
        prefix: 'W',
        tasks: TASKS,
        seed: 12,
        code: 'MANY',
        projectTitle: 'many agents',
        title: 'work item',
      }),
    ),
    filename: 'many.json',
    format: 'json',
  });
  c.close();
});
afterAll(() => d?.dispose());

interface Seen {
  agent: string;
  code: string;
  sent: number;
  received: number;
}

const SUGGESTED = /fragctl task activate(?: --session \S+)? (\S+)/;

describe('eight agents, one plan', () => {
  it('no task is done twice, none starts early, all complete, suggestions only name takeable tasks', async () => {
    const seen: Seen[] = [];
    const done: Record<string, string[]> = {};
    const agent = async (n: number) => {
      const actor = `agent${n}`;
      const c: FragClient = await d.client();
      done[actor] = [];
      const call = async <R>(f: () => Promise<R>, names: (r: R) => string[]): Promise<R> => {
        const sent = Date.now();
        const r = await f();
        const received = Date.now();
        for (const code of names(r)) seen.push({ agent: actor, code, sent, received });
        return r;
      };
      const fromInstructions = (r: { instructions?: { suggested_commands: string[] } }) =>
        (r.instructions?.suggested_commands ?? [])
          .map((cmd) => SUGGESTED.exec(cmd)?.[1])
          .filter((x): x is string => !!x);
      await call(() => c.call('session.start', { actor }), fromInstructions);
      for (let idle = 0; idle < 2000;) {
        const next = await call(
          () => c.call('task.next', { actor, activate: true }),
          (r) => [...fromInstructions(r), ...(r.activated ? [] : r.also_ready.map((t) => t.code))],
        );
        if (!next.task) {
          if (next.waiting.length === 0) break;
          idle++;
          await sleep(10);
          continue;
        }
        const code = next.task.code;
        await call(
          () => c.call('activity.update', { actor, message: `${actor} read the code around ${code}` }),
          fromInstructions,
        );
        await call(
          () => c.call('activity.update', { actor, message: `${actor} changed ${code} and ran its tests` }),
          fromInstructions,
        );
        await call(
          () => c.call('task.complete', { actor, summary: `${actor} finished ${code}: changed, tested and noted` }),
          fromInstructions,
        );
        done[actor].push(code);
      }
      await c.call('session.end', { actor });
      c.close();
    };
    await Promise.all(Array.from({ length: AGENTS }, (_, i) => agent(i + 1)));

    const db = new Database(d.paths.db, { readonly: true });
    try {
      const tasks = db
        .prepare<[], { id: number; code: string; status: string; completed_at: number | null }>(
          'SELECT id, code, status, completed_at FROM tasks',
        )
        .all();
      const byId = new Map(tasks.map((t) => [t.id, t]));
      const byCode = new Map(tasks.map((t) => [t.code, t]));
      // All completed, each by the agent that claimed it, and by one agent only.
      expect(tasks.filter((t) => t.status !== 'completed').map((t) => t.code)).toEqual([]);
      const claims = db
        .prepare<[], { task_id: number; actor: string; claimed_at: number; how: string }>(
          "SELECT task_id, actor, claimed_at, how FROM claims WHERE role = 'holder' ORDER BY id",
        )
        .all();
      const claimedBy = new Map<number, string[]>();
      for (const cl of claims) claimedBy.set(cl.task_id, [...(claimedBy.get(cl.task_id) ?? []), cl.actor]);
      expect(claimedBy.size).toBe(TASKS);
      for (const [id, actors] of claimedBy) expect(actors, byId.get(id)!.code).toHaveLength(1);
      expect(claims.every((cl) => cl.how === 'activate')).toBe(true);
      const completions = Object.values(done).flat();
      expect(completions.sort()).toEqual(tasks.map((t) => t.code).sort());
      // None started before its dependencies completed.
      const deps = db
        .prepare<[], { task_id: number; depends_on_id: number }>('SELECT task_id, depends_on_id FROM task_deps')
        .all();
      expect(deps.length).toBeGreaterThan(20);
      const claimAt = new Map(claims.map((cl) => [cl.task_id, cl.claimed_at]));
      for (const dep of deps) {
        expect(
          claimAt.get(dep.task_id)!,
          `${byId.get(dep.task_id)!.code} after ${byId.get(dep.depends_on_id)!.code}`,
        ).toBeGreaterThanOrEqual(byId.get(dep.depends_on_id)!.completed_at!);
      }
      // Every suggestion an agent got named a task it could take when the call ran: not held
      // by another agent for the whole call, and with no dependency completed after the answer.
      const holder = new Map(claims.map((cl) => [cl.task_id, cl]));
      expect(seen.length).toBeGreaterThanOrEqual(TASKS);
      for (const s of seen) {
        const t = byCode.get(s.code)!;
        const h = holder.get(t.id)!;
        const heldByOther = h.actor !== s.agent && h.claimed_at < s.sent && (t.completed_at ?? Infinity) > s.received;
        expect(heldByOther, `${s.agent} was pointed at ${s.code}, held by ${h.actor}`).toBe(false);
        for (const dep of deps.filter((x) => x.task_id === t.id)) {
          const depDone = byId.get(dep.depends_on_id)!.completed_at!;
          expect(depDone, `${s.agent} was pointed at ${s.code} before its dependency completed`).toBeLessThanOrEqual(
            s.received,
          );
        }
      }
    } finally {
      db.close();
    }
  }, 60_000);
});
