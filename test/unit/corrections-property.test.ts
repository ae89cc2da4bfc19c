// Properties of corrections and undo, over random sequences, through the real handlers and
// the dispatcher's undo steps on an in-memory SQLite and a ManualClock:
//   (1) one actor's intervals never overlap;
//   (2) totals follow at once: each session's stored total, the task report and the sum
//       of the intervals agree;
//   (3) undo restores exactly the earlier state (full dumps of every tracked table).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import { handlers } from '../../daemon/rpc/handlers.js';
import type { Connection, DaemonFacts } from '../../daemon/rpc/handler-types.js';
import { inStep } from '../../daemon/app/undo/undo.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';
import { FragError } from '../../shared/errors.js';
import { report } from '../../daemon/app/time/reports.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { scale } from '../reliability/scale.js';

/** 60 random sequences per property in `npm test`; 150 with RELIABILITY=full. */
const PROPERTY_RUNS = scale(60, 150);

const ACTORS = ['human', 'claude'] as const;
const TASKS = ['A', 'B', 'C'] as const;
const T0 = Date.parse('2026-06-10T12:00:00Z');
const MIN = 60_000;

function world() {
  const clock = new ManualClock(T0);
  const sql = new Sql(openDatabase(':memory:'));
  const app: App = assembleApp({ sql, clock, config: defaultConfig() });
  const conn: Connection = { id: 0, subscribed: false, sessionFilter: null };
  const facts = {} as DaemonFacts;
  /** One call as the dispatcher makes it: params parsed, one transaction, one undo step. */
  const invoke = (name: MethodName, raw: Record<string, unknown>): { ok: boolean; value?: unknown } => {
    const parsed = methods[name].params.safeParse(raw);
    if (!parsed.success) return { ok: false }; // the daemon answers invalid params
    const params = parsed.data;
    const call = newCall(app, 'cli');
    try {
      const value = sql.db.transaction(() =>
        inStep(call, name, params, () => (handlers[name] as (...a: unknown[]) => unknown)(call, params, conn, facts)),
      )();
      return { ok: true, value };
    } catch (err) {
      if (err instanceof FragError) return { ok: false };
      throw err;
    }
  };
  for (const code of TASKS) invoke('task.create', { code, title: `task ${code}` });
  for (const actor of ACTORS) {
    invoke('session.start', { actor });
    invoke('task.activate', { actor, code: 'A' });
  }
  clock.advance(8 * 60 * MIN);
  return { clock, sql, app, invoke };
}

type World = ReturnType<typeof world>;

/** Everything undo promises to restore. The audit log (activities) and its counters only grow. */
function dump(sql: Sql): string {
  const all = (q: string) => JSON.stringify(sql.all(q));
  return [
    all('SELECT * FROM intervals ORDER BY id'),
    all(
      `SELECT id, key, actor, status, stack, active_project_id, active_sprint_id, active_task_id, metadata, summary,
              started_at, ended_at, paused_at, pause_reason, total_active_seconds FROM sessions ORDER BY id`,
    ),
    all('SELECT * FROM context_history ORDER BY id'),
    all('SELECT * FROM tasks ORDER BY id'),
    all('SELECT * FROM sprints ORDER BY id'),
    all('SELECT * FROM projects ORDER BY id'),
  ].join('\n');
}

const actorA = fc.constantFrom(...ACTORS);
const refA = fc.integer({ min: 1, max: 6 }).map((n) => `@${n}`);
const taskA = fc.option(fc.constantFrom(...TASKS), { nil: null });
const correction = fc.oneof(
  fc.record({
    t: fc.constant('track' as const),
    actor: actorA,
    ago: fc.integer({ min: 1, max: 600 }),
    len: fc.integer({ min: 1, max: 120 }),
    task: taskA,
    adjust: fc.boolean(),
  }),
  fc.record({
    t: fc.constant('edit' as const),
    actor: actorA,
    ref: refA,
    dStart: fc.option(fc.integer({ min: -90, max: 90 }), { nil: undefined }),
    dEnd: fc.option(fc.integer({ min: -90, max: 90 }), { nil: undefined }),
    adjust: fc.boolean(),
  }),
  fc.record({
    t: fc.constant('split' as const),
    actor: actorA,
    ref: refA,
    f: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  }),
  fc.record({ t: fc.constant('join' as const), actor: actorA, a: refA, b: refA, adjust: fc.boolean() }),
  fc.record({ t: fc.constant('move' as const), actor: actorA, ref: refA, task: taskA }),
  fc.record({ t: fc.constant('delete' as const), actor: actorA, ref: refA }),
  fc.record({ t: fc.constant('annotate' as const), actor: actorA, ref: refA, text: fc.string({ maxLength: 8 }) }),
  fc.record({ t: fc.constant('activate' as const), actor: actorA, task: fc.constantFrom(...TASKS) }),
  fc.record({ t: fc.constant('deactivate' as const), actor: actorA }),
  fc.record({
    t: fc.constant('edit_task' as const),
    task: fc.constantFrom(...TASKS),
    est: fc.integer({ min: 1, max: 500 }),
  }),
);
const step = fc.oneof(
  { weight: 6, arbitrary: correction },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 1000, max: 30 * MIN }) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('undo' as const), actor: actorA }) },
);
type Op = typeof step extends fc.Arbitrary<infer T> ? T : never;

