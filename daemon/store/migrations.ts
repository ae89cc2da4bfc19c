// Versioned schema. Each entry moves the database from version i to i+1; the version
// lives in PRAGMA user_version. Never edit a shipped migration: add one.
// Times are integer milliseconds since the epoch (UTC).

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
];
