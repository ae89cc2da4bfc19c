// Completion through the validation gate: gather facts from the store, run the pure
// validators, and either complete (recording any --force with the errors it overrode)
// or refuse with ValidationFailed carrying what is missing and how to fix it.
import { releaseTaskReservations } from '../reservations/reservations.js';
import { ErrorCode, FragError, invalidState } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { TaskCompleteResult } from '../../../shared/protocol/completion.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import { applyStack } from '../sessions/apply-stack.js';
import { cannedReason } from './canned.js';
import { instructionsFor } from '../answers.js';
import { findSprint, findTask, sprintById, taskById } from './lookup.js';
import { estimateCheck, taskTrackedMs, withEstimateInstructions } from '../time/reports.js';
import { parseStack, type SessionRow, type SprintRow, type TaskRow } from '../rows.js';
import { resolveOpenSession, resolveSession, type Target } from '../sessions/lookup.js';
import { popFrom, workFrame } from '../sessions/stack.js';
import { frameView } from '../views.js';
import { countUpdates, sprintView, taskView } from './views.js';
import {
  validateSprintCompletion,
  validateTaskCompletion,
  type TaskFacts,
  type ValidationResult,
  type ValidationRules,
} from './validation.js';
import { fragctl } from '../../../shared/command.js';

export function rulesOf(call: Call): ValidationRules {
  return { ...call.app.config.validation, estimate_variance_percent: call.app.config.estimate_variance_percent };
}

/** The calling session, or null when there is none and the call named its item explicitly. */
function optionalSession(call: Call, target: Target): SessionRow | null {
  try {
    return resolveSession(call, target);
  } catch (err) {
    if (err instanceof FragError && err.code === ErrorCode.NoActiveSession && !target.session) return null;
    throw err;
  }
}

/** `code`, else the session's active task (the subtask when one is active). */
function targetTask(
  call: Call,
  s: SessionRow | null,
  code: string | undefined,
  target: Target,
  purpose: 'validate' | 'complete',
): TaskRow {
  if (code) return findTask(call, code);
  const session = s ?? resolveSession(call, target);
  const work = workFrame(parseStack(session));
  if (!work) {
    // task.complete without a code is what `fragctl done` calls: say how to finish a task
    // from here (activate it, or name it), not how to validate one.
    throw invalidState(
      purpose === 'complete'
        ? `no task is active in ${session.key}, so there is nothing to finish`
        : `no task is active in ${session.key}; name one, e.g. ${fragctl('validate', 'task', 'CODE')}`,
      {
        session: session.key,
        hint:
          purpose === 'complete'
            ? `activate the task first (${fragctl('task', 'activate', 'CODE')}), then run done again; or complete it by its code: ${fragctl('task', 'complete', 'CODE', '--summary', 'SUMMARY')} (${fragctl('task', 'list')} shows the codes)`
            : `list tasks with: ${fragctl('task', 'list')}`,
      },
    );
  }
  return taskById(call, work.id);
}

function targetSprint(call: Call, s: SessionRow | null, code: string | undefined, target: Target): SprintRow {
  if (code) return findSprint(call, code);
  const session = s ?? resolveSession(call, target);
  const frame = parseStack(session).find((f) => f.type === 'sprint');
  if (!frame) {
    throw invalidState(`no sprint is active in ${session.key}; name one, e.g. ${fragctl('validate', 'sprint', '1')}`, {
      session: session.key,
      hint: `list sprints with: ${fragctl('sprint', 'list')}`,
    });
  }
  return sprintById(call, frame.id);
}

/** Facts about a task as stored; `completing` are codes completed in the same call (bulk). */
export function taskFacts(
  call: Call,
  t: TaskRow,
  summary?: string,
  completing: ReadonlySet<string> = new Set(),
): TaskFacts {
  const { sql } = call.app;
  const subtasks = sql
    .all<{ code: string; status: TaskRow['status'] }>(
      'SELECT code, status FROM tasks WHERE parent_id = ? ORDER BY id',
      t.id,
    )
    .map((st) => (completing.has(st.code.toUpperCase()) ? { ...st, status: 'completed' as const } : st));
  const trackedMs = taskTrackedMs(call, t.id, call.now);
  const started =
    t.status === 'in_progress' ||
    !!sql.value(
      "SELECT 1 FROM context_history WHERE ref_id = ? AND type IN ('task','subtask') AND action IN ('push','switch') LIMIT 1",
      t.id,
    ) ||
    !!sql.value('SELECT 1 FROM intervals WHERE task_id = ? LIMIT 1', t.id);
  return {
    code: t.code,
    status: t.status,
    summary: summary ?? t.summary,
    summary_canned: (summary ?? t.summary) ? cannedReason(call, t.id, (summary ?? t.summary)!) : null,
    updates: countUpdates(sql, t.id),
    subtasks,
    tracked_ms: trackedMs,
    estimate_minutes: t.estimate_minutes,
    was_started: started,
  };
}

