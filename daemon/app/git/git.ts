// What the git hooks recorded, as activities (git.commit, git.checkout, git.merge,
// git.rewrite) and commit ↔ task links. The hook only notes ids; the commit message and
// files are read here from git itself (commits are immutable, so reading later is exact).
import { othersCovering } from '../reservations/reservations.js';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { findByEventId, GIT_EVENTS, recordActivity, withoutSignOfLife } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { resumableByActivity, resumeSessionRow } from '../sessions/sessions.js';
import { currentSessionOf, DEFAULT_ACTOR, getSession } from '../sessions/lookup.js';
import { notFound } from '../../../shared/errors.js';
import type { CommitView } from '../../../shared/protocol/git.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { fragctl } from '../../../shared/command.js';

export type HookName = 'post-commit' | 'post-checkout' | 'post-merge' | 'post-rewrite';
export const HOOK_NAMES: readonly HookName[] = ['post-commit', 'post-checkout', 'post-merge', 'post-rewrite'];

/** One record a hook left in the spool (see client/hooks/fragd-hook.sh for its format). */
export interface HookRecord {
  /** File name in the spool: unique per hook run (hook, HEAD, pid). */
  name: string;
  hook: HookName;
  repo: string;
  head: string;
  /** refs/heads/NAME, or HEAD when detached. */
  ref: string;
  orig: string;
  args: string[];
  session: string;
  actor: string;
  pairs: [string, string][];
  /** Distinguishes two runs of one hook on one HEAD (the boot clock when the hook ran; '' off Linux). */
  nonce: string;
  /** When the hook ran (the record file's mtime). */
  at: number;
}

export type RecordOutcome = 'ingested' | 'duplicate' | 'skipped';

export const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

interface CommitDetails {
  parents: string[];
  subject: string;
  message: string;
  files: string[];
}

// A daemon started from inside a hook (auto-start) would inherit GIT_DIR and friends,
// which point git at the wrong repository for every other record.
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return env;
}

function git(repo: string, args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      env: gitEnv(),
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 8 << 20,
    });
  } catch {
    return null;
  }
}

const logArgs = (sha: string) => [
  'log',
  '-1',
  '--format=%P%x00%B%x00',
  '--name-only',
  '--no-renames',
  '--diff-merges=first-parent',
  sha,
];
const diffArgs = (from: string, to: string) => ['diff', '--name-only', '--no-renames', from, to];

/** One thing a record needs from git: a commit's details, or the files changed between two commits. */
export type GitNeed = { kind: 'log'; sha: string } | { kind: 'diff'; from: string; to: string };
type Answer = CommitDetails | string[];

/**
 * Whether an ingest may ask git itself for what was not read ahead. fragd's own passes never
 * do: they run inside the commit transaction, where git would hold the event loop (up to its
 * 5 s timeout per commit on a slow or hung repository).
 */
export interface IngestOptions {
  syncGit: boolean;
}

// Commits are immutable, so what is read ahead of time (asynchronously, outside the
// transaction) is exact; the ingest then runs no git at all. null: git failed, the details
// are unavailable (asking again inside the transaction is what must not happen).
// Map order is recency: least recently used first.
const readAheadCache = new Map<string, Answer | null>();
/** Bound of the cache, except that one record's needs are always kept together (see readAhead). */
export const READ_AHEAD_MAX = 2000;

const needKey = (repo: string, n: GitNeed) =>
  n.kind === 'log' ? `${repo}\0log\0${n.sha}` : `${repo}\0diff\0${n.from}\0${n.to}`;

function cached(repo: string, n: GitNeed): { hit: true; value: Answer | null } | { hit: false } {
  const key = needKey(repo, n);
  if (!readAheadCache.has(key)) return { hit: false };
  const value = readAheadCache.get(key) ?? null;
  readAheadCache.delete(key);
  readAheadCache.set(key, value);
  return { hit: true, value };
}

/** Runs git without blocking the event loop; null when it fails, times out or says too much. */
function runGit(
  repo: string,
  args: string[],
  input: string | null,
  timeout: number,
  maxBuffer: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      ['-C', repo, ...args],
      { encoding: 'utf8', env: gitEnv(), timeout, maxBuffer },
      (err, out) => resolve(err ? null : out),
    );
    // A git that exits before reading its input (the repository is gone) must not crash the daemon.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** Commits per git process: bounds one run's time and output on a huge rebase. */
