// What a session did (shown when it ends), what can be resumed when one starts, and the
// last step of a session an agent comes back to.
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { ResumeSuggestionsView, SessionReport } from '../../../shared/protocol/completion.js';
import { iso } from '../../clock.js';
import type { Call, PricedGroup } from '../app.js';
import { priced, pricedBy, pricedSums } from '../token-costs.js';
import { activeMs } from '../time/intervals.js';
import { sessionTaskIds, sessionTaskMs } from '../time/totals.js';
import { parseStack, type ActivityRow, type SessionRow, type TaskRow } from '../rows.js';
import { resolveSession } from './lookup.js';
import { sessionView } from './session-view.js';
import { fragctl } from '../../../shared/command.js';

const secondsOn = (call: Call, sessionId: number, taskId: number): number =>
  Math.floor(sessionTaskMs(call.app.sql, sessionId, taskId, call.now, true) / 1000);

export function sessionReport(call: Call, s: SessionRow): SessionReport {
  const { sql } = call.app;
  const completedRows = sql.all<ActivityRow>(
    "SELECT * FROM activities WHERE session_id = ? AND kind = 'task.complete' ORDER BY id",
    s.id,
  );
  const forced = new Set(
    sql
      .all<ActivityRow>("SELECT * FROM activities WHERE session_id = ? AND kind = 'task.force_complete'", s.id)
      .map((a) => (JSON.parse(a.data ?? '{}') as { code?: string }).code),
  );
  const completed = completedRows
    .map((a) => (JSON.parse(a.data ?? '{}') as { code?: string }).code)
    .filter((c): c is string => !!c)
    .map((code) => sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', code))
    .filter((t): t is TaskRow => !!t);
  const worked = sessionTaskIds(sql, s.id)
    .map((id) => sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', id))
    .filter((t): t is TaskRow => !!t);
  const artifacts = sql.all<ActivityRow>(
    "SELECT * FROM activities WHERE session_id = ? AND kind = 'artifact' ORDER BY id",
    s.id,
  );
  const warnings: string[] = [];
  for (const f of parseStack(s)) {
    if (f.type === 'task' || f.type === 'subtask') {
      const t = sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', f.id);
      warnings.push(
        `${f.type} ${f.code} “${f.title}” was left open on the stack (${t?.status ?? 'unknown'}); finish it with ${fragctl('task', 'complete', f.code)}, or resume it in a new session`,
      );
    }
    // A sprint or project left on the stack is where the person works, not unfinished work.
  }
  const onStack = new Set(
    parseStack(s)
      .filter((f) => f.type === 'task' || f.type === 'subtask')
      .map((f) => f.id),
  );
  for (const t of worked) {
    if (t.status !== 'completed' && t.status !== 'cancelled' && !onStack.has(t.id)) {
      warnings.push(`task ${t.code} “${t.title}” was worked on in this session and is still ${t.status}`);
    }
  }
  const end = s.ended_at ?? call.now;
  // Per task in order of first use, each priced; the whole session priced from the same groups.
  const groups = sql.all<PricedGroup & { task: string; first: number }>(
    `SELECT coalesce((SELECT code FROM tasks WHERE id = t.task_id), '(none)') AS task, min(at) AS first, ${pricedSums(call.app)}
       FROM agent_tokens t WHERE session_id = ? GROUP BY task_id, model, tier_above`,
    s.id,
  );
  const firstUse = new Map<string, number>();
  for (const g of groups) firstUse.set(g.task, Math.min(firstUse.get(g.task) ?? Infinity, g.first));
  const perTask = pricedBy(call.app, groups, (g) => g.task);
  const byTask = [...perTask]
    .sort((a, b) => firstUse.get(a[0])! - firstUse.get(b[0])!)
    .map(([task, p]) => ({ task, ...p.tokens, cost: p.cost }));
  const whole = priced(call.app, groups);
  return {
    session: s.key,
    started_at: iso(s.started_at),
    ended_at: s.ended_at == null ? null : iso(s.ended_at),
    duration_seconds: Math.floor((end - s.started_at) / 1000),
    active_seconds: Math.floor(activeMs(sql, s.id, call.now) / 1000),
    tasks_completed: completed.map((t) => ({
      code: t.code,
      title: t.title,
      seconds: secondsOn(call, s.id, t.id),
      forced: forced.has(t.code),
    })),
    tasks_worked: worked.map((t) => ({
      code: t.code,
      title: t.title,
      seconds: secondsOn(call, s.id, t.id),
      status: t.status,
    })),
    updates: s.update_count,
    notes: s.note_count,
    artifacts: artifacts.map((a) => {
      const d = JSON.parse(a.data ?? '{}') as { path?: string; note?: string | null };
      return {
        path: d.path ?? a.message ?? '',
        note: d.note ?? null,
        at: iso(a.at),
        task:
          (a.subtask_id ?? a.task_id)
            ? (sql.value<string>('SELECT code FROM tasks WHERE id = ?', a.subtask_id ?? a.task_id) ?? null)
            : null,
      };
    }),
    tokens: { ...whole.tokens, cost: whole.cost, by_task: byTask },
    warnings,
  };
}

export function sessionReportMethod(call: Call, p: ParsedParamsOf<'session.report'>) {
  const s = resolveSession(call, p);
  return { report: sessionReport(call, s), session: sessionView(call.app.sql, s, call.now) };
}

/** "just now", "5 minutes ago", "2 hours ago", "3 days ago". */
export function ago(ms: number): string {
  const m = Math.floor(Math.max(0, ms) / 60_000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.floor(h / 24);
  return `${d} days ago`;
}

/** What can be resumed, as the wire type says (shared/protocol/completion.ts). */
export type ResumeSuggestions = ResumeSuggestionsView;

/**
 * In-progress tasks by when they were last worked on: the end (or last checkpoint) of the
 * latest interval on the task or one of its subtasks, each read at the top of the
 * (task_id, started_at) index (test/unit/resume-suggestions.test.ts checks the plan).
 */
export const RESUME_TASKS_SQL = `SELECT t.*,
        (SELECT max((SELECT coalesce(i.ended_at, i.checkpoint_at) FROM intervals i
                      WHERE i.task_id = w.id ORDER BY i.started_at DESC LIMIT 1))
           FROM (SELECT t.id AS id UNION ALL SELECT id FROM tasks WHERE parent_id = t.id) w) AS last_at,
        (SELECT code FROM sprints sp WHERE sp.id = t.sprint_id) AS sprint_code
   FROM tasks t WHERE t.status = 'in_progress' ORDER BY last_at DESC NULLS LAST, t.id LIMIT ?`;

/** What a new session could pick up: in-progress tasks (most recent first) and active sprints. */
export function resumeSuggestions(call: Call, limit = 5): ResumeSuggestions {
  const { sql } = call.app;
  const tasks = sql.all<TaskRow & { last_at: number | null; sprint_code: string | null }>(RESUME_TASKS_SQL, limit);
  const sprints = sql.all<{ code: string; title: string; total: number; completed: number }>(
    `SELECT sp.code, sp.title,
            (SELECT count(*) FROM tasks WHERE sprint_id = sp.id AND parent_id IS NULL) AS total,
            (SELECT count(*) FROM tasks WHERE sprint_id = sp.id AND parent_id IS NULL AND status = 'completed') AS completed
       FROM sprints sp WHERE sp.status = 'active' ORDER BY sp.id`,
  );
  return {
    tasks: tasks.map((t) => ({
      code: t.code,
      title: t.title,
      status: t.status,
      sprint: t.sprint_code,
      last_worked_at: t.last_at == null ? null : iso(t.last_at),
      last_worked: t.last_at == null ? 'never worked' : `last worked ${ago(call.now - t.last_at)}`,
      // Over MCP the suggestion names the tool an agent without a shell calls.
      command:
        call.source === 'mcp'
          ? `task_activate ${JSON.stringify({ code: t.code })}`
          : fragctl('task', 'activate', t.code),
    })),
    sprints: sprints.map((sp) => ({ ...sp, progress: `${sp.completed} of ${sp.total} tasks` })),
  };
}

// Agents' hooks add their bookkeeping (a session start, a tool about to run, a stop…): the
// step that counts is the tool that ran or the prompt that came.
const QUIET_KINDS = `('session.attach','session.resume','session.pause','daemon.recovered','heartbeat',
  'agent.start','agent.tool_before','agent.stop','agent.notification','agent.permission',
  'agent.compact_before','agent.compact_after','agent.mapping','agent.subagent_start')`;

/** The last thing a session did before an interruption, as a line an agent can act on. */
export function lastStep(
  call: Call,
  s: SessionRow,
): { at: string; kind: string; message: string | null; line: string } | null {
  const a = call.app.sql.get<ActivityRow>(
    `SELECT * FROM activities WHERE session_id = ? AND kind NOT IN ${QUIET_KINDS} ORDER BY id DESC LIMIT 1`,
    s.id,
  );
  if (!a) return null;
  return {
    at: iso(a.at),
    kind: a.kind,
    message: a.message,
    line: `${a.kind}${a.message ? `: ${a.message}` : ''} (${ago(call.now - a.at)})`,
  };
}