function sprintValidation(
  call: Call,
  sp: SprintRow,
  over: { summary?: string; retrospective?: string; deliverables?: string } = {},
): ValidationResult {
  const { sql } = call.app;
  return validateSprintCompletion(
    {
      code: sp.code,
      status: sp.status,
      summary: over.summary ?? sp.summary,
      retrospective: over.retrospective ?? sp.retrospective,
      deliverables: over.deliverables ?? sp.deliverables,
      artifacts:
        sql.value<number>("SELECT count(*) FROM activities WHERE kind = 'artifact' AND sprint_id = ?", sp.id) ?? 0,
      tasks: sql.all<{ code: string; status: TaskRow['status'] }>(
        'SELECT code, status FROM tasks WHERE sprint_id = ? AND parent_id IS NULL ORDER BY id',
        sp.id,
      ),
      // Another open sprint of the same project (or of none): the work goes on somewhere.
      next_sprint:
        sql.value<string>(
          `SELECT code FROM sprints WHERE id != ? AND status IN ('planned','active') AND project_id IS ? ORDER BY id LIMIT 1`,
          sp.id,
          sp.project_id,
        ) ?? null,
    },
    rulesOf(call),
  );
}

export function validationFailed(
  call: Call,
  s: SessionRow | null,
  what: 'task' | 'sprint',
  row: { id: number; code: string },
  v: ValidationResult,
  extra: Record<string, unknown> = {},
  given: { summary?: string } = {},
): FragError {
  return new FragError(ErrorCode.ValidationFailed, `${what} ${row.code} cannot be completed: ${v.errors.join('; ')}`, {
    what,
    code: row.code,
    validation: v,
    required_actions: v.requirements,
    instructions: instructionsFor(
      call,
      'validation_failed',
      s,
      { kind: what, code: row.code },
      { validation: v, target: { kind: what, code: row.code, id: row.id }, summary: given.summary },
    ),
    hint: `do the required actions and retry, or close it anyway with --force (recorded in the activity log)`,
    ...extra,
  });
}

export interface Gate {
  task: TaskRow;
  summary?: string;
  validation: ValidationResult;
  forced_over: string[];
}

/** Validates a task for completion; throws ValidationFailed unless it passes or is forced. */
export function gateTask(
  call: Call,
  s: SessionRow | null,
  task: TaskRow,
  opts: { summary?: string; force?: boolean },
  completing?: ReadonlySet<string>,
): Gate {
  const validation = validateTaskCompletion(taskFacts(call, task, opts.summary, completing), rulesOf(call));
  if (!validation.valid && !opts.force)
    throw validationFailed(call, s, 'task', task, validation, {}, { summary: opts.summary });
  return { task, summary: opts.summary, validation, forced_over: validation.valid ? [] : validation.errors };
}

/** Writes a gated completion: summary, status, and the activity rows (force with what it overrode). */
export function finishTask(call: Call, s: SessionRow | null, g: Gate): void {
  const { sql } = call.app;
  sql.run(
    "UPDATE tasks SET status = 'completed', summary = coalesce(?, summary), completed_at = ?, delegation_status = CASE WHEN delegation_status IN ('assigned','accepted') THEN 'done' ELSE delegation_status END, updated_at = ? WHERE id = ?",
    g.summary ?? null,
    call.now,
    call.now,
    g.task.id,
  );
  // The reservations made for it end with it (they would stop holding anyway: recorded now).
  if (!g.task.parent_id) releaseTaskReservations(call, g.task.id, 'task completed');
  const fileUnderTask = (id: number) => {
    // Without the task on the stack the row would carry no context: file it under the task.
    if (s && parseStack(s).some((f) => f.id === g.task.id && (f.type === 'task' || f.type === 'subtask'))) return;
    sql.run(
      'UPDATE activities SET task_id = coalesce(?, ?), subtask_id = CASE WHEN ? IS NULL THEN NULL ELSE ? END WHERE id = ?',
      g.task.parent_id,
      g.task.id,
      g.task.parent_id,
      g.task.id,
      id,
    );
  };
  if (g.forced_over.length) {
    const forced = recordActivity(call, s, {
      kind: 'task.force_complete',
      message: `${g.task.code} completed with --force over: ${g.forced_over.join('; ')}`,
      data: { code: g.task.code, overridden: g.forced_over, checklist: g.validation.checklist },
    });
    fileUnderTask(forced.id);
  }
  const done = recordActivity(call, s, {
    kind: 'task.complete',
    message: g.summary ?? taskById(call, g.task.id).summary,
    data: {
      code: g.task.code,
      forced: g.forced_over.length > 0,
      warnings: g.validation.warnings,
      tracked_seconds: g.validation.details.tracked_seconds,
    },
  });
  fileUnderTask(done.id);
  call.events.push({
    type: 'item.changed',
    session: s?.key ?? null,
    at: new Date(call.now).toISOString(),
    data: { kind: 'task', code: g.task.code, change: 'completed' },
  });
  // Done here is done everywhere: other sessions working on the task stop counting time on it.
  const others = sql.all<SessionRow>(
    "SELECT * FROM sessions WHERE status IN ('active','paused') AND id != ? AND stack LIKE ? ORDER BY id",
    s?.id ?? -1,
    `%"id":${g.task.id},%`,
  );
  for (const other of others) popCompleted(call, other, [g.task.id]);
}

