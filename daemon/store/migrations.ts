// Versioned schema. Each entry moves the database from version i to i+1; the version
// lives in PRAGMA user_version. Never edit a shipped migration: add one.
// Times are integer milliseconds since the epoch (UTC).

/**
 * The UTC hours after its first that an interval of at most 24 hours can reach (at most 24
 * more: interval_hours). Part of a shipped migration: never change it.
 */
export const HOUR_STEPS = JSON.stringify(Array.from({ length: 25 }, (_, i) => i));

export const migrations: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('session_seq', '0');

  CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE sprints (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    project_id INTEGER REFERENCES projects(id),
    title TEXT NOT NULL,
    goal TEXT,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','active','completed','cancelled')),
    summary TEXT,
    retrospective TEXT,
    deliverables TEXT,
    started_at INTEGER,
    completed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    project_id INTEGER REFERENCES projects(id),
    sprint_id INTEGER REFERENCES sprints(id),
    parent_id INTEGER REFERENCES tasks(id),
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo','in_progress','blocked','completed','cancelled')),
    estimate_minutes INTEGER,
    delegation_status TEXT NOT NULL DEFAULT 'unassigned',
    assignee TEXT,
    summary TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER
  );
  CREATE INDEX tasks_sprint ON tasks(sprint_id);
  CREATE INDEX tasks_parent ON tasks(parent_id);

  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    os_user TEXT NOT NULL,
    chat_session_id TEXT,
    source TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('work','planning','review')),
    status TEXT NOT NULL CHECK (status IN ('active','paused','completed','abandoned')),
    stack TEXT NOT NULL DEFAULT '[]',
    active_project_id INTEGER REFERENCES projects(id),
    active_sprint_id INTEGER REFERENCES sprints(id),
    active_task_id INTEGER REFERENCES tasks(id),
    metadata TEXT NOT NULL DEFAULT '{}',
    summary TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    paused_at INTEGER,
    pause_reason TEXT,
    last_activity_at INTEGER NOT NULL,
    total_active_seconds INTEGER NOT NULL DEFAULT 0,
    activity_count INTEGER NOT NULL DEFAULT 0,
    update_count INTEGER NOT NULL DEFAULT 0,
    note_count INTEGER NOT NULL DEFAULT 0,
    log_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX sessions_actor_status ON sessions(actor, status);
  -- At most one active session per actor, enforced by the database itself.
  CREATE UNIQUE INDEX sessions_one_active ON sessions(actor) WHERE status = 'active';

  CREATE TABLE context_history (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    action TEXT NOT NULL CHECK (action IN ('push','pop','switch')),
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    ref_id INTEGER,
    stack TEXT NOT NULL,
    seconds_spent INTEGER,
    at INTEGER NOT NULL
  );
  CREATE INDEX context_history_session ON context_history(session_id, id);

  CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    kind TEXT NOT NULL,
    message TEXT,
    data TEXT,
    source TEXT,
    project_id INTEGER,
    sprint_id INTEGER,
    task_id INTEGER,
    subtask_id INTEGER,
    event_id TEXT UNIQUE,
    at INTEGER NOT NULL
  );
  CREATE INDEX activities_session ON activities(session_id, id);
  CREATE INDEX activities_task ON activities(task_id, kind);

  CREATE TABLE intervals (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    actor TEXT NOT NULL,
    project_id INTEGER,
    sprint_id INTEGER,
    task_id INTEGER,
    started_at INTEGER NOT NULL,
    checkpoint_at INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT
  );
  CREATE INDEX intervals_session ON intervals(session_id, started_at);
  CREATE INDEX intervals_task ON intervals(task_id);
  CREATE INDEX intervals_open ON intervals(ended_at) WHERE ended_at IS NULL;
  CREATE INDEX intervals_started ON intervals(started_at);
  `,
  // git hooks: commits and their task links, which a rewrite (amend, rebase) moves to the new id.
  `
  CREATE TABLE git_commits (
    id INTEGER PRIMARY KEY,
    repo TEXT NOT NULL,
    sha TEXT NOT NULL,
    branch TEXT,
    subject TEXT,
    files TEXT NOT NULL DEFAULT '[]',
    session_id INTEGER REFERENCES sessions(id),
    task_id INTEGER REFERENCES tasks(id),
    activity_id INTEGER REFERENCES activities(id),
    rewritten_from TEXT,
    rewritten_to TEXT,
    at INTEGER NOT NULL,
    UNIQUE (repo, sha)
  );
  CREATE INDEX git_commits_task ON git_commits(task_id);
  CREATE INDEX git_commits_session ON git_commits(session_id);
  `,
  // Time: heartbeats find the row to coalesce into by session, kind and time; reports by
  // actor filter intervals by actor and start.
  `
  CREATE INDEX activities_session_kind_at ON activities(session_id, kind, at);
  CREATE INDEX intervals_actor_started ON intervals(actor, started_at);
  `,
  // Completion: a subtask's updates are found by subtask_id (task_id holds its parent),
  // so "task_id = ? OR subtask_id = ?" uses two indexes instead of scanning the log.
  `
  CREATE INDEX activities_subtask ON activities(subtask_id, kind) WHERE subtask_id IS NOT NULL;
  `,
  // Agents (hooks): a conversation is found by its chat session id; token usage read from
  // the agents' transcripts, once per message id, with the offset read so far per file.
  `
  CREATE INDEX sessions_chat ON sessions(chat_session_id) WHERE chat_session_id IS NOT NULL;
  CREATE TABLE agent_transcripts (
    path TEXT PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    offset INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    read_at INTEGER NOT NULL
  );
  CREATE TABLE agent_tokens (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    actor TEXT NOT NULL,
    project_id INTEGER,
    sprint_id INTEGER,
    task_id INTEGER,
    message_id TEXT NOT NULL UNIQUE,
    model TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL
  );
  CREATE INDEX agent_tokens_session ON agent_tokens(session_id);
  CREATE INDEX agent_tokens_task ON agent_tokens(task_id);
  CREATE INDEX agent_tokens_at ON agent_tokens(at);
  `,
  // Running totals of closed intervals, kept by triggers on `intervals`, so that reading a
  // session's, task's or sprint's time costs the same at 1M intervals as at 10k, and any
  // change to intervals by any code path (corrections, undo, plain SQL) keeps them right in
  // the same transaction. An open interval is not in them: readers add now - started_at.
  // scope 'session' (id = session), 'task' (id = task), 'sprint', 'project', and
  // 'session_task' (id = session, sub = task); n counts the intervals in the sum.
  // interval_bounds holds the longest closed interval ever seen (never shrinks), so a report
  // can bound both ends of its range on the started_at indexes.
  // The partial index finds a session's open interval without walking its history.
  `
  CREATE TABLE time_totals (
    scope TEXT NOT NULL CHECK (scope IN ('session','task','sprint','project','session_task')),
    id INTEGER NOT NULL,
    sub INTEGER NOT NULL DEFAULT 0,
    ms INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (scope, id, sub)
  ) WITHOUT ROWID;
  CREATE TABLE interval_bounds (id INTEGER PRIMARY KEY CHECK (id = 1), max_closed_ms INTEGER NOT NULL);
  CREATE INDEX intervals_open_session ON intervals(session_id) WHERE ended_at IS NULL;
  -- Reports read a range of intervals by start: covering, so the range is read from the
  -- index alone (intervals are written only on stack changes, so the copy costs little).
  DROP INDEX intervals_started;
  CREATE INDEX intervals_range ON intervals(started_at, ended_at, actor, session_id, task_id, sprint_id, project_id);
  -- A report counts the sessions whose lifetime reaches its range: those still open or ended after its start.
  CREATE INDEX sessions_ended ON sessions(ended_at);

  INSERT INTO time_totals (scope, id, sub, ms, n)
    SELECT 'session', session_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL GROUP BY session_id;
  INSERT INTO time_totals (scope, id, sub, ms, n)
    SELECT 'task', task_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY task_id;
  INSERT INTO time_totals (scope, id, sub, ms, n)
    SELECT 'sprint', sprint_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND sprint_id IS NOT NULL GROUP BY sprint_id;
  INSERT INTO time_totals (scope, id, sub, ms, n)
    SELECT 'project', project_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND project_id IS NOT NULL GROUP BY project_id;
  INSERT INTO time_totals (scope, id, sub, ms, n)
    SELECT 'session_task', session_id, task_id, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY session_id, task_id;
  INSERT INTO interval_bounds (id, max_closed_ms)
    SELECT 1, coalesce(max(ended_at - started_at), 0) FROM intervals WHERE ended_at IS NOT NULL;
  UPDATE sessions SET total_active_seconds =
    coalesce((SELECT ms FROM time_totals WHERE scope = 'session' AND id = sessions.id AND sub = 0), 0) / 1000;

  CREATE TRIGGER intervals_totals_add AFTER INSERT ON intervals WHEN NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session', NEW.session_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE true
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'task', NEW.task_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'sprint', NEW.sprint_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.sprint_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'project', NEW.project_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.project_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session_task', NEW.session_id, NEW.task_id, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    UPDATE sessions SET total_active_seconds =
      (SELECT ms FROM time_totals WHERE scope = 'session' AND id = NEW.session_id AND sub = 0) / 1000 WHERE id = NEW.session_id;
    UPDATE interval_bounds SET max_closed_ms = max(max_closed_ms, NEW.ended_at - NEW.started_at) WHERE id = 1;
  END;
  CREATE TRIGGER intervals_totals_remove AFTER DELETE ON intervals WHEN OLD.ended_at IS NOT NULL BEGIN
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session', OLD.session_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE true
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'task', OLD.task_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'sprint', OLD.sprint_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.sprint_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'project', OLD.project_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.project_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session_task', OLD.session_id, OLD.task_id, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    UPDATE sessions SET total_active_seconds =
      (SELECT ms FROM time_totals WHERE scope = 'session' AND id = OLD.session_id AND sub = 0) / 1000 WHERE id = OLD.session_id;
  END;
  CREATE TRIGGER intervals_totals_update_remove
    AFTER UPDATE OF session_id, project_id, sprint_id, task_id, started_at, ended_at ON intervals
    WHEN OLD.ended_at IS NOT NULL BEGIN
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session', OLD.session_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE true
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'task', OLD.task_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'sprint', OLD.sprint_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.sprint_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'project', OLD.project_id, 0, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.project_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session_task', OLD.session_id, OLD.task_id, -(OLD.ended_at - OLD.started_at), -1 WHERE OLD.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    UPDATE sessions SET total_active_seconds =
      (SELECT ms FROM time_totals WHERE scope = 'session' AND id = OLD.session_id AND sub = 0) / 1000 WHERE id = OLD.session_id;
  END;
  CREATE TRIGGER intervals_totals_update_add
    AFTER UPDATE OF session_id, project_id, sprint_id, task_id, started_at, ended_at ON intervals
    WHEN NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session', NEW.session_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE true
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'task', NEW.task_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'sprint', NEW.sprint_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.sprint_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'project', NEW.project_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.project_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session_task', NEW.session_id, NEW.task_id, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    UPDATE sessions SET total_active_seconds =
      (SELECT ms FROM time_totals WHERE scope = 'session' AND id = NEW.session_id AND sub = 0) / 1000 WHERE id = NEW.session_id;
    UPDATE interval_bounds SET max_closed_ms = max(max_closed_ms, NEW.ended_at - NEW.started_at) WHERE id = 1;
  END;
  `,
  // Corrections (docs/corrections.md): an interval carries an annotation, the tags it was
  // imported with (Timewarrior), and an external id that makes a second import add nothing.
  // The undo log: while a step is open (undo_active.step_id set by the dispatcher around an
  // undoable call), triggers record each row's image before and after, per tracked table.
  // Audit rows (activities) and counters/totals are not tracked: the audit log only grows,
  // and totals follow from intervals.
  `
  ALTER TABLE intervals ADD COLUMN annotation TEXT;
  ALTER TABLE intervals ADD COLUMN tags TEXT;
  ALTER TABLE intervals ADD COLUMN external_id TEXT;
  CREATE UNIQUE INDEX intervals_external ON intervals(actor, external_id) WHERE external_id IS NOT NULL;

  CREATE TABLE undo_steps (
    id INTEGER PRIMARY KEY,
    actor TEXT NOT NULL,
    method TEXT NOT NULL,
    label TEXT NOT NULL,
    at INTEGER NOT NULL,
    undone_at INTEGER,
    undo_activity_id INTEGER
  );
  CREATE INDEX undo_steps_actor ON undo_steps(actor, id);
  CREATE TABLE undo_log (
    id INTEGER PRIMARY KEY,
    step_id INTEGER NOT NULL REFERENCES undo_steps(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('i','u','d')),
    before TEXT,
    after TEXT
  );
  CREATE INDEX undo_log_step ON undo_log(step_id, id);
  CREATE INDEX undo_log_row ON undo_log(tbl, row_id, step_id);
  CREATE TABLE undo_active (only INTEGER PRIMARY KEY CHECK (only = 1), step_id INTEGER);
  INSERT INTO undo_active (only, step_id) VALUES (1, NULL);
  ${undoTriggers('intervals', ['id', 'session_id', 'actor', 'project_id', 'sprint_id', 'task_id', 'started_at', 'checkpoint_at', 'ended_at', 'end_reason', 'annotation', 'tags', 'external_id'])}
  ${undoTriggers('sessions', ['id', 'status', 'stack', 'active_project_id', 'active_sprint_id', 'active_task_id', 'metadata', 'summary', 'ended_at', 'paused_at', 'pause_reason'], { insert: false, delete: false })}
  ${undoTriggers('context_history', ['id', 'session_id', 'action', 'type', 'code', 'ref_id', 'stack', 'seconds_spent', 'at'])}
  ${undoTriggers('projects', ['id', 'code', 'title', 'description', 'status', 'created_at', 'updated_at'])}
  ${undoTriggers('sprints', ['id', 'code', 'project_id', 'title', 'goal', 'status', 'summary', 'retrospective', 'deliverables', 'started_at', 'completed_at', 'created_at', 'updated_at'])}
  ${undoTriggers('tasks', ['id', 'code', 'project_id', 'sprint_id', 'parent_id', 'title', 'description', 'status', 'estimate_minutes', 'delegation_status', 'assignee', 'summary', 'created_at', 'updated_at', 'completed_at'])}
  `,
  // Idempotency per writer (issue 9): a client's event id is unique only for its writer
  // (session and actor) and the kind of call, so two writers may both use "1". The inline
  // UNIQUE on activities.event_id cannot be dropped in SQLite: the table is rebuilt (ids
  // kept), with git_commits' links to it set aside meanwhile so that no foreign key breaks.
  // Earlier rows get the scope they would have had: git events keep one global scope.
  `
  CREATE TEMP TABLE commit_activity AS SELECT id, activity_id FROM git_commits WHERE activity_id IS NOT NULL;
  UPDATE git_commits SET activity_id = NULL WHERE activity_id IS NOT NULL;
  CREATE TABLE activities_new (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    kind TEXT NOT NULL,
    message TEXT,
    data TEXT,
    source TEXT,
    project_id INTEGER,
    sprint_id INTEGER,
    task_id INTEGER,
    subtask_id INTEGER,
    event_id TEXT,
    event_scope TEXT,
    at INTEGER NOT NULL,
    CHECK ((event_id IS NULL) = (event_scope IS NULL))
  );
  INSERT INTO activities_new (id, session_id, kind, message, data, source, project_id, sprint_id, task_id, subtask_id, event_id, event_scope, at)
    SELECT a.id, a.session_id, a.kind, a.message, a.data, a.source, a.project_id, a.sprint_id, a.task_id, a.subtask_id, a.event_id,
      CASE
        WHEN a.event_id IS NULL THEN NULL
        WHEN a.event_id LIKE 'git.%' AND a.kind LIKE 'git.%' THEN 'git'
        WHEN a.kind LIKE 'agent.%' THEN 'agent'
        ELSE (CASE a.kind WHEN 'update' THEN 'activity.update' WHEN 'note' THEN 'activity.note' ELSE 'activity.log' END)
          || '|' || coalesce(s.key, '-') || '|' || coalesce(s.actor, '-')
      END,
      a.at
    FROM activities a LEFT JOIN sessions s ON s.id = a.session_id;
  DROP TABLE activities;
  ALTER TABLE activities_new RENAME TO activities;
  CREATE INDEX activities_session ON activities(session_id, id);
  CREATE INDEX activities_task ON activities(task_id, kind);
  CREATE INDEX activities_session_kind_at ON activities(session_id, kind, at);
  CREATE INDEX activities_subtask ON activities(subtask_id, kind) WHERE subtask_id IS NOT NULL;
  CREATE UNIQUE INDEX activities_event ON activities(event_scope, event_id) WHERE event_id IS NOT NULL;
  UPDATE git_commits SET activity_id = (SELECT c.activity_id FROM commit_activity c WHERE c.id = git_commits.id)
    WHERE id IN (SELECT id FROM commit_activity);
  DROP TABLE temp.commit_activity;
  `,
  // Claims, dependencies and priority (many agents, one plan). A claim row records who took
  // a task, how and when; it is live while its session is open with the task on its stack
  // (so every way a session lets go of a task ends the claim), and the partial unique index
  // keeps one unreleased holder per task. Priority: 1 urgent, 2 high, 3 normal, 4 low.
  `
  ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;
  CREATE TABLE task_deps (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    depends_on_id INTEGER NOT NULL REFERENCES tasks(id),
    UNIQUE (task_id, depends_on_id)
  );
  CREATE INDEX task_deps_on ON task_deps(depends_on_id);
  CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    actor TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('holder','joined')),
    how TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    released_at INTEGER,
    release_reason TEXT
  );
  CREATE UNIQUE INDEX claims_one_holder ON claims(task_id) WHERE released_at IS NULL AND role = 'holder';
  CREATE INDEX claims_task ON claims(task_id, released_at);
  CREATE INDEX claims_session ON claims(session_id);
  -- Undo (docs/corrections.md) reverts an activation with its claim, an edit with its
  -- dependencies and priority: the new tables join the undo log, and the tasks triggers are
  -- recreated with the priority column.
  DROP TRIGGER undo_tasks_i;
  DROP TRIGGER undo_tasks_u;
  DROP TRIGGER undo_tasks_d;
  ${undoTriggers('tasks', ['id', 'code', 'project_id', 'sprint_id', 'parent_id', 'title', 'description', 'status', 'estimate_minutes', 'delegation_status', 'assignee', 'summary', 'created_at', 'updated_at', 'completed_at', 'priority'])}
  ${undoTriggers('task_deps', ['id', 'task_id', 'depends_on_id'])}
  ${undoTriggers('claims', ['id', 'task_id', 'session_id', 'actor', 'role', 'how', 'claimed_at', 'released_at', 'release_reason'])}
  `,
  // Team sync (docs/team-sync.md): the outbox every change goes through on its way to
  // PostgreSQL (filled by triggers that fragd installs while sync is on, in the same
  // transaction as the change; AUTOINCREMENT so ids, the versions of changes, never go
  // back), the switch that mutes those triggers while pulled rows are applied, and what
  // was pulled of the other machines: their claims and their time per task.
  `
  CREATE TABLE sync_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert','delete')),
    at INTEGER NOT NULL
  );
  CREATE TABLE sync_muted (muted INTEGER NOT NULL);
  CREATE TABLE sync_claims (
    task_code TEXT PRIMARY KEY COLLATE NOCASE,
    machine TEXT NOT NULL,
    actor TEXT NOT NULL,
    session_key TEXT,
    claimed_at TEXT NOT NULL
  );
  CREATE TABLE sync_progress (
    task_code TEXT NOT NULL COLLATE NOCASE,
    machine TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    PRIMARY KEY (task_code, machine)
  );
  `,
  `
  -- Team sync: which machine's version each pulled work item holds, so that machine's next
  -- edit applies even when its clock reads the same millisecond (updated_at ties).
  CREATE TABLE sync_origin (
    tbl TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    machine TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tbl, item_id)
  );
  `,
  `
  -- "Last worked on" of a task (resume suggestions) is its latest interval: one index
  -- step per task, where reading its activities grew with every tool call and note.
  CREATE INDEX intervals_task_started ON intervals(task_id, started_at);
  DROP INDEX intervals_task;
  `,
  `
  -- How many context updates each task (or subtask) has, kept by triggers: every task view
  -- shows it, and counting them read every update of the task (43 ms at 333k of them).
  -- An update filed under a task and a subtask counts for both.
  CREATE TABLE task_update_counts (task_id INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO task_update_counts (task_id, n)
    SELECT id, count(*) FROM (
      SELECT task_id AS id FROM activities WHERE kind = 'update' AND task_id IS NOT NULL
      UNION ALL
      SELECT subtask_id FROM activities
       WHERE kind = 'update' AND subtask_id IS NOT NULL AND subtask_id IS NOT task_id)
    GROUP BY id;
  CREATE TRIGGER task_updates_i AFTER INSERT ON activities WHEN NEW.kind = 'update' BEGIN
    INSERT INTO task_update_counts (task_id, n) SELECT NEW.task_id, 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (task_id) DO UPDATE SET n = n + 1;
    INSERT INTO task_update_counts (task_id, n) SELECT NEW.subtask_id, 1
     WHERE NEW.subtask_id IS NOT NULL AND NEW.subtask_id IS NOT NEW.task_id
      ON CONFLICT (task_id) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER task_updates_d AFTER DELETE ON activities WHEN OLD.kind = 'update' BEGIN
    UPDATE task_update_counts SET n = n - 1
     WHERE task_id = OLD.task_id OR (task_id = OLD.subtask_id AND OLD.subtask_id IS NOT OLD.task_id);
  END;
  CREATE TRIGGER task_updates_u AFTER UPDATE OF kind, task_id, subtask_id ON activities
    WHEN OLD.kind = 'update' OR NEW.kind = 'update' BEGIN
    UPDATE task_update_counts SET n = n - 1
     WHERE OLD.kind = 'update'
       AND (task_id = OLD.task_id OR (task_id = OLD.subtask_id AND OLD.subtask_id IS NOT OLD.task_id));
    INSERT INTO task_update_counts (task_id, n) SELECT NEW.task_id, 1
     WHERE NEW.kind = 'update' AND NEW.task_id IS NOT NULL
      ON CONFLICT (task_id) DO UPDATE SET n = n + 1;
    INSERT INTO task_update_counts (task_id, n) SELECT NEW.subtask_id, 1
     WHERE NEW.kind = 'update' AND NEW.subtask_id IS NOT NULL AND NEW.subtask_id IS NOT NEW.task_id
      ON CONFLICT (task_id) DO UPDATE SET n = n + 1;
  END;
  `,
  `
  -- Flat with history (issue 20). The status files list the actors with an open session:
  -- SELECT DISTINCT actor … WHERE status IN ('active','paused') walked every session ever
  -- made (sessions_actor_status); this index holds the open ones only.
  CREATE INDEX sessions_open ON sessions(actor) WHERE status IN ('active','paused');
  -- "What next" walks the open top-level tasks in the order it ranks them (the session's
  -- sprint first, then priority, then plan order) and stops at the first ready ones;
  -- these hold only open top-level tasks, so closed history is never read.
  CREATE INDEX tasks_open_order ON tasks(priority, id) WHERE parent_id IS NULL AND status IN ('todo','in_progress');
  CREATE INDEX tasks_open_sprint ON tasks(sprint_id, priority, id)
    WHERE parent_id IS NULL AND status IN ('todo','in_progress');
  `,
  // Budgets (docs/costs.md): a time and a cost budget per task or sprint (cost as exact
  // dollars, text), and whether the plan makes it a limit rather than a warning; each
  // crossing of 80% and 100% of a budget is noted once, so it is told once.
  `
  ALTER TABLE tasks ADD COLUMN budget_minutes INTEGER;
  ALTER TABLE tasks ADD COLUMN budget_usd TEXT;
  ALTER TABLE tasks ADD COLUMN budget_enforce INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sprints ADD COLUMN budget_minutes INTEGER;
  ALTER TABLE sprints ADD COLUMN budget_usd TEXT;
  ALTER TABLE sprints ADD COLUMN budget_enforce INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE budget_marks (
    scope TEXT NOT NULL CHECK (scope IN ('task','sprint')),
    item_id INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('time','cost')),
    level INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (scope, item_id, measure, level)
  );
  `,
  `
  -- Labels on tasks and sprints (issue 26): what makes tasks "similar" for estimates, and
  -- what reports and lists filter by. A label is a word, compared without case.
  CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
  CREATE TABLE task_labels (
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (task_id, label_id)
  ) WITHOUT ROWID;
  CREATE INDEX task_labels_label ON task_labels(label_id, task_id);
  CREATE TABLE sprint_labels (
    sprint_id INTEGER NOT NULL REFERENCES sprints(id),
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (sprint_id, label_id)
  ) WITHOUT ROWID;
  CREATE INDEX sprint_labels_label ON sprint_labels(label_id, sprint_id);
  `,
  `
  -- Notes filed on a sprint or a project itself (note --on sprint|project, issue 26), read
  -- newest first by sprint show and project show.
  CREATE INDEX activities_sprint_notes ON activities(sprint_id, id) WHERE kind = 'note' AND task_id IS NULL;
  CREATE INDEX activities_project_notes ON activities(project_id, id)
    WHERE kind = 'note' AND task_id IS NULL AND sprint_id IS NULL;
  -- Messages between actors and handoffs of tasks (issue 25, docs/claims.md). A message has
  -- one row per recipient actor: when it was queued for an agent's context (and for which
  -- conversation), when it was first read (and where), when it was acknowledged. Queued and
  -- read are kept so that nothing is delivered twice, a restart included. Rows have a rowid
  -- of their own, so the team store's outbox carries them like every table (team-sync.md).
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('message','handoff')),
    from_actor TEXT NOT NULL,
    from_session_id INTEGER REFERENCES sessions(id),
    to_spec TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL
  );
  CREATE TABLE message_recipients (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    actor TEXT NOT NULL,
    queued_at INTEGER,
    queued_session_id INTEGER REFERENCES sessions(id),
    read_at INTEGER,
    read_via TEXT CHECK (read_via IN ('context','inbox','mcp')),
    acked_at INTEGER,
    UNIQUE (message_id, actor)
  );
  CREATE INDEX message_inbox ON message_recipients(actor, message_id);
  -- What every answer and every prompt of an agent asks: its actor's unread messages, found
  -- without reading the ones it has long dealt with.
  CREATE INDEX message_unread ON message_recipients(actor, message_id) WHERE read_at IS NULL AND acked_at IS NULL;
  CREATE INDEX message_queued ON message_recipients(queued_session_id) WHERE read_at IS NULL;
  -- A task handed over to an actor: held for it (others' next leaves it) until it takes it,
  -- someone takes it over, or it is handed on (closed_at, close_reason).
  CREATE TABLE handoffs (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    from_actor TEXT NOT NULL,
    from_session_id INTEGER REFERENCES sessions(id),
    to_actor TEXT NOT NULL,
    note TEXT NOT NULL,
    message_id INTEGER REFERENCES messages(id),
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    close_reason TEXT
  );
  CREATE INDEX handoffs_open ON handoffs(task_id) WHERE closed_at IS NULL;
  -- File reservations (issue 25, docs/claims.md#file-reservations): a session holds paths or
  -- globs of a repository, exclusive or shared, with a time to live renewed by its signs of
  -- life. Whether one still holds is read from its session and task at the moment of asking;
  -- released_at is set when it is released or noticed ended. Tasks declare the paths they
  -- touch (a JSON array): activating one reserves them.
  CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    repo TEXT NOT NULL,
    pattern TEXT NOT NULL,
    exclusive INTEGER NOT NULL DEFAULT 1,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    actor TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id),
    ttl_seconds INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    how TEXT NOT NULL DEFAULT 'reserve',
    released_at INTEGER,
    release_reason TEXT
  );
  CREATE INDEX reservations_open ON reservations(repo, id) WHERE released_at IS NULL;
  CREATE INDEX reservations_session ON reservations(session_id);
  ALTER TABLE tasks ADD COLUMN paths TEXT;
  `,
  `
  -- Team sync of reservations and messages (issue 25 item 6, docs/team-sync.md): the other
  -- machines' live reservations as the last pull read them (their holder session's state
  -- with them), enforced here like local ones; and which pulled message is which local one,
  -- so a message is imported once and its recipients' read and acknowledgment go back.
  CREATE TABLE sync_reservations (
    machine TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    repo TEXT NOT NULL,
    pattern TEXT NOT NULL,
    exclusive INTEGER NOT NULL,
    actor TEXT NOT NULL,
    session_key TEXT NOT NULL,
    task_id INTEGER,
    task_code TEXT,
    ttl_seconds INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    how TEXT NOT NULL,
    session TEXT NOT NULL,
    PRIMARY KEY (machine, row_id)
  );
  CREATE TABLE sync_messages (
    machine TEXT NOT NULL,
    remote_id INTEGER NOT NULL,
    local_id INTEGER NOT NULL,
    PRIMARY KEY (machine, remote_id)
  );
  CREATE INDEX sync_messages_local ON sync_messages(local_id);
  ALTER TABLE messages ADD COLUMN from_machine TEXT;
  ALTER TABLE messages ADD COLUMN from_session_key TEXT;
  `,
  // Running totals added once per statement (issue 20, item 6): a writer that inserts many
  // closed intervals in one statement (the Timewarrior import) puts a row in
  // time_totals_deferred, which the insert trigger reads as "not this row", and then adds
  // the statement's rows to time_totals, the sessions' totals and interval_bounds itself,
  // in the same transaction, with the same sums (daemon/app/time/totals.ts,
  // insertWithTotalsOnce). Without that row the trigger is as before; updates and deletes
  // are never deferred.
  `
  CREATE TABLE time_totals_deferred (deferred INTEGER NOT NULL);
  DROP TRIGGER intervals_totals_add;
  CREATE TRIGGER intervals_totals_add AFTER INSERT ON intervals
    WHEN NEW.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM time_totals_deferred) BEGIN
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session', NEW.session_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE true
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'task', NEW.task_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'sprint', NEW.sprint_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.sprint_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'project', NEW.project_id, 0, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.project_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    INSERT INTO time_totals (scope, id, sub, ms, n) SELECT 'session_task', NEW.session_id, NEW.task_id, (NEW.ended_at - NEW.started_at), 1 WHERE NEW.task_id IS NOT NULL
      ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n;
    UPDATE sessions SET total_active_seconds =
      (SELECT ms FROM time_totals WHERE scope = 'session' AND id = NEW.session_id AND sub = 0) / 1000 WHERE id = NEW.session_id;
    UPDATE interval_bounds SET max_closed_ms = max(max_closed_ms, NEW.ended_at - NEW.started_at) WHERE id = 1;
  END;
  `,
  // Tracked time per UTC hour and actor (issue 27: a year's report by day in a few ms).
  // Each closed interval of at most a day (its length positive) adds, to every UTC hour it
  // reaches, the milliseconds it spends in that hour; `starts` counts it in the hour it
  // starts in, `crosses` in each later hour (it was already running at that hour's first
  // instant), so a day made of whole hours counts the intervals overlapping it as its hours'
  // starts plus its first hour's crosses. Open intervals and longer ones are not in it: the
  // report reads those few exactly (the partial index finds the long ones). Kept by triggers
  // like time_totals, so every correction, undo and import is in it in the same transaction;
  // an insert muted by time_totals_deferred is added by insertWithTotalsOnce (totals.ts).
  // An interval of at most 24 hours reaches at most 25 UTC hours: its first and HOUR_STEPS
  // after it. Read by daemon/app/time/reports.ts (byDayFromHours).
  // intervals_session gains ended_at and actor: a report's count of sessions probes each
  // session's intervals in range (reports.ts, who), and from the index alone it reads no
  // table rows (730 random rows of a year cost ~10 ms with the daemon's small page cache).
  `
  DROP INDEX intervals_session;
  CREATE INDEX intervals_session ON intervals(session_id, started_at, ended_at, actor);
  CREATE TABLE interval_hours (
    hour INTEGER NOT NULL,
    actor TEXT NOT NULL,
    ms INTEGER NOT NULL,
    starts INTEGER NOT NULL,
    crosses INTEGER NOT NULL,
    PRIMARY KEY (hour, actor)
  ) WITHOUT ROWID;
  CREATE INDEX intervals_long ON intervals(started_at, ended_at, actor) WHERE ended_at - started_at > 86400000;
  INSERT INTO interval_hours (hour, actor, ms, starts, crosses)
    SELECT h, actor, sum(min(ended_at, (h + 1) * 3600000) - max(started_at, h * 3600000)),
           sum(h * 3600000 <= started_at), sum(h * 3600000 > started_at)
      FROM (SELECT i.actor, i.started_at, i.ended_at, i.started_at / 3600000 + j.value AS h
              FROM intervals i, json_each('${HOUR_STEPS}') j
             WHERE i.ended_at > i.started_at AND i.ended_at - i.started_at <= 86400000)
     WHERE h * 3600000 < ended_at
     GROUP BY h, actor;
  ${hourTrigger('intervals_hours_add', 'AFTER INSERT', 'NEW', 1, 'AND NOT EXISTS (SELECT 1 FROM time_totals_deferred)')}
  ${hourTrigger('intervals_hours_remove', 'AFTER DELETE', 'OLD', -1)}
  ${hourTrigger('intervals_hours_update_remove', 'AFTER UPDATE OF actor, started_at, ended_at', 'OLD', -1)}
  ${hourTrigger('intervals_hours_update_add', 'AFTER UPDATE OF actor, started_at, ended_at', 'NEW', 1)}
  `,
];

/**
 * One trigger of interval_hours: adds (sign 1) or removes (sign -1) the row image's share
 * of each UTC hour it reaches. Part of a shipped migration: add a new migration instead of
 * changing what this emits.
 */
function hourTrigger(name: string, event: string, row: 'NEW' | 'OLD', sign: 1 | -1, extra = ''): string {
  const s = sign === 1 ? '' : '-';
  return `CREATE TRIGGER ${name} ${event} ON intervals
    WHEN ${row}.ended_at > ${row}.started_at AND ${row}.ended_at - ${row}.started_at <= 86400000 ${extra} BEGIN
    INSERT INTO interval_hours (hour, actor, ms, starts, crosses)
      SELECT h, ${row}.actor, ${s}(min(${row}.ended_at, (h + 1) * 3600000) - max(${row}.started_at, h * 3600000)),
             ${s}(h * 3600000 <= ${row}.started_at), ${s}(h * 3600000 > ${row}.started_at)
        FROM (SELECT ${row}.started_at / 3600000 + value AS h FROM json_each('${HOUR_STEPS}'))
       WHERE h * 3600000 < ${row}.ended_at
      ON CONFLICT (hour, actor) DO UPDATE SET
        ms = ms + excluded.ms, starts = starts + excluded.starts, crosses = crosses + excluded.crosses;
  END;`;
}

/**
 * The undo-log triggers of one table (the SQLite "automatic undo" pattern, with row images
 * instead of SQL text): each change made while a step is open is logged with the row's
 * tracked columns before and after. An update that leaves every tracked column as it was
 * (a checkpoint, a counter, a total kept by another trigger) logs nothing.
 * Part of a shipped migration: add a new migration instead of changing what this emits.
 */
function undoTriggers(table: string, cols: string[], ops: { insert?: boolean; delete?: boolean } = {}): string {
  const image = (row: 'old' | 'new') => `json_object(${cols.map((c) => `'${c}', ${row}.${c}`).join(', ')})`;
  const active = '(SELECT step_id FROM undo_active) IS NOT NULL';
  const log = (op: string, rowId: string, before: string, after: string) =>
    `INSERT INTO undo_log (step_id, tbl, row_id, op, before, after)
       VALUES ((SELECT step_id FROM undo_active), '${table}', ${rowId}, '${op}', ${before}, ${after});`;
  const changed = cols.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');
  return [
    ops.insert === false
      ? ''
      : `CREATE TRIGGER undo_${table}_i AFTER INSERT ON ${table} WHEN ${active} BEGIN ${log('i', 'new.id', 'NULL', image('new'))} END;`,
    `CREATE TRIGGER undo_${table}_u AFTER UPDATE ON ${table} WHEN ${active} AND (${changed}) BEGIN ${log('u', 'old.id', image('old'), image('new'))} END;`,
    ops.delete === false
      ? ''
      : `CREATE TRIGGER undo_${table}_d AFTER DELETE ON ${table} WHEN ${active} BEGIN ${log('d', 'old.id', image('old'), 'NULL')} END;`,
  ].join('\n');
}
