// Shapes of the results the daemon returns. Times are ISO-8601 strings in UTC.

export type ContextType = 'project' | 'sprint' | 'task' | 'subtask';

export type SessionStatus = 'active' | 'paused' | 'completed' | 'abandoned';
export type SessionType = 'work' | 'planning' | 'review';
export type Source = 'cli' | 'mcp' | 'api' | 'gui' | 'hook' | 'editor';
export type TaskStatus = 'todo' | 'in_progress' | 'blocked' | 'completed' | 'cancelled';
export type SprintStatus = 'planned' | 'active' | 'completed' | 'cancelled';
export type DelegationStatus = 'unassigned' | 'assigned' | 'accepted' | 'rejected' | 'done';

export interface ContextFrame {
  type: ContextType;
  code: string;
  title: string;
  pushed_at: string;
}

export interface ActiveContext {
  project: string | null;
  sprint: string | null;
  task: string | null;
  subtask: string | null;
}

export interface SessionView {
  key: string;
  actor: string;
  os_user: string;
  chat_session_id: string | null;
  source: Source;
  type: SessionType;
  status: SessionStatus;
  started_at: string;
  ended_at: string | null;
  paused_at: string | null;
  pause_reason: string | null;
  last_activity_at: string;
  active_seconds: number;
  stack: ContextFrame[];
  active: ActiveContext;
  summary: string | null;
  metadata: Record<string, unknown>;
  counters: { activities: number; updates: number; notes: number; logs: number };
}

export interface ActivityView {
  id: number;
  at: string;
  session: string | null;
  kind: string;
  message: string | null;
  source: string | null;
  context: ActiveContext;
  data: Record<string, unknown> | null;
  /**
   * Set where `data` is too large to embed: in session.status and session.resume (a glance at
   * the last activities) above 4 KiB, where session.history has it whole; everywhere above
   * 64 KiB (only an older fragd could store that). `data` is null then.
   */
  data_omitted?: { bytes: number; keys: string[] };
}

export interface ContextHistoryView {
  id: number;
  at: string;
  action: 'push' | 'pop' | 'switch';
  type: ContextType;
  code: string;
  seconds_spent: number | null;
  stack: ContextFrame[];
}

export interface ProjectView {
  code: string;
  title: string;
  description: string | null;
  status: string;
  created_at: string;
}

export interface SprintView {
  code: string;
  project: string | null;
  title: string;
  goal: string | null;
  status: SprintStatus;
  summary: string | null;
  retrospective: string | null;
  deliverables: string | null;
  /** Labels, lower-cased (issue 26). */
  labels: string[];
  started_at: string | null;
  completed_at: string | null;
  tasks: { total: number; completed: number; cancelled: number; in_progress: number };
}

export interface TaskView {
  code: string;
  title: string;
  description: string | null;
  project: string | null;
  sprint: string | null;
  parent: string | null;
  status: TaskStatus;
  estimate_minutes: number | null;
  delegation_status: DelegationStatus;
  assignee: string | null;
  summary: string | null;
  updates: number;
  subtasks: string[];
  /** urgent, high, normal (default) or low. */
  priority: 'urgent' | 'high' | 'normal' | 'low';
  /** Labels, lower-cased (issue 26); a task also matches its parent's and sprint's in filters. */
  labels: string[];
  depends_on: string[];
  /** Paths or globs the task touches (relative to the repository root): activating it reserves them. */
  paths: string[];
  /** Dependencies not yet complete: the task is blocked while this is not empty. */
  blocked_by: string[];
  /** The session holding it now, if any. */
  claim: { actor: string; session: string; since: string; last_activity: string; joined: string[] } | null;
  /** Team sync: the holder on another machine (a subtask's: its task's), as this machine last heard; null otherwise. */
  held_elsewhere: { machine: string; actor: string; session: string | null; since: string } | null;
  created_at: string;
  completed_at: string | null;
}

/** A command with named holes for what only the worker can say; `{name}` words in `template` are the holes. */
export interface CommandTemplate {
  template: string[];
  /** hole name → what to put there. */
  holes: Record<string, string>;
  /** For people: `fragctl update <update>`. */
  rendered: string;
  /** Over MCP: the tool to call, its arguments holding `{hole}` strings to replace with the worker's words. */
  tool?: { name: string; arguments: Record<string, unknown> };
  /**
   * Index in suggested_commands this template comes before (the updates a retry needs come
   * before the retry); absent: after every command.
   */
  before?: number;
}

export interface Instructions {
  next_actions: string[];
  /** Commands that run as written: they carry no invented content. */
  suggested_commands: string[];
  /** Commands with holes for the worker's own words (updates, summaries, estimates); never in suggested_commands. */
  templates?: CommandTemplate[];
  context_reminder: string;
  required_actions?: string[];
  validation_errors?: string[];
}

/** State-changing answers carry instructions; plain reads do not. */
export interface WithInstructions {
  instructions: Instructions;
}