/** Takes completed tasks off the session's stack (and whatever sits above them). */
function popCompleted(call: Call, s: SessionRow | null, taskIds: number[]): SessionRow | null {
  if (!s || s.status === 'completed' || s.status === 'abandoned') return s;
  const stack = parseStack(s);
  const idx = stack.findIndex((f) => (f.type === 'task' || f.type === 'subtask') && taskIds.includes(f.id));
  if (idx === -1) return s;
  const { stack: next, removed } = popFrom(stack, stack[idx].type);
  return applyStack(
    call,
    s,
    next,
    removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
  );
}

function completeResult(call: Call, s: SessionRow | null, g: Gate): Omit<TaskCompleteResult, 'instructions'> {
  return {
    task: taskView(call.app.sql, taskById(call, g.task.id)),
    validation: g.validation,
    forced_over: g.forced_over,
    estimate_check: estimateCheck(call, g.task.id, true),
    session: s?.key ?? null,
    stack: s ? parseStack(s).map(frameView) : [],
  };
}

export function validateTaskMethod(call: Call, p: ParsedParamsOf<'task.validate'>) {
  const s = p.code ? null : resolveSession(call, p);
  const task = targetTask(call, s, p.code, p, 'validate');
  return {
    task: taskView(call.app.sql, task),
    validation: validateTaskCompletion(taskFacts(call, task), rulesOf(call)),
  };
}

export function validateSprintMethod(call: Call, p: ParsedParamsOf<'sprint.validate'>) {
  const s = p.code ? null : resolveSession(call, p);
  const sprint = targetSprint(call, s, p.code, p);
  return { sprint: sprintView(call.app.sql, sprint), validation: sprintValidation(call, sprint) };
}

export function completeTask(call: Call, p: ParsedParamsOf<'task.complete'>): TaskCompleteResult {
  const s = p.code ? optionalSession(call, p) : resolveOpenSession(call, p);
  const task = targetTask(call, s, p.code, p, 'complete');
  const g = gateTask(call, s, task, { summary: p.summary, force: p.force });
  finishTask(call, s, g);
  const after = popCompleted(call, s, [task.id]);
  const r = completeResult(call, after, g);
  return {
    ...r,
    instructions: withEstimateInstructions(
      instructionsFor(call, 'task_completed', after, { kind: 'task', code: task.code }),
      [r.estimate_check],
      true,
    ),
  };
}