export const LOG_BATCH = 500;
// Ids git does not know are left out (--ignore-missing) rather than failing the whole batch; each
// commit's output starts with a separator and its id, so missing ones simply have no entry.
const logBatchArgs = [
  'log',
  '--ignore-missing',
  '--no-walk=unsorted',
  '--stdin',
  '--format=%x1e%H%x00%P%x00%B%x00',
  '--name-only',
  '--no-renames',
  '--diff-merges=first-parent',
];
// eslint-disable-next-line no-control-regex -- git's record separator is the delimiter we asked for
const BATCH_ENTRY = /\x1e([0-9a-f]{40}(?:[0-9a-f]{24})?)\0/;

/** Details of a batch of commits of one repository, by id; null when git failed for the repository. */
async function readCommits(repo: string, shas: string[]): Promise<Map<string, CommitDetails> | null> {
  // git log with an empty --stdin would show HEAD instead.
  if (shas.length === 0) return new Map();
  const out = await runGit(repo, logBatchArgs, shas.join('\n') + '\n', 5000 + 10 * shas.length, 64 << 20);
  if (out === null) return null;
  const parts = out.split(BATCH_ENTRY);
  const found = new Map<string, CommitDetails>();
  for (let i = 1; i + 1 < parts.length; i += 2) found.set(parts[i], parseLog(parts[i + 1]));
  return found;
}

/** Runs the tasks, at most `width` at a time. */
async function pool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
}

/**
 * Reads ahead, without blocking the event loop, what the next pass will need. Room is made
 * once per batch by evicting the least recently used answers this batch does not want, so
 * everything a batch wants is present together, even a record (a long rebase) whose needs
 * alone exceed the bound: such a record could otherwise never count as read ahead.
 * Commits are read in batches, one git process per repository and LOG_BATCH commits; a
 * commit git does not have is unavailable alone, a repository git cannot read makes all of
 * its commits unavailable (tried once: the pass then runs no git).
 */
export async function readAhead(wanted: { repo: string; need: GitNeed }[]): Promise<void> {
  const batch = new Map<string, { repo: string; need: GitNeed }>();
  for (const w of wanted) batch.set(needKey(w.repo, w.need), w);
  const missing: { key: string; repo: string; need: GitNeed }[] = [];
  for (const [key, w] of batch) {
    if (cached(w.repo, w.need).hit) continue;
    missing.push({ key, ...w });
  }
  for (const key of readAheadCache.keys()) {
    if (readAheadCache.size + missing.length <= READ_AHEAD_MAX) break;
    if (!batch.has(key)) readAheadCache.delete(key);
  }
  const logsByRepo = new Map<string, string[]>();
  const tasks: (() => Promise<void>)[] = [];
  for (const m of missing) {
    const n = m.need;
    if (n.kind === 'log') {
      const shas = logsByRepo.get(m.repo) ?? [];
      shas.push(n.sha);
      logsByRepo.set(m.repo, shas);
    } else
      tasks.push(async () => {
        const out = await runGit(m.repo, diffArgs(n.from, n.to), null, 5000, 8 << 20);
        readAheadCache.set(m.key, out === null ? null : parseFiles(out));
      });
  }
  for (const [repo, shas] of logsByRepo) {
    for (let i = 0; i < shas.length; i += LOG_BATCH) {
      const chunk = shas.slice(i, i + LOG_BATCH);
      tasks.push(async () => {
        const found = await readCommits(repo, chunk);
        for (const sha of chunk) readAheadCache.set(needKey(repo, { kind: 'log', sha }), found?.get(sha) ?? null);
      });
    }
  }
  // A few at a time: the machine is shared with the user's own work.
  await pool(tasks, 4);
}

/** Where a merge started: ORIG_HEAD as the hook saw it, else the merge's first parent. */
const mergeBase = (r: HookRecord) => (SHA.test(r.orig) ? r.orig : `${r.head}^1`);

/** What a record needs from git. */
export function needsOf(r: HookRecord): GitNeed[] {
  if (r.hook === 'post-commit') return [{ kind: 'log', sha: r.head }];
  if (r.hook === 'post-merge')
    return [
      { kind: 'log', sha: r.head },
      { kind: 'diff', from: mergeBase(r), to: r.head },
    ];
  if (r.hook === 'post-rewrite') {
    const tos = new Set(r.pairs.filter(([from, to]) => from !== to).map(([, to]) => to));
    return [...tos].map((sha) => ({ kind: 'log', sha }));
  }
  return [];
}

/** True when everything the record needs was read ahead (or tried). */
export const isReadAhead = (r: HookRecord): boolean => needsOf(r).every((n) => readAheadCache.has(needKey(r.repo, n)));

