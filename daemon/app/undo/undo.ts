// Undo (docs/corrections.md, "Undo"): the SQLite undo-log pattern. The dispatcher opens a
// step around each undoable call (in the call's own savepoint); while it is open, triggers
// (daemon/store/migrations.ts, undoTriggers) log every tracked row's image before and after.
// `undo` replays the actor's last step backwards, after checking that nothing changed those
// rows since: a row someone (or fragd itself) changed later is not silently overwritten.
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { MethodName, ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import type { UndoStepView } from '../../../shared/protocol/intervals.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { activityView } from '../views.js';
import { DEFAULT_ACTOR, currentSessionOf } from '../sessions/lookup.js';

/** State changes a person can take back: corrections, context changes, completions, item edits. */
export const UNDOABLE: ReadonlySet<MethodName> = new Set<MethodName>([
  'interval.track',
  'interval.edit',
  'interval.split',
  'interval.join',
  'interval.move',
  'interval.delete',
  'interval.annotate',
  'context.push',
  'context.pop',
  'context.clear',
  'sprint.activate',
  'task.activate',
  'task.deactivate',
  // With activate only: a plain `next` changes nothing (see inStep).
  'task.next',
  'task.complete',
  'tasks.bulk_complete',
  'sprint.complete',
  'project.create',
  'project.edit',
  'sprint.create',
  'sprint.edit',
  'task.create',
  'task.edit',
]);

/** How many steps each actor can go back (older ones are forgotten). */
export const UNDO_DEPTH = 100;

/** Columns a later change may touch without making an undo unsafe (bookkeeping, not state). */
const IGNORED_IN_CHECK = new Set(['checkpoint_at']);

interface StepRow {
  id: number;
  actor: string;
  method: string;
  label: string;
  at: number;
  undone_at: number | null;
}

interface LogRow {
  id: number;
  step_id: number;
  tbl: string;
  row_id: number;
  op: 'i' | 'u' | 'd';
  before: string | null;
  after: string | null;
}

const TABLES = new Set([
  'intervals',
  'sessions',
  'context_history',
  'projects',
  'sprints',
  'tasks',
  'task_deps',
  'claims',
]);

function actorOfCall(sql: Sql, params: unknown): string {
  const p = (params ?? {}) as { actor?: string; session?: string };
  if (p.session)
    return sql.value<string>('SELECT actor FROM sessions WHERE key = ?', p.session) ?? p.actor ?? DEFAULT_ACTOR;
  return p.actor ?? DEFAULT_ACTOR;
}

/** A short description of the call: its method and the codes, refs and times it named. */
function labelOf(method: string, params: unknown): string {
  const p = (params ?? {}) as Record<string, unknown>;
  const parts = ['type', 'code', 'ref', 'refs', 'task', 'start', 'end', 'at', 'text']
    .filter((k) => p[k] !== undefined && !(p[k] === null && k !== 'task'))
    .map((k) => {
      const v = p[k];
      const shown = (x: unknown) =>
        typeof x === 'number' && (k === 'start' || k === 'end' || k === 'at') ? iso(x) : String(x);
      return `${k}=${Array.isArray(v) ? v.map(shown).join(',') : shown(v)}`;
    });
  return [method, ...parts].join(' ');
}

/** Runs `run` as one undo step when the method is undoable (inside the caller's transaction). */
export function inStep<T>(call: Call, method: MethodName, params: unknown, run: () => T): T {
  if (!UNDOABLE.has(method) || (method === 'task.next' && !(params as { activate?: boolean })?.activate)) return run();
  const { sql } = call.app;
  const actor = actorOfCall(sql, params);
  const step = sql.run(
    'INSERT INTO undo_steps (actor, method, label, at) VALUES (?, ?, ?, ?)',
    actor,
    method,
    labelOf(method, params),
    call.now,
  ).lastInsertRowid;
  sql.run('UPDATE undo_active SET step_id = ?', step);
  try {
    return run();
  } finally {
    sql.run('UPDATE undo_active SET step_id = NULL');
    if (!sql.value<number>('SELECT 1 FROM undo_log WHERE step_id = ? LIMIT 1', step))
      sql.run('DELETE FROM undo_steps WHERE id = ?', step);
    else
      sql.run(
        `DELETE FROM undo_steps WHERE actor = ?1 AND id <= (SELECT id FROM undo_steps WHERE actor = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`,
        actor,
        UNDO_DEPTH,
      );
  }
}

const changesOf = (sql: Sql, step: number) =>
  sql.value<number>('SELECT count(*) FROM undo_log WHERE step_id = ?', step) ?? 0;

const stepView = (sql: Sql, s: StepRow): UndoStepView => ({
  step: s.id,
  actor: s.actor,
  method: s.method,
  label: s.label,
  at: iso(s.at),
  changes: changesOf(sql, s.id),
});

export function listUndo(call: Call, p: ParsedParamsOf<'undo.list'>): ResultOf<'undo.list'> {
  const { sql } = call.app;
  const actor = p?.actor ?? DEFAULT_ACTOR;
  const steps = sql.all<StepRow>(
    'SELECT * FROM undo_steps WHERE actor = ? AND undone_at IS NULL ORDER BY id DESC LIMIT ?',
    actor,
    p?.limit ?? 20,
  );
  return { actor, steps: steps.map((s) => stepView(sql, s)) };
}

type Image = Record<string, unknown>;

function currentImage(sql: Sql, tbl: string, cols: string[], id: number): Image | null {
  const row = sql.get<Image>(`SELECT ${cols.join(', ')} FROM ${tbl} WHERE id = ?`, id);
  return row ?? null;
}

function sameState(a: Image | null, b: Image | null): boolean {
  if (a === null || b === null) return a === b;
  return Object.keys(b).every((k) => IGNORED_IN_CHECK.has(k) || a[k] === b[k]);
}

export function undo(call: Call, p: ParsedParamsOf<'undo'>): ResultOf<'undo'> {
  const { sql } = call.app;
  const actor = p?.actor ?? DEFAULT_ACTOR;
  const step = sql.get<StepRow>(
    'SELECT * FROM undo_steps WHERE actor = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1',
    actor,
  );
  if (!step)
    throw new FragError(ErrorCode.NotFound, `${actor} has nothing to undo`, {
      actor,
      hint: `undo reverts corrections, context changes, completions and item edits (the last ${UNDO_DEPTH})`,
    });
  const log = sql.all<LogRow>('SELECT * FROM undo_log WHERE step_id = ? ORDER BY id', step.id);
  // What the step left each row as: its last image in the step (null: the step deleted it).
  const final = new Map<string, { tbl: string; id: number; image: Image | null; cols: string[] }>();
  for (const e of log) {
    if (!TABLES.has(e.tbl)) throw new Error(`undo log names an unknown table ${e.tbl}`);
    const image = e.after ? (JSON.parse(e.after) as Image) : null;
    const cols = Object.keys(JSON.parse((e.after ?? e.before)!) as Image);
    final.set(`${e.tbl}:${e.row_id}`, { tbl: e.tbl, id: e.row_id, image, cols });
  }
  for (const f of final.values()) {
    const now = currentImage(sql, f.tbl, f.cols, f.id);
    if (!sameState(now, f.image)) throw changedSince(sql, step, f.tbl, f.id);
  }
  const sessions = new Set<number>();
  try {
    for (const e of [...log].reverse()) {
      const before = e.before ? (JSON.parse(e.before) as Image) : null;
      const after = e.after ? (JSON.parse(e.after) as Image) : null;
      for (const img of [before, after]) {
        if (e.tbl === 'intervals' && img) sessions.add(img.session_id as number);
      }
      if (e.op === 'i') sql.run(`DELETE FROM ${e.tbl} WHERE id = ?`, e.row_id);
      else if (e.op === 'd') {
        const cols = Object.keys(before!);
        sql.run(
          `INSERT INTO ${e.tbl} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          ...cols.map((c) => before![c]),
        );
      } else {
        const cols = Object.keys(before!).filter((c) => c !== 'id');
        sql.run(
          `UPDATE ${e.tbl} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
          ...cols.map((c) => before![c]),
          e.row_id,
        );
      }
      if (e.tbl === 'sessions') sessions.add(e.row_id);
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'))
      throw new FragError(
        ErrorCode.Conflict,
        `cannot undo "${step.label}": later records depend on what it would remove or restore (${(err as Error).message})`,
        { step: step.id, hint: 'undo the later changes first, or correct the state by hand' },
      );
    throw err;
  }
  sql.run('UPDATE undo_steps SET undone_at = ? WHERE id = ?', call.now, step.id);
  const session =
    currentSessionOf(call, actor) ??
    sql.get<SessionRow>('SELECT * FROM sessions WHERE actor = ? ORDER BY id DESC LIMIT 1', actor) ??
    null;
  const view = stepView(sql, step);
  const row = recordActivity(call, session, {
    kind: 'undo',
    message: `undid ${step.label}`,
    data: {
      step: view,
      changes: log.map((e) => ({ table: e.tbl, id: e.row_id, op: e.op, before: e.before, after: e.after })),
    },
  });
  sql.run('UPDATE undo_steps SET undo_activity_id = ? WHERE id = ?', row.id, step.id);
  for (const id of sessions) {
    const key = sql.value<string>('SELECT key FROM sessions WHERE id = ?', id);
    call.events.push({ type: 'context.changed', session: key ?? null, at: iso(call.now), data: { undo: step.label } });
  }
  const remaining =
    sql.value<number>('SELECT count(*) FROM undo_steps WHERE actor = ? AND undone_at IS NULL', actor) ?? 0;
  return { undone: view, activity: activityView(sql, row, session ?? undefined), remaining };
}

/** The refusal when a row the step touched has changed since: names who changed it, if a step did. */
function changedSince(sql: Sql, step: StepRow, tbl: string, id: number): FragError {
  const later = sql.get<StepRow>(
    `SELECT s.* FROM undo_log l JOIN undo_steps s ON s.id = l.step_id
      WHERE l.tbl = ? AND l.row_id = ? AND l.step_id > ? ORDER BY l.step_id DESC LIMIT 1`,
    tbl,
    id,
    step.id,
  );
  const what = `${tbl.replace(/s$/, '')} #${id}`;
  const by = later
    ? `${later.actor}'s "${later.label}"${later.undone_at ? ' (since undone, but the row differs)' : ''}`
    : 'fragd itself (an idle pause, a session end, a tick) or a change that cannot be undone';
  return new FragError(
    ErrorCode.Conflict,
    `cannot undo "${step.label}": ${what} was changed after it by ${by}; undoing would overwrite that change`,
    {
      step: step.id,
      table: tbl,
      row: id,
      changed_by: later ? { actor: later.actor, step: later.id, label: later.label } : null,
      hint: later
        ? later.actor === step.actor
          ? 'undo the later change first'
          : `ask ${later.actor} to undo theirs first, or correct it by hand (fragctl intervals, fragctl interval edit)`
        : 'correct it by hand instead (fragctl intervals, fragctl interval edit)',
    },
  );
}
