// Row shapes as stored in SQLite.
import type { ContextType } from '../../shared/protocol/views.js';

export interface StoredFrame {
  type: ContextType;
  id: number;
  code: string;
  title: string;
  pushed_at: number;
}

export interface SessionRow {
  id: number;
  key: string;
  actor: string;
  os_user: string;
  chat_session_id: string | null;
  source: string;
  type: string;
  status: 'active' | 'paused' | 'completed' | 'abandoned';
  stack: string;
  active_project_id: number | null;
  active_sprint_id: number | null;
  active_task_id: number | null;
  metadata: string;
  summary: string | null;
  started_at: number;
  ended_at: number | null;
  paused_at: number | null;
  pause_reason: string | null;
  last_activity_at: number;
  // total_active_seconds is not here on purpose: the interval triggers keep it in the store,
  // so a loaded row's copy would go stale within the call; read totals from time/totals.ts.
  activity_count: number;
  update_count: number;
  note_count: number;
  log_count: number;
}

export interface ProjectRow {
  id: number;
  code: string;
  title: string;
  description: string | null;
  status: string;
  created_at: number;
  updated_at: number;
}

export interface SprintRow {
  id: number;
  code: string;
  project_id: number | null;
  title: string;
  goal: string | null;
  status: 'planned' | 'active' | 'completed' | 'cancelled';
  summary: string | null;
  retrospective: string | null;
  deliverables: string | null;
  started_at: number | null;
  completed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface TaskRow {
  id: number;
  code: string;
  project_id: number | null;
  sprint_id: number | null;
  parent_id: number | null;
  title: string;
  description: string | null;
  status: 'todo' | 'in_progress' | 'blocked' | 'completed' | 'cancelled';
  estimate_minutes: number | null;
  delegation_status: string;
  assignee: string | null;
  summary: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  /** 1 urgent … 4 low. */
  priority: number;
}

export interface ActivityRow {
  id: number;
  session_id: number | null;
  kind: string;
  message: string | null;
  data: string | null;
  source: string | null;
  project_id: number | null;
  sprint_id: number | null;
  task_id: number | null;
  subtask_id: number | null;
  event_id: string | null;
  event_scope: string | null;
  at: number;
}

export interface IntervalRow {
  id: number;
  session_id: number;
  actor: string;
  project_id: number | null;
  sprint_id: number | null;
  task_id: number | null;
  started_at: number;
  checkpoint_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

/**
 * The session's stack, parsed. One call parses the same stack text several times (session
 * lookup, activity, instructions, views), so the last texts seen are kept parsed; the
 * arrays are frozen, so a caller that changed one instead of building a new stack would fail loudly.
 */
export function parseStack(s: SessionRow): StoredFrame[] {
  let stack = parsedStacks.get(s.stack);
  if (!stack) {
    stack = Object.freeze((JSON.parse(s.stack) as StoredFrame[]).map((f) => Object.freeze(f)));
    if (parsedStacks.size >= 256) parsedStacks.delete(parsedStacks.keys().next().value!);
    parsedStacks.set(s.stack, stack);
  }
  // Typed as the arrays callers take; frozen at run time (no caller changes a stack in place).
  return stack as StoredFrame[];
}
const parsedStacks = new Map<string, readonly StoredFrame[]>();

export interface ContextHistoryRow {
  id: number;
  session_id: number;
  action: 'push' | 'pop' | 'switch';
  type: ContextType;
  code: string;
  ref_id: number | null;
  stack: string;
  seconds_spent: number | null;
  at: number;
}
