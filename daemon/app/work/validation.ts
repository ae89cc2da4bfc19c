// Completion gates as pure functions over plain facts, so every rule can be tested
// without a database or a clock. Errors block completion (unless forced), warnings never do.
import { formatDuration } from '../../../shared/format.js';
import { fragctl } from '../../../shared/command.js';
import type { TaskStatus, SprintStatus } from '../../../shared/protocol/views.js';
import { estimateVariance } from '../time/estimates.js';

export interface ChecklistItem {
  /** Stable rule id an agent can switch on. */
  rule: string;
  item: string;
  done: boolean;
  detail: string;
  /** 'error' rules block completion; 'warning' rules only inform. */
  severity: 'error' | 'warning';
}

export interface ValidationResult {
  valid: boolean;
  errors: string[];
  warnings: string[];
  /** What to do to pass, one actionable line per failing error rule (commands run as written). */
  requirements: string[];
  details: Record<string, unknown>;
  checklist: ChecklistItem[];
}

export interface ValidationRules {
  summary_min_chars: number;
  min_context_updates: number;
  estimate_variance_percent: number;
}

export interface TaskFacts {
  code: string;
  status: TaskStatus;
  summary: string | null;
  /** Activities of kind 'update' on the task or its subtasks. */
  updates: number;
  subtasks: { code: string; status: TaskStatus }[];
  /** Active milliseconds ever tracked on the task (and its subtasks). */
  tracked_ms: number;
  estimate_minutes: number | null;
  /** The task was ever activated (pushed on a stack) or put in progress. */
  was_started: boolean;
  /** Why the summary says nothing of its own (template text, the title, an earlier update), if so. */
  summary_canned?: string | null;
}

export interface SprintFacts {
  code: string;
  status: SprintStatus;
  summary: string | null;
  retrospective: string | null;
  deliverables: string | null;
  /** Artifacts recorded (fragctl artifact add) while the sprint was active on a stack. */
  artifacts: number;
  tasks: { code: string; status: TaskStatus }[];
  /** Another planned or active sprint of the same project, if any (undefined: not checked). */
  next_sprint?: string | null;
}

class Checks {
  readonly list: ChecklistItem[] = [];
  readonly requirements: string[] = [];
  check(
    rule: string,
    severity: 'error' | 'warning',
    item: string,
    done: boolean,
    detail: string,
    requirement?: string,
  ): void {
    this.list.push({ rule, item, done, detail, severity });
    if (!done && severity === 'error' && requirement) this.requirements.push(requirement);
  }
  result(details: Record<string, unknown>): ValidationResult {
    const errors = this.list.filter((c) => !c.done && c.severity === 'error').map((c) => `${c.item}: ${c.detail}`);
    const warnings = this.list.filter((c) => !c.done && c.severity === 'warning').map((c) => `${c.item}: ${c.detail}`);
    return {
      valid: errors.length === 0,
      errors,
      warnings,
      requirements: this.requirements,
      details,
      checklist: this.list,
    };
  }
}

const closed = (s: TaskStatus) => s === 'completed' || s === 'cancelled';

export function validateTaskCompletion(t: TaskFacts, rules: ValidationRules): ValidationResult {
  const c = new Checks();

  // Status progression: only work that was started and is still open can complete.
  let statusOk = true;
  let statusDetail = `${t.status}, can complete`;
  let statusFix: string | undefined;
  if (closed(t.status)) {
    statusOk = false;
    statusDetail = `${t.code} is already ${t.status}`;
    statusFix = `${t.code} is already ${t.status}; reopen it first with: ${fragctl('task', 'edit', t.code, '--status', 'in_progress')}`;
  } else if (t.status === 'blocked') {
    statusOk = false;
    statusDetail = `${t.code} is blocked`;
    statusFix = `unblock ${t.code} first: ${fragctl('task', 'edit', t.code, '--status', 'in_progress')}`;
  } else if (t.status === 'todo' && !t.was_started) {
    statusOk = false;
    statusDetail = `${t.code} was never started (todo → completed skips in_progress)`;
    statusFix = `start ${t.code} first: ${fragctl('task', 'activate', t.code)}`;
  }
  c.check('status', 'error', 'status progression', statusOk, statusDetail, statusFix);

  const summaryLen = (t.summary ?? '').trim().length;
  c.check(
    'summary',
    'error',
    'summary',
    summaryLen >= rules.summary_min_chars && !t.summary_canned,
    summaryLen === 0
      ? `no summary (need at least ${rules.summary_min_chars} characters)`
      : t.summary_canned
        ? `the summary is refused: ${t.summary_canned}; write what was done, how, and what is left, in your own words`
        : `${summaryLen} of at least ${rules.summary_min_chars} characters`,
    `write a summary of at least ${rules.summary_min_chars} characters: ${fragctl('task', 'edit', t.code, '--summary')} <summary>`,
  );

  c.check(
    'updates',
    'error',
    'context updates',
    t.updates >= rules.min_context_updates,
    `${t.updates} of at least ${rules.min_context_updates}`,
    `post ${Math.max(0, rules.min_context_updates - t.updates)} more progress update(s) while ${t.code} is active: ${fragctl('update')} <update>`,
  );

  const open = t.subtasks.filter((s) => !closed(s.status));
  c.check(
    'subtasks',
    'error',
    'subtasks',
    open.length === 0,
    t.subtasks.length === 0
      ? 'none'
      : open.length === 0
        ? `all ${t.subtasks.length} completed or cancelled`
        : `${open.length} open: ${open.map((s) => `${s.code} (${s.status})`).join(', ')}`,
    `complete or cancel the open subtasks first: ${open.map((s) => s.code).join(', ')} (see ${fragctl('validate', 'task', open[0]?.code ?? t.code)})`,
  );

  // "✓ 0s" right after activation read as met while nothing was tracked: under a whole
  // second it says "not yet met". No time at all blocks; a blink is a warning, since a task
  // finished in under a second (a scripted close, a test) is not worth a refusal.
  const trackedSeconds = Math.floor(t.tracked_ms / 1000);
  c.check(
    'time',
    t.tracked_ms > 0 ? 'warning' : 'error',
    'time tracked',
    trackedSeconds >= 1,
    trackedSeconds >= 1
      ? formatDuration(trackedSeconds)
      : t.tracked_ms > 0
        ? '0s so far: not yet met (work on the task, then complete it)'
        : 'no time tracked on this task',
    `track time on ${t.code}: ${fragctl('task', 'activate', t.code)}`,
  );

  const v = estimateVariance(t.estimate_minutes, t.tracked_ms);
  const within = v.variance_percent == null || Math.abs(v.variance_percent) <= rules.estimate_variance_percent;
  c.check(
    'estimate',
    'warning',
    'estimate vs actual',
    within,
    t.estimate_minutes == null
      ? 'no estimate'
      : `estimate ${formatDuration(t.estimate_minutes * 60)}, actual ${formatDuration(t.tracked_ms / 1000)} (${v.variance_percent! >= 0 ? '+' : ''}${v.variance_percent}%)`,
  );

  return c.result({
    code: t.code,
    status: t.status,
    summary_chars: summaryLen,
    summary_min_chars: rules.summary_min_chars,
    updates: t.updates,
    min_context_updates: rules.min_context_updates,
    open_subtasks: open.map((s) => s.code),
    tracked_seconds: Math.floor(t.tracked_ms / 1000),
    estimate_minutes: t.estimate_minutes,
    actual_minutes: v.actual_minutes,
    variance_percent: v.variance_percent,
    variance_threshold_percent: rules.estimate_variance_percent,
  });
}