function row(w: World, actor: string, ref: string) {
  return w.sql.get<{ started_at: number; ended_at: number | null }>(
    'SELECT started_at, ended_at FROM intervals WHERE actor = ? ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?',
    actor,
    Number(ref.slice(1)) - 1,
  );
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/** Runs one op; true when it changed state as one undoable step. */
function run(w: World, o: Op): boolean {
  const now = w.clock.now();
  switch (o.t) {
    case 'advance':
      w.clock.advance(o.ms);
      return false;
    case 'undo':
      return w.invoke('undo', { actor: o.actor }).ok;
    case 'track': {
      const start = now - o.ago * MIN;
      return w.invoke('interval.track', {
        actor: o.actor,
        start: isoOf(start),
        end: isoOf(Math.min(now, start + o.len * MIN)),
        ...(o.task ? { task: o.task } : {}),
        adjust: o.adjust,
      }).ok;
    }
    case 'edit': {
      const r = row(w, o.actor, o.ref);
      if (!r || (o.dStart === undefined && o.dEnd === undefined)) return false;
      return w.invoke('interval.edit', {
        actor: o.actor,
        ref: o.ref,
        ...(o.dStart !== undefined ? { start: isoOf(r.started_at + o.dStart * MIN) } : {}),
        ...(o.dEnd !== undefined && r.ended_at !== null ? { end: isoOf(r.ended_at + o.dEnd * MIN) } : {}),
        adjust: o.adjust,
      }).ok;
    }
    case 'split': {
      const r = row(w, o.actor, o.ref);
      if (!r) return false;
      const end = r.ended_at ?? now;
      return w.invoke('interval.split', {
        actor: o.actor,
        ref: o.ref,
        at: isoOf(Math.round(r.started_at + (end - r.started_at) * o.f)),
      }).ok;
    }
    case 'join':
      return w.invoke('interval.join', { actor: o.actor, refs: [o.a, o.b], adjust: o.adjust }).ok;
    case 'move':
      return w.invoke('interval.move', { actor: o.actor, ref: o.ref, task: o.task }).ok;
    case 'delete':
      return w.invoke('interval.delete', { actor: o.actor, ref: o.ref }).ok;
    case 'annotate':
      return w.invoke('interval.annotate', { actor: o.actor, ref: o.ref, text: o.text }).ok;
    case 'activate':
      return w.invoke('task.activate', { actor: o.actor, code: o.task }).ok;
    case 'deactivate':
      return w.invoke('task.deactivate', { actor: o.actor }).ok;
    case 'edit_task':
      return w.invoke('task.edit', { code: o.task, estimate_minutes: o.est }).ok;
  }
}

function checkInvariants(w: World) {
  const now = w.clock.now();
  const ivs = w.sql.all<{ id: number; actor: string; session_id: number; started_at: number; ended_at: number | null }>(
    'SELECT * FROM intervals ORDER BY actor, started_at, id',
  );
  const end = (i: (typeof ivs)[number]) => i.ended_at ?? Math.max(now, i.started_at);
  for (let k = 0; k < ivs.length; k++) {
    expect(end(ivs[k])).toBeGreaterThanOrEqual(ivs[k].started_at);
    if (k > 0 && ivs[k - 1].actor === ivs[k].actor) {
      // (1) no overlap, and no interval but the last of an actor is still running
      expect(ivs[k - 1].ended_at).not.toBeNull();
      expect(ivs[k - 1].ended_at!).toBeLessThanOrEqual(ivs[k].started_at);
    }
    expect(ivs[k].ended_at ?? 0).toBeLessThanOrEqual(now);
  }
  // (2) stored session totals follow the intervals; the task report sums them all
  for (const s of w.sql.all<{ id: number; total_active_seconds: number }>(
    'SELECT id, total_active_seconds FROM sessions',
  )) {
    const ms =
      w.sql.value<number>(
        'SELECT coalesce(sum(ended_at - started_at), 0) FROM intervals WHERE session_id = ? AND ended_at IS NOT NULL',
        s.id,
      ) ?? 0;
    expect(s.total_active_seconds).toBe(Math.floor(ms / 1000));
  }
  const all = ivs.reduce((a, i) => a + end(i) - i.started_at, 0);
  const r = report(newCall(w.app), { by: 'task', since: '2026-06-01', until: '2026-06-30', tz: 'UTC' });
  expect(r.total_seconds).toBe(Math.round(all / 1000));
  // Every other view divides the same time: same total, rows summing to it (to the second each).
  for (const by of ['week', 'month', 'file', 'branch'] as const) {
    const v = report(newCall(w.app), { by, since: '2026-06-01', until: '2026-06-30', tz: 'UTC', intervals: true });
    expect(v.total_seconds).toBe(r.total_seconds);
    const sum = v.rows.reduce((a, x) => a + x.seconds, 0);
    expect(Math.abs(sum - v.total_seconds)).toBeLessThanOrEqual(v.rows.length);
  }
}

describe('corrections and undo under random sequences', () => {
  it('keep intervals apart and totals true, with undo and refusals interleaved', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (ops) => {
        const w = world();
        for (const o of ops) {
          run(w, o);
          checkInvariants(w);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('undo restores exactly the state before each step, back to the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(correction, fc.integer({ min: 0, max: 20 * MIN })), { minLength: 1, maxLength: 25 }),
        (ops) => {
          const w = world();
          const states: { actor: string; before: string }[] = [];
          for (const [o, pause] of ops) {
            // Time passes between calls (without ticks, which would change state on their own).
            w.clock.advance(pause);
            const before = dump(w.sql);
            if (run(w, o) && dump(w.sql) !== before) states.push({ actor: 'actor' in o ? o.actor : 'human', before });
            else expect(dump(w.sql)).toBe(before);
          }
          // Undo them all, newest first: each actor's undo takes back its own last step.
          for (const s of states.reverse()) {
            const r = w.invoke('undo', { actor: s.actor });
            expect(r.ok).toBe(true);
            expect(dump(w.sql)).toBe(s.before);
            checkInvariants(w);
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