/** Read ahead if it was, else (when allowed) from git now; null: unavailable. */
function ask(repo: string, n: GitNeed, opts: IngestOptions): Answer | null {
  const c = cached(repo, n);
  if (c.hit) return c.value;
  if (!opts.syncGit) return null;
  const out = git(repo, n.kind === 'log' ? logArgs(n.sha) : diffArgs(n.from, n.to));
  return out === null ? null : n.kind === 'log' ? parseLog(out) : parseFiles(out);
}

/** Parents, message and changed files of a commit; null when the repository or commit is gone (or git failed). */
export function readCommit(repo: string, sha: string, opts: IngestOptions): CommitDetails | null {
  return ask(repo, { kind: 'log', sha }, opts) as CommitDetails | null;
}

function parseLog(out: string): CommitDetails {
  const [parents = '', message = '', rest = ''] = out.split('\0');
  return {
    parents: parents.trim() ? parents.trim().split(' ') : [],
    message: message.trim(),
    subject: message.trim().split('\n')[0] ?? '',
    files: rest.split('\n').filter(Boolean),
  };
}

const parseFiles = (out: string) => out.split('\n').filter(Boolean);

function changedBetween(repo: string, from: string, to: string, opts: IngestOptions): string[] | null {
  return ask(repo, { kind: 'diff', from, to }, opts) as string[] | null;
}

const short = (sha: string) => sha.slice(0, 7);
const repoId = (repo: string) => createHash('sha1').update(repo).digest('hex').slice(0, 12);
const branchOf = (ref: string) => (ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null);

/** The event id that makes a replayed record a no-op (unique in the GIT_EVENTS scope). */
export function eventIdOf(r: HookRecord): string {
  switch (r.hook) {
    // One commit is one event, whichever record (or replay) brings it.
    case 'post-commit':
      return `git.commit:${repoId(r.repo)}:${r.head}`;
    // Other records are identified by what they say (so a copy of a record is a replay
    // too); the file name (pids) stands in for the nonce where the hook could not read one.
    default: {
      const what = [
        r.head,
        r.orig,
        r.args.join(' '),
        r.pairs.map((p) => p.join('>')).join(','),
        r.nonce || r.name,
      ].join('|');
      return `git.${r.hook.slice(5)}:${repoId(r.repo)}:${createHash('sha1').update(what).digest('hex').slice(0, 16)}`;
    }
  }
}

const normaliseKey = (k: string) => (/^\d+$/.test(k) ? `SESSION-${k.padStart(3, '0')}` : k.toUpperCase());

/** The terminal's session (FRAGMENTS_SESSION when the hook ran), else the actor's current one. */
function hookSession(call: Call, r: HookRecord): SessionRow | null {
  if (r.session) {
    const s = call.app.sql.get<SessionRow>('SELECT * FROM sessions WHERE key = ?', normaliseKey(r.session));
    if (s && (s.status === 'active' || s.status === 'paused')) return s;
  }
  return currentSessionOf(call, r.actor || DEFAULT_ACTOR) ?? null;
}

/** A commit is work: like any activity it ends an idle pause, unless it is an old record. */
const FRESH_MS = 60_000;
function resumeIfIdle(call: Call, s: SessionRow | null, r: HookRecord): SessionRow | null {
  if (!s || !resumableByActivity(call, s)) return s;
  // A record spooled before the pause, or long ago (fragd was down), says nothing about now.
  if (r.at < (s.paused_at ?? 0) || call.now - r.at > FRESH_MS) return s;
  try {
    return call.app.sql.db.transaction(() => resumeSessionRow(call, s, `git ${r.hook.slice(5)} after idle`).session)();
  } catch {
    return s; // the actor has another active session: record into this one as it is
  }
}

interface CommitRow {
  id: number;
  repo: string;
  sha: string;
  branch: string | null;
  subject: string | null;
  files: string;
  session_id: number | null;
  task_id: number | null;
  activity_id: number | null;
  rewritten_from: string | null;
  rewritten_to: string | null;
  at: number;
}

function commitRow(call: Call, repo: string, sha: string): CommitRow | undefined {
  return call.app.sql.get<CommitRow>('SELECT * FROM git_commits WHERE repo = ? AND sha = ?', repo, sha);
}