/**
 * A sprint closes when every task is completed or cancelled and it has a summary or a
 * retrospective (errors). Deliverables — a deliverables note or artifacts recorded in
 * the sprint — are a warning: some sprints (research, spikes) deliver only knowledge.
 */
export function validateSprintCompletion(
  s: SprintFacts,
  rules: Pick<ValidationRules, 'summary_min_chars'>,
): ValidationResult {
  const c = new Checks();
  const alreadyClosed = s.status === 'completed' || s.status === 'cancelled';
  c.check(
    'status',
    'error',
    'status',
    !alreadyClosed,
    alreadyClosed ? `${s.code} is already ${s.status}` : `${s.status}, can complete`,
    `${s.code} is already ${s.status}; reopen it first with: ${fragctl('sprint', 'edit', s.code, '--status', 'active')}`,
  );

  const open = s.tasks.filter((t) => !closed(t.status));
  c.check(
    'tasks',
    'error',
    'tasks',
    open.length === 0,
    open.length === 0
      ? `all ${s.tasks.length} completed or cancelled`
      : `${open.length} of ${s.tasks.length} open: ${open.map((t) => `${t.code} (${t.status})`).join(', ')}`,
    `complete or cancel the open tasks: ${open.map((t) => t.code).join(', ')} (${fragctl('tasks', 'bulk-complete', open.map((t) => t.code).join(','), '--summary', '…')})`,
  );
  c.check(
    'has_tasks',
    'warning',
    'has tasks',
    s.tasks.length > 0,
    s.tasks.length > 0 ? `${s.tasks.length} task(s)` : 'the sprint has no tasks',
  );

  const longest = Math.max((s.summary ?? '').trim().length, (s.retrospective ?? '').trim().length);
  c.check(
    'summary',
    'error',
    'summary or retrospective',
    longest >= rules.summary_min_chars,
    longest === 0
      ? `neither (need at least ${rules.summary_min_chars} characters)`
      : `${longest} of at least ${rules.summary_min_chars} characters`,
    `write a sprint summary of at least ${rules.summary_min_chars} characters: ${fragctl('sprint', 'edit', s.code, '--summary')} <summary>`,
  );

  const hasDeliverables = (s.deliverables ?? '').trim().length > 0 || s.artifacts > 0;
  c.check(
    'deliverables',
    'warning',
    'deliverables noted',
    hasDeliverables,
    hasDeliverables
      ? [s.deliverables ? 'noted' : null, s.artifacts ? `${s.artifacts} artifact(s)` : null].filter(Boolean).join(', ')
      : 'no deliverables noted and no artifacts recorded',
  );

  if (s.next_sprint !== undefined)
    c.check(
      'next_sprint',
      'warning',
      'next sprint planned',
      s.next_sprint !== null,
      s.next_sprint
        ? `${s.next_sprint} is next`
        : `no other planned or active sprint: plan the next one (${fragctl('sprint', 'create', 'CODE', 'TITLE')})`,
    );

  return c.result({
    code: s.code,
    status: s.status,
    tasks_total: s.tasks.length,
    open_tasks: open.map((t) => t.code),
    summary_chars: longest,
    summary_min_chars: rules.summary_min_chars,
    artifacts: s.artifacts,
  });
}
