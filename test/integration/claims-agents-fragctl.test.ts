// Eight agents, one plan, the way agents really work it: every step is a real `fragctl`
// process with the agent's own FRAGMENTS_SESSION (claims-agents.test.ts runs the same
// plan shape through eight client-library clients in one process). Each agent loops
// `next --activate` → two updates in its own words (filled into fragd's update template) →
// `done` with its own summary, until `next --activate` exits 9 (nothing left); exit 8
// (nothing ready yet) makes it wait and ask again. Every suggested command it is shown it
// runs word for word through /bin/sh. From the database afterwards: every task completed
// exactly once, none started before its dependencies completed, no task ever held by two
// agents, and `report --by actor` equal to the intervals.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependentPlan } from '../support/plans.js';
import { commandLine } from '../../shared/command.js';
import { FRAGCTL, runProcess, sleep, startDaemon, type RunResult, type TestDaemon } from '../support/daemon.js';

const AGENTS = 8;
/**
 * Sixteen tasks (there were 24): each is still worked by one of eight processes at a time,
 * the plan's dependency chains are still seven deep (ten dependencies), and the size of the
 * plan is claims-agents.test.ts's subject (50 tasks through the client library), not this one's.
 */
const TASKS = 16;
/** fragctl's exit codes for `next --activate` that activated nothing (docs/claims.md). */
const NOTHING_READY = 8;
const NOTHING_LEFT = 9;

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  const file = join(d.home, 'plan.json');
  writeFileSync(
    file,
    JSON.stringify(
      dependentPlan({
        prefix: 'F',
        tasks: TASKS,
        seed: 20,
        code: 'CLI',
        projectTitle: 'agents on the command line',
        title: 'fragctl work item',
      }),
    ),
  );
  const imported = await d.json(['import', file]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.body.tasks).toBe(TASKS);
});
afterAll(() => d?.dispose());

/** A suggested command run as a shell runs it: `fragctl` is a function calling the built CLI. */
function shell(line: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runProcess('/bin/sh', ['-c', `fragctl() { "$FRAGD_TEST_NODE" "$FRAGD_TEST_FRAGCTL" "$@"; }\n${line}`], {
    ...d.env,
    ...env,
    FRAGD_TEST_NODE: process.execPath,
    FRAGD_TEST_FRAGCTL: FRAGCTL,
  });
}

interface Instructions {
  suggested_commands: string[];
  templates?: { template: string[]; holes: Record<string, string> }[];
}

/** A suggested command an agent ran word for word, and how it went. */
interface Ran {
  agent: string;
  command: string;
  code: number;
  output: string;
  /** For an activation refused because another agent claimed the task first: who, and when. */
  lostTo?: { actor: string; since: number };
  /** The daemon's time of the answer that suggested it (a claim after it is a lost race, not a bad suggestion). */
  suggestedAt: number;
}

const ACTIVATE = /^fragctl task activate(?: --session \S+)? (\S+)$/;