/** Links a commit to the session's task; a link a rewrite already set is kept. */
function linkCommit(
  call: Call,
  r: HookRecord,
  sha: string,
  d: CommitDetails | null,
  session: SessionRow | null,
  activityId: number | null,
): void {
  const { sql } = call.app;
  const taskId = session?.active_task_id ?? null;
  sql.run(
    `INSERT INTO git_commits (repo, sha, branch, subject, files, session_id, task_id, activity_id, at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (repo, sha) DO UPDATE SET
       branch = coalesce(git_commits.branch, excluded.branch),
       subject = coalesce(git_commits.subject, excluded.subject),
       files = CASE WHEN git_commits.files = '[]' THEN excluded.files ELSE git_commits.files END,
       session_id = coalesce(git_commits.session_id, excluded.session_id),
       task_id = coalesce(git_commits.task_id, excluded.task_id),
       activity_id = coalesce(git_commits.activity_id, excluded.activity_id)`,
    r.repo,
    sha,
    branchOf(r.ref),
    d?.subject ?? null,
    JSON.stringify(d?.files ?? []),
    session?.id ?? null,
    taskId,
    activityId,
    r.at,
  );
}

/**
 * A rewrite (amend, rebase) replaced `from` by `to`: the link moves. The commit the rewrite
 * produced may already be linked (its own post-commit ran first, with whatever task was
 * active during the rebase); the original commit's task wins, since it is the same change.
 */
function moveLink(
  call: Call,
  r: HookRecord,
  from: string,
  to: string,
  opts: IngestOptions,
): { from: string; to: string; task: string | null } | null {
  const { sql } = call.app;
  // An amend that changed nothing within the same second gives the same id back.
  if (from === to) return null;
  const old = commitRow(call, r.repo, from);
  if (!old) return null;
  const d = commitRow(call, r.repo, to) ? null : readCommit(r.repo, to, opts);
  sql.run(
    `INSERT INTO git_commits (repo, sha, branch, subject, files, session_id, task_id, rewritten_from, at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (repo, sha) DO UPDATE SET
       task_id = coalesce(excluded.task_id, git_commits.task_id),
       session_id = coalesce(git_commits.session_id, excluded.session_id),
       rewritten_from = excluded.rewritten_from`,
    r.repo,
    to,
    branchOf(r.ref) ?? old.branch,
    d?.subject ?? old.subject,
    JSON.stringify(d?.files ?? JSON.parse(old.files)),
    old.session_id,
    old.task_id,
    from,
    r.at,
  );
  sql.run('UPDATE git_commits SET rewritten_to = ? WHERE id = ?', to, old.id);
  const task =
    old.task_id === null ? null : (sql.value<string>('SELECT code FROM tasks WHERE id = ?', old.task_id) ?? null);
  return { from, to, task };
}

/** Writes one record as an activity (and links); a record seen before writes nothing. */
export function ingestRecord(call: Call, r: HookRecord, opts: IngestOptions): RecordOutcome {
  // post-checkout with flag 0 is a file checkout (git checkout -- FILE), not a branch move.
  if (r.hook === 'post-checkout' && r.args[2] !== '1') return 'skipped';
  const eventId = eventIdOf(r);
  if (findByEventId(call, GIT_EVENTS, eventId)) return 'duplicate';
  const session = resumeIfIdle(call, hookSession(call, r), r);
  const branch = branchOf(r.ref);
  const base = { repo: r.repo, branch, ...(r.session ? { terminal_session: r.session } : {}) };

  switch (r.hook) {
    case 'post-commit': {
      const d = readCommit(r.repo, r.head, opts);
      const a = recordActivity(call, session, {
        kind: 'git.commit',
        message: `${short(r.head)} ${d?.subject ?? '(commit details unavailable: repository or commit gone)'}`,
        data: {
          ...base,
          commit: r.head,
          subject: d?.subject ?? null,
          message: d?.message ?? null,
          files: d?.files ?? [],
          parents: d?.parents ?? [],
        },
        eventId,
        eventScope: GIT_EVENTS,
        at: r.at,
      });
      linkCommit(call, r, r.head, d, session, a.id);
      if (d) recordOverrides(call, r, d.files, session);
      return 'ingested';
    }
    case 'post-checkout': {
      const [from, to] = r.args;
      recordActivity(call, session, {
        kind: 'git.checkout',
        message: `checkout ${branch ?? `detached ${short(to)}`} (${short(from)} → ${short(to)})`,
        data: { ...base, from, to },
        eventId,
        eventScope: GIT_EVENTS,
        at: r.at,
      });
      return 'ingested';
    }
    case 'post-merge': {
      const d = readCommit(r.repo, r.head, opts);
      const isMergeCommit = (d?.parents.length ?? 0) > 1;
      const before = SHA.test(r.orig) ? r.orig : (d?.parents[0] ?? null);
      // mergeBase names the same commit as `before` (ORIG_HEAD, else the first parent), as read ahead.
      const files = before ? (changedBetween(r.repo, mergeBase(r), r.head, opts) ?? d?.files ?? []) : (d?.files ?? []);
      const a = recordActivity(call, session, {
        kind: 'git.merge',
        message:
          `merge into ${branch ?? 'detached HEAD'}: ${short(r.head)} ${d?.subject ?? ''}`.trimEnd() +
          (isMergeCommit ? '' : ' (fast-forward)'),
        data: {
          ...base,
          commit: r.head,
          from: before,
          subject: d?.subject ?? null,
          files,
          squash: r.args[0] === '1',
          fast_forward: !isMergeCommit,
        },
        eventId,
        eventScope: GIT_EVENTS,
        at: r.at,
      });
      if (isMergeCommit) linkCommit(call, r, r.head, d, session, a.id);
      return 'ingested';
    }
    case 'post-rewrite': {
      const how = r.args[0] || 'rewrite';
      const moved = r.pairs.map(([from, to]) => moveLink(call, r, from, to, opts)).filter((m) => m !== null);
      recordActivity(call, session, {
        kind: 'git.rewrite',
        message: `${how}: ${r.pairs.length} commit${r.pairs.length === 1 ? '' : 's'} rewritten${moved.length ? `, ${moved.length} task link${moved.length === 1 ? '' : 's'} moved` : ''}`,
        data: { ...base, how, pairs: r.pairs.map(([from, to]) => ({ from, to })), moved },
        eventId,
        eventScope: GIT_EVENTS,
        at: r.at,
      });
      return 'ingested';
    }
  }
}