export function bulkComplete(call: Call, p: ParsedParamsOf<'tasks.bulk_complete'>) {
  const s = optionalSession(call, p);
  const entries = p.codes
    .map((e) => (typeof e === 'string' ? { code: e } : e))
    .map((e) => ({ ...e, summary: e.summary ?? p.summary, force: e.force ?? p.force }));
  const rows = entries.map((e) => ({ e, task: findTask(call, e.code) }));
  const seen = new Set<number>();
  for (const r of rows) {
    if (seen.has(r.task.id)) throw invalidState(`${r.task.code} is listed twice`, { code: r.task.code });
    seen.add(r.task.id);
  }
  const completing = new Set(rows.map((r) => r.task.code.toUpperCase()));
  const gates: Gate[] = [];
  const blocked: { code: string; validation: ValidationResult; required_actions: string[] }[] = [];
  for (const { e, task } of rows) {
    const validation = validateTaskCompletion(taskFacts(call, task, e.summary, completing), rulesOf(call));
    if (!validation.valid && !e.force)
      blocked.push({ code: task.code, validation, required_actions: validation.requirements });
    else gates.push({ task, summary: e.summary, validation, forced_over: validation.valid ? [] : validation.errors });
  }
  if (blocked.length) {
    const first = rows.find((r) => r.task.code === blocked[0].code)!.task;
    const err = validationFailed(call, s, 'task', first, blocked[0].validation, {
      blocked,
      codes: blocked.map((b) => b.code),
    });
    err.message = `${blocked.length} of ${rows.length} task(s) cannot be completed (nothing was changed): ${blocked.map((b) => `${b.code}: ${b.validation.errors.join('; ')}`).join(' | ')}`;
    throw err;
  }
  // Subtasks first, so the activity log reads in the order the work closes.
  gates.sort((a, b) => Number(b.task.parent_id != null) - Number(a.task.parent_id != null));
  for (const g of gates) finishTask(call, s, g);
  const after = popCompleted(
    call,
    s,
    gates.map((g) => g.task.id),
  );
  const results = gates.map((g) => completeResult(call, after, g));
  return {
    completed: results.map((r) => r.task),
    forced: gates.filter((g) => g.forced_over.length).map((g) => g.task.code),
    results,
    instructions: withEstimateInstructions(
      instructionsFor(call, 'task_completed', after, { kind: 'task', code: gates.map((g) => g.task.code).join(', ') }),
      results.map((r) => r.estimate_check),
      true,
    ),
  };
}

/** Validates a sprint for completion (with fields about to be set); throws unless it passes or is forced. */
export function gateSprint(
  call: Call,
  s: SessionRow | null,
  sprint: SprintRow,
  over: { summary?: string; retrospective?: string; deliverables?: string; force?: boolean },
): { validation: ValidationResult; forced: string[] } {
  const validation = sprintValidation(call, sprint, over);
  if (!validation.valid && !over.force) throw validationFailed(call, s, 'sprint', sprint, validation);
  return { validation, forced: validation.valid ? [] : validation.errors };
}

/** The activity rows of a sprint completion (and of a --force with what it overrode). */
export function recordSprintCompletion(
  call: Call,
  s: SessionRow | null,
  sprint: SprintRow,
  g: { validation: ValidationResult; forced: string[] },
  message: string | null,
): void {
  if (g.forced.length) {
    recordActivity(call, s, {
      kind: 'sprint.force_complete',
      message: `${sprint.code} completed with --force over: ${g.forced.join('; ')}`,
      data: { code: sprint.code, overridden: g.forced },
    });
  }
  recordActivity(call, s, {
    kind: 'sprint.complete',
    message,
    data: { code: sprint.code, forced: g.forced.length > 0, warnings: g.validation.warnings },
  });
}

export function completeSprint(call: Call, p: ParsedParamsOf<'sprint.complete'>) {
  const s = p.code ? optionalSession(call, p) : resolveOpenSession(call, p);
  const sprint = targetSprint(call, s, p.code, p);
  const gate = gateSprint(call, s, sprint, p);
  const { validation, forced } = gate;
  call.app.sql.run(
    `UPDATE sprints SET status = 'completed', completed_at = ?, summary = coalesce(?, summary), retrospective = coalesce(?, retrospective),
       deliverables = coalesce(?, deliverables), updated_at = ? WHERE id = ?`,
    call.now,
    p.summary ?? null,
    p.retrospective ?? null,
    p.deliverables ?? null,
    call.now,
    sprint.id,
  );
  recordSprintCompletion(call, s, sprint, gate, p.summary ?? p.retrospective ?? sprint.summary);
  let after = s;
  if (s && (s.status === 'active' || s.status === 'paused')) {
    const stack = parseStack(s);
    if (stack.some((f) => f.type === 'sprint' && f.id === sprint.id)) {
      const { stack: next, removed } = popFrom(stack, 'sprint');
      after = applyStack(
        call,
        s,
        next,
        removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
      );
    }
  }
  return {
    sprint: sprintView(call.app.sql, sprintById(call, sprint.id)),
    validation,
    forced_over: forced,
    instructions: instructionsFor(call, 'sprint_completed', after, { kind: 'sprint', code: sprint.code }),
  };
}

export function addArtifact(call: Call, p: ParsedParamsOf<'artifact.add'>) {
  const s = resolveOpenSession(call, p);
  const stack = parseStack(s);
  const code = (t: string) => stack.find((f) => f.type === t)?.code ?? null;
  recordActivity(call, s, { kind: 'artifact', message: p.path, data: { path: p.path, note: p.note ?? null } });
  return {
    artifact: { path: p.path, note: p.note ?? null, task: code('subtask') ?? code('task'), sprint: code('sprint') },
    session: s.key,
    instructions: instructionsFor(call, 'progress', s),
  };
}