describe('eight fragctl agents, one plan', () => {
  it('each task completed once, none before its dependencies, never held twice; suggestions work; report equals intervals', async () => {
    const ran: Ran[] = [];
    const done: Record<string, string[]> = {};
    const unrun: string[] = [];

    const agent = async (n: number) => {
      const actor = `agent${n}`;
      const env: NodeJS.ProcessEnv = {};
      const fr = async (args: string[]) => {
        const r = await d.fragctl([...args, '--json'], { env });
        let body: any;
        try {
          body = JSON.parse(r.stdout);
        } catch {
          throw new Error(
            `${actor}: fragctl ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`,
          );
        }
        return { code: r.code, body, stderr: r.stderr };
      };
      /** Runs a suggested command word for word (once per agent for reads; activations each time). */
      const seenReads = new Set<string>();
      const follow = async (command: string, suggestedAt: number) => {
        const r = await shell(`${command} --json`, env);
        const entry: Ran = { agent: actor, command, code: r.code, output: r.stdout + r.stderr, suggestedAt };
        let body: any = null;
        try {
          body = JSON.parse(r.stdout);
        } catch {
          body = null;
        }
        const holder = body?.error?.data?.holder;
        if (r.code !== 0 && body?.error?.data?.error === 'task_claimed' && holder)
          entry.lostTo = { actor: holder.actor, since: Date.parse(holder.since) };
        ran.push(entry);
        return { code: r.code, body };
      };
      /** Reads run now; an activation is returned for the agent to take when it is free. */
      const suggestions = async (i: Instructions | undefined, at: number) => {
        let activate: { command: string; at: number } | null = null;
        for (const command of i?.suggested_commands ?? []) {
          if (ACTIVATE.test(command)) activate = { command, at };
          else if (!seenReads.has(command)) {
            seenReads.add(command);
            await follow(command, at);
          }
        }
        return activate;
      };
      /** fragd's update template (from `i`) with the hole filled with the agent's own words, run through the shell. */
      const update = async (i: Instructions | undefined, words: string) => {
        const t = i?.templates?.find((x) => x.template[1] === 'update');
        expect(t, `${actor}: no update template in ${JSON.stringify(i)}`).toBeTruthy();
        const argv = t!.template.map((w) => (w === '{update}' ? words : w));
        const r = await shell(`${commandLine(argv)} --json`, env);
        expect(r.code, `${actor}: ${commandLine(argv)}: ${r.stdout}${r.stderr}`).toBe(0);
        return (JSON.parse(r.stdout) as { instructions: Instructions }).instructions;
      };

      done[actor] = [];
      const start = await fr(['session', 'start', '--actor', actor]);
      expect(start.code, JSON.stringify(start.body)).toBe(0);
      env.FRAGMENTS_SESSION = start.body.session.key;
      let offered = await suggestions(start.body.instructions, Date.parse(start.body.session.started_at));
      for (let waits = 0; ;) {
        // Free: take the task fragd suggested, else ask `next --activate`.
        let task: string | null = null;
        let instructions: Instructions | undefined;
        if (offered) {
          const r = await follow(offered.command, offered.at);
          if (r.code === 0) {
            task = r.body.task.code;
            instructions = r.body.instructions;
          }
          offered = null;
        }
        if (!task) {
          const next = await fr(['next', '--activate']);
          if (next.code === NOTHING_LEFT) {
            expect(next.body.task).toBeNull();
            expect(next.body.waiting).toEqual([]);
            break;
          }
          if (next.code === NOTHING_READY) {
            expect(next.body.task).toBeNull();
            expect(next.body.waiting.length).toBeGreaterThan(0);
            expect(++waits, `${actor} waited too often`).toBeLessThan(400);
            expect(
              await suggestions(next.body.instructions, 0),
              `${actor}: told to activate with nothing ready`,
            ).toBeNull();
            // Others are working on what it waits for: ask again in a while.
            await sleep(500 + Math.floor(Math.random() * 500));
            continue;
          }
          expect(next.code, `${actor}: next --activate: ${JSON.stringify(next.body)}`).toBe(0);
          expect(next.body.activated).toBe(true);
          task = next.body.task.code as string;
          instructions = next.body.instructions;
        }
        const code = task;
        const busy = `${actor}: told to activate another task while on ${code}`;
        expect(await suggestions(instructions, 0), busy).toBeNull();
        // The update template comes with the activation; the agent keeps it for its updates.
        const first = await update(instructions, `${actor} read the code around ${code} and made a plan`);
        expect(await suggestions(first, 0), busy).toBeNull();
        const second = await update(instructions, `${actor} changed ${code}, its tests pass now`);
        expect(await suggestions(second, 0), busy).toBeNull();
        const fin = await fr(['done', `${actor} finished ${code}: changed it, tested it, nothing left over`]);
        expect(fin.code, `${actor}: done ${code}: ${JSON.stringify(fin.body)}`).toBe(0);
        expect(fin.body.task.status).toBe('completed');
        done[actor].push(code);
        const at = Date.parse(fin.body.task.completed_at);
        offered = await suggestions(fin.body.instructions, at);
      }
      const end = await fr(['session', 'end']);
      expect(end.code, JSON.stringify(end.body)).toBe(0);
      // The agent is finished: what it is told after its session ended is not run (it
      // would start a new session), only recorded.
      unrun.push(...((end.body.instructions as Instructions).suggested_commands ?? []));
    };
    await Promise.all(Array.from({ length: AGENTS }, (_, i) => agent(i + 1)));

    // Every suggested command an agent ran word for word worked, or was an activation that
    // lost the task to another agent who claimed it after fragd made the suggestion.
    expect(ran.length).toBeGreaterThan(AGENTS);
    for (const r of ran) {
      if (r.code === 0) continue;
      expect(r.lostTo, `${r.agent}: ${r.command} failed (exit ${r.code}): ${r.output}`).toBeTruthy();
      expect(r.lostTo!.actor).not.toBe(r.agent);
      expect(r.lostTo!.since, `${r.agent}: ${r.command} named a task already held`).toBeGreaterThanOrEqual(
        r.suggestedAt,
      );
    }
    expect(ran.filter((r) => ACTIVATE.test(r.command) && r.code === 0).length).toBeGreaterThan(0);
    expect(
      unrun.every((c) => /^fragctl session start --actor agent\d$/.test(c)),
      unrun.join('\n'),
    ).toBe(true);

    const db = new Database(d.paths.db, { readonly: true });
    try {
      const tasks = db
        .prepare<[], { id: number; code: string; status: string; completed_at: number | null }>(
          'SELECT id, code, status, completed_at FROM tasks',
        )
        .all();
      const byId = new Map(tasks.map((t) => [t.id, t]));
      // Every task completed, exactly once: one completion each, by the agent that did it.
      expect(tasks.filter((t) => t.status !== 'completed').map((t) => t.code)).toEqual([]);
      expect(Object.values(done).flat().sort()).toEqual(tasks.map((t) => t.code).sort());
      const completions = db
        .prepare<[], { task_id: number; n: number }>(
          "SELECT task_id, count(*) AS n FROM activities WHERE kind = 'task.complete' GROUP BY task_id",
        )
        .all();
      expect(completions).toHaveLength(TASKS);
      expect(completions.every((c) => c.n === 1)).toBe(true);

      // No task ever held by two agents: one holder claim per task, and only one session
      // ever had it on its stack.
      const claims = db
        .prepare<
          [],
          { task_id: number; actor: string; session_id: number; how: string; release_reason: string | null }
        >('SELECT task_id, actor, session_id, how, release_reason FROM claims ORDER BY id')
        .all();
      expect(claims.every((c) => c.how === 'activate')).toBe(true);
      const holders = new Map<number, Set<string>>();
      for (const c of claims) holders.set(c.task_id, new Set([...(holders.get(c.task_id) ?? []), c.actor]));
      expect(holders.size).toBe(TASKS);
      for (const [id, actors] of holders) expect([...actors], byId.get(id)!.code).toHaveLength(1);
      const pushes = db
        .prepare<[], { code: string; session_id: number; at: number }>(
          "SELECT code, session_id, at FROM context_history WHERE type = 'task' AND action = 'push'",
        )
        .all();
      const pushedBy = new Map<string, Set<number>>();
      for (const p of pushes) pushedBy.set(p.code, new Set([...(pushedBy.get(p.code) ?? []), p.session_id]));
      expect(pushedBy.size).toBe(TASKS);
      for (const [code, sessions] of pushedBy) expect([...sessions], code).toHaveLength(1);
      const byActor = new Map(Object.entries(done).flatMap(([a, codes]) => codes.map((c) => [c, a])));
      for (const c of claims) expect(c.actor, byId.get(c.task_id)!.code).toBe(byActor.get(byId.get(c.task_id)!.code));

      // None started before its dependencies completed: the push onto a stack, and the
      // first interval tracked on it, come at or after every dependency's completion.
      const deps = db
        .prepare<[], { task_id: number; depends_on_id: number }>('SELECT task_id, depends_on_id FROM task_deps')
        .all();
      expect(deps.length).toBeGreaterThan(8);
      const pushedAt = new Map(pushes.map((p) => [p.code, p.at]));
      const firstTracked = new Map(
        db
          .prepare<[], { task_id: number; at: number }>(
            'SELECT task_id, min(started_at) AS at FROM intervals WHERE task_id IS NOT NULL GROUP BY task_id',
          )
          .all()
          .map((r) => [r.task_id, r.at]),
      );
      for (const dep of deps) {
        const t = byId.get(dep.task_id)!;
        const before = byId.get(dep.depends_on_id)!;
        const what = `${t.code} started before ${before.code} completed`;
        expect(pushedAt.get(t.code)!, what).toBeGreaterThanOrEqual(before.completed_at!);
        expect(firstTracked.get(t.id)!, what).toBeGreaterThanOrEqual(before.completed_at!);
      }

      // `fragctl report --json --by actor` equals the sums of the intervals.
      const intervals = db
        .prepare<[], { actor: string; ms: number; n: number }>(
          'SELECT actor, sum(ended_at - started_at) AS ms, count(*) AS n FROM intervals GROUP BY actor',
        )
        .all();
      expect(intervals.map((i) => i.actor).sort()).toEqual(Object.keys(done).sort());
      const report = await d.json(['report', '--by', 'actor']);
      expect(report.code, report.stderr).toBe(0);
      const rows = new Map(
        (report.body.rows as { actor: string; seconds: number; intervals: number }[]).map((r) => [r.actor, r]),
      );
      for (const i of intervals) {
        expect(rows.get(i.actor)?.seconds, i.actor).toBe(Math.round(i.ms / 1000));
        expect(rows.get(i.actor)?.intervals, i.actor).toBe(i.n);
      }
      const totalMs = intervals.reduce((s, i) => s + i.ms, 0);
      expect(report.body.total_seconds).toBe(Math.round(totalMs / 1000));
      expect(report.body.counts.intervals).toBe(intervals.reduce((s, i) => s + i.n, 0));
    } finally {
      db.close();
    }
  }, 180_000);
});