export function listCommits(call: Call, p: ParsedParamsOf<'git.commits'>): { commits: CommitView[] } {
  const { sql } = call.app;
  let taskId: number | null = null;
  let sessionId: number | null = null;
  if (p?.task) {
    taskId = sql.value<number>('SELECT id FROM tasks WHERE code = ?', p.task) ?? null;
    if (taskId === null) throw notFound('task', p.task, `list tasks with: ${fragctl('task', 'list')}`);
  }
  if (p?.session) sessionId = getSession(call, p.session).id;
  const rows = sql.all<CommitRow & { task: string | null; session: string | null }>(
    `SELECT c.*, t.code AS task, s.key AS session FROM git_commits c
       LEFT JOIN tasks t ON t.id = c.task_id LEFT JOIN sessions s ON s.id = c.session_id
      WHERE (?1 IS NULL OR c.task_id = ?1) AND (?2 IS NULL OR c.session_id = ?2) AND (?3 IS NULL OR c.repo = ?3)
        AND (?4 OR c.rewritten_to IS NULL)
      ORDER BY c.at DESC, c.id DESC LIMIT ?5`,
    taskId,
    sessionId,
    p?.repo ?? null,
    p?.include_rewritten ? 1 : 0,
    p?.limit ?? 100,
  );
  return {
    commits: rows.map((c) => ({
      repo: c.repo,
      commit: c.sha,
      branch: c.branch,
      subject: c.subject,
      files: JSON.parse(c.files) as string[],
      session: c.session,
      task: c.task,
      rewritten_from: c.rewritten_from,
      rewritten_to: c.rewritten_to,
      at: iso(c.at),
    })),
  };
}

/**
 * A commit that touched another actor's exclusive reservation went past the pre-commit
 * guard (`git commit --no-verify`, or a repository without fragd's hooks): recorded on the
 * committer's session and, as no sign of its life, on the holder's (docs/claims.md).
 */
function recordOverrides(call: Call, r: HookRecord, files: string[], session: SessionRow | null): void {
  const hits = files.flatMap((f) => othersCovering(call, r.repo, f, session).map((h) => ({ file: f, h })));
  if (!hits.length) return;
  const holders = [...new Map(hits.map(({ h }) => [h.s.id, h])).values()];
  const data = {
    commit: r.head,
    repo: r.repo,
    files: [...new Set(hits.map((x) => x.file))],
    holders: holders.map((h) => ({ actor: h.s.actor, session: h.s.key, path: h.r.pattern, task: h.task })),
  };
  const who = session ? `${session.actor} (${session.key})` : 'a commit from outside any session';
  const files1 = data.files.join(', ');
  recordActivity(call, session, {
    kind: 'reservation.override',
    message: `${short(r.head)} touched ${files1}, reserved by ${holders.map((h) => `${h.s.actor} (${h.s.key})`).join(', ')}: the pre-commit guard was bypassed`,
    data,
  });
  for (const h of holders)
    withoutSignOfLife(call, h.s, () =>
      recordActivity(call, h.s, {
        kind: 'reservation.overridden',
        message: `${who} committed ${short(r.head)} touching ${h.r.pattern}, which you reserve`,
        data,
      }),
    );
}
