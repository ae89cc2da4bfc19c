// The spool: git hooks drop one small record file per run in <stateDir>/spool, whether or
// not fragd runs; fragd turns them into activities (on start, on a file-system watch, on a
// timer, and on `spool.ingest`). A record file is deleted only once its activity is
// visible in the committed database, so a crash or a failed commit loses nothing, and a
// replayed record writes nothing twice (event ids are unique).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  watch,
  type FSWatcher,
} from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { App, Call } from '../app.js';
import {
  eventIdOf,
  HOOK_NAMES,
  ingestRecord,
  isReadAhead,
  needsOf,
  READ_AHEAD_MAX,
  readAhead,
  SHA,
  type GitNeed,
  type HookName,
  type HookRecord,
} from './git.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { FragError } from '../../../shared/errors.js';
import { isAgentRecord, parseAgentRecord } from '../agents/record.js';
import { applyAgentEvent } from '../agents/agents.js';
import type { SpoolIngestResult } from '../../../shared/protocol/git.js';
import { AGENT_EVENTS, GIT_EVENTS } from '../activities.js';
import { readSafely, type SafeRead } from '../../../shared/safety/safe-file.js';
import { SpoolQueue, type SpoolFile } from './spool-queue.js';

import { SPOOL_RECORD_MAX_BYTES } from '../../../shared/limits.js';

/** A record without its end line this long after it was written will never be finished. */
const ABANDONED_AFTER_MS = 60_000;
// An explicit `spool.ingest` may run git synchronously for what was not read ahead: keep a pass short so other calls interleave.
const DEFAULT_LIMIT = 100;
// The watcher's passes run while other calls wait: each stops after this much work
// (spool.ingest's budget_ms), so a backlog of 100k records drains in small steps
// (bench/spool-backlog.mjs).
export const WATCHER_PASS_BUDGET_MS = 2;
const WATCHER_READ_AHEAD = 32;

export type Parsed = { ok: true; record: HookRecord } | { ok: false; incomplete: boolean; reason: string };

// The hook notes the shell's $PWD, which may go through a symlink; git and fragctl name a
// repository by its physical path, so links and queries agree.
function physical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Parses the line format written by client/hooks/fragd-hook.sh. */
export function parseRecord(name: string, text: string, at: number): Parsed {
  const lines = text.split('\n');
  const header = 'fragd-spool 1';
  if (lines[0] !== header)
    return { ok: false, incomplete: header.startsWith(text), reason: 'not a fragd spool record (version 1)' };
  if (!lines.includes('end'))
    return { ok: false, incomplete: true, reason: 'no end line (the hook was still writing, or died)' };
  const field = new Map<string, string>();
  const pairs: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === 'end') break;
    const sp = line.indexOf(' ');
    const key = sp === -1 ? line : line.slice(0, sp);
    const value = sp === -1 ? '' : line.slice(sp + 1);
    if (key === 'pair') {
      const [from, to] = value.split(' ');
      if (SHA.test(from ?? '') && SHA.test(to ?? '')) pairs.push([from, to]);
    } else field.set(key, value);
  }
  const hook = field.get('hook') as HookName;
  if (!HOOK_NAMES.includes(hook))
    return { ok: false, incomplete: false, reason: `unknown hook ${JSON.stringify(field.get('hook'))}` };
  // A path with a newline comes base64-encoded (client/hooks/fragd-hook.sh), so it is stored whole.
  const repo64 = field.get('repo64');
  const repo = physical(
    repo64 !== undefined ? Buffer.from(repo64, 'base64').toString('utf8') : (field.get('repo') ?? ''),
  );
  if (!repo.startsWith('/'))
    return { ok: false, incomplete: false, reason: `repository path ${JSON.stringify(repo)} is not absolute` };
  const head = field.get('head') ?? '';
  if (!SHA.test(head))
    return {
      ok: false,
      incomplete: false,
      reason: `HEAD ${JSON.stringify(head)} is not a commit id (git rev-parse failed in the hook)`,
    };
  return {
    ok: true,
    record: {
      name,
      hook,
      repo,
      head,
      ref: field.get('ref') ?? 'HEAD',
      orig: field.get('orig') ?? '',
      args: (field.get('args') ?? '').split(' '),
      session: (field.get('session') ?? '').trim(),
      actor: (field.get('actor') ?? '').trim(),
      pairs,
      nonce: (field.get('nonce') ?? '').trim(),
      at,
    },
  };
}

/**
 * A record's text, if it is a regular file of this user within the size cap (it is never
 * read otherwise: a 600 MB record would be re-read, and fail, on every pass).
 */
function readRecord(file: SpoolFile): SafeRead {
  return readSafely(file.path, { max: SPOOL_RECORD_MAX_BYTES });
}

interface Spool {
  dir: string;
  log?: Logger;
  queue: SpoolQueue;
  /** The deletions of the passes so far, settled once each is done (sweptSpool). */
  sweeps: Promise<void>;
}

// One queue per spool directory: the watcher's read-ahead lists it, the pass takes from it.
const queues = new Map<string, SpoolQueue>();
function queueOf(dir: string): SpoolQueue {
  let q = queues.get(dir);
  if (!q) queues.set(dir, (q = new SpoolQueue(dir)));
  return q;
}

// Which spool an App ingests. The daemon registers it at start; a handler finds it by app.
const spools = new WeakMap<App, Spool>();

export function registerSpool(app: App, dir: string, log?: Logger): void {
  spools.set(app, { dir, log, queue: queueOf(dir), sweeps: Promise.resolve() });
}

function reject(spool: Spool, file: SpoolFile, reason: string): void {
  const dir = join(spool.dir, 'rejected');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    renameSync(file.path, join(dir, file.name));
    spool.log?.warn({ file: file.name, reason }, 'spool record rejected (moved to spool/rejected)');
  } catch (err) {
    spool.log?.warn({ file: file.name, err: (err as Error).message }, 'cannot move a rejected spool record');
  }
}

function discard(spool: Spool, file: SpoolFile, reason: string): void {
  try {
    unlinkSync(file.path);
    spool.log?.warn({ file: file.name, reason }, 'spool record deleted');
  } catch (err) {
    spool.log?.warn({ file: file.name, err: (err as Error).message }, 'cannot delete a spool record');
  }
}

/**
 * The agents' events waiting in the spool (up to `limit` records, in the order an ingest
 * takes them) whose repository and branch may choose a task: what team sync asks the team
 * store for before the ingest (daemon/app/team/claims.ts). Unreadable records are skipped here;
 * the ingest deals with them.
 */
export function spooledAgentPlaces(
  app: App,
  limit = DEFAULT_LIMIT,
): { agent: string; event: string; cwd: string | null }[] {
  const spool = spools.get(app);
  if (!spool) return [];
  const out: { agent: string; event: string; cwd: string | null }[] = [];
  for (const file of spool.queue.head(limit)) {
    const read = readRecord(file);
    if (!read.ok) continue;
    const text = read.data.toString('utf8');
    if (!isAgentRecord(text)) continue;
    const r = parseAgentRecord(basename(file.name, '.rec'), text, 0);
    if (r.ok) {
      const cwd = r.record.payload.cwd;
      out.push({ agent: r.record.agent, event: r.record.event, cwd: typeof cwd === 'string' ? cwd : null });
    }
  }
  return out;
}

/**
 * Runs inside the call's transaction: writes the activities, then, after the commit,
 * deletes each record whose event is now stored (or that needed nothing stored).
 */
export function ingestSpool(
  call: Call,
  p: ParsedParamsOf<'spool.ingest'>,
  opts: { agentOnly?: boolean } = {},
): SpoolIngestResult {
  const spool = spools.get(call.app);
  const result: SpoolIngestResult = { ingested: 0, duplicates: 0, incomplete: 0, rejected: 0, remaining: 0 };
  if (!spool) return result;
  const limit = p?.limit ?? DEFAULT_LIMIT;
  const files = spool.queue.head(limit);
  // Handled (stored, set aside or gone): the next pass starts after these.
  const taken = new Set<string>();
  const done: Done[] = [];
  const db = call.app.sql.db;
  let examined = files.length;
  const budgetEnds = p?.budget_ms ? performance.now() + p.budget_ms : Infinity;
  for (const [i, file] of files.entries()) {
    if (i > 0 && performance.now() > budgetEnds) {
      examined = i;
      break;
    }
    const at = Number(file.mtimeNs / 1_000_000n);
    const read = readRecord(file);
    if (!read.ok) {
      // Gone (taken by a concurrent pass) or unreadable for now: next pass. Anything else
      // (too large, not a regular file, not ours) will never be a record: set it aside.
      if (read.why === 'missing') taken.add(file.path);
      else if (read.why !== 'error') {
        reject(spool, file, read.reason);
        taken.add(file.path);
        result.rejected++;
      }
      continue;
    }
    const text = read.data.toString('utf8');
    // An empty record is a hook that could not write (a full disk): nothing to keep.
    if (text === '' && call.now - at > ABANDONED_AFTER_MS) {
      discard(spool, file, 'empty record (the hook could not write it, e.g. a full disk)');
      taken.add(file.path);
      result.rejected++;
      continue;
    }
    // Coding agents' hook records (client/agents/fragd-agent-hook.sh) share the spool: no git to read.
    if (isAgentRecord(text)) {
      const agent = parseAgentRecord(basename(file.name, '.rec'), text, at);
      if (!agent.ok) {
        if (!agent.incomplete || call.now - at > ABANDONED_AFTER_MS) {
          reject(spool, file, agent.reason);
          taken.add(file.path);
          result.rejected++;
        } else result.incomplete++;
        continue;
      }
      const recordCall: Call = { ...call, source: 'hook', events: [] };
      const eventId = `agent:${agent.record.name}`;
      try {
        const r = db.transaction(() => applyAgentEvent(recordCall, { ...agent.record, eventId }))();
        call.events.push(...recordCall.events);
        if (r.outcome === 'ingested') result.ingested++;
        else if (r.outcome === 'duplicate') result.duplicates++;
        done.push({ path: file.path, eventId: r.outcome === 'skipped' ? null : eventId, scope: AGENT_EVENTS });
        taken.add(file.path);
      } catch (err) {
        // A refusal (a rule of fragd's) will refuse again: set the record aside, with why.
        if (err instanceof FragError) {
          reject(spool, file, err.message);
          taken.add(file.path);
          result.rejected++;
        } else
          spool.log?.error({ file: file.name, err }, 'agent record failed; it stays in the spool for the next pass');
      }
      continue;
    }
    if (opts.agentOnly) continue;
    const parsed = parseRecord(basename(file.name, '.rec'), text, at);
    if (!parsed.ok) {
      if (!parsed.incomplete || call.now - at > ABANDONED_AFTER_MS) {
        reject(spool, file, parsed.reason);
        taken.add(file.path);
        result.rejected++;
      } else result.incomplete++;
      continue;
    }
    if (p?.prefetched_only && !isReadAhead(parsed.record)) {
      // Stop here rather than skip, so records keep their order (a commit before its rewrite).
      examined = i;
      break;
    }
    // Events of its own: those of a record whose savepoint rolls back describe nothing stored.
    const recordCall: Call = { ...call, source: 'hook', events: [] };
    try {
      // A savepoint per record: one that fails rolls back alone and stays in the spool.
      const outcome = db.transaction(() => ingestRecord(recordCall, parsed.record, { syncGit: !p?.prefetched_only }))();
      call.events.push(...recordCall.events);
      if (outcome === 'ingested') result.ingested++;
      else if (outcome === 'duplicate') result.duplicates++;
      taken.add(file.path);
      done.push({
        path: file.path,
        eventId: outcome === 'skipped' ? null : eventIdOf(parsed.record),
        scope: GIT_EVENTS,
      });
    } catch (err) {
      spool.log?.error({ file: file.name, err }, 'spool record failed; it stays in the spool for the next pass');
    }
  }
  // setImmediate runs after the commit queue's flush has committed (or rolled back) this
  // transaction, and the barrier waits until that commit is on the disk; only records whose
  // event is then stored are deleted (a record deleted before would be lost in a power cut).
  // What is left: the records after those this pass examined (the ones it left, still being
  // written or failing, are tried again next pass but do not count as left behind).
  spool.queue.taken(taken);
  const left = files.slice(0, examined).filter((f) => !taken.has(f.path)).length;
  result.remaining = Math.max(0, spool.queue.length - left);
  if (done.length) {
    const swept = new Promise<void>((resolve) =>
      setImmediate(() => {
        call.app.sql
          .durable()
          .then(
            () => sweep(call.app, done, spool),
            (err: Error) =>
              spool.log?.warn({ err: err.message }, 'spool records kept: their commit is not confirmed on the disk'),
          )
          .finally(resolve);
      }),
    );
    spool.sweeps = Promise.all([spool.sweeps, swept]).then(() => undefined);
  }
  return result;
}

/**
 * Reads ahead, asynchronously, the commits the next pass will need, so the pass itself
 * (synchronous, inside a transaction) does not hold the event loop on git.
 */
/** Reads ahead what the registered spool's records need, before an explicit ingest queues its write. */
export function prefetchRegisteredSpool(app: App, limit = DEFAULT_LIMIT): Promise<void> {
  const spool = spools.get(app);
  return spool ? prefetchSpool(spool.dir, limit) : Promise.resolve();
}

export async function prefetchSpool(dir: string, limit = DEFAULT_LIMIT): Promise<void> {
  const wanted: { repo: string; need: GitNeed }[] = [];
  let readsOn = false;
  const queue = queueOf(dir);
  await queue.refresh();
  for (const file of queue.head(limit)) {
    // An agent's record needs no git: not read twice (the pass reads it), which was half
    // of a backlog's reads.
    if (AGENT_RECORD_NAME.test(file.name)) continue;
    const read = readRecord(file);
    if (!read.ok) continue;
    const p = parseRecord(file.name, read.data.toString('utf8'), 0);
    if (!p.ok) continue;
    const needs = needsOf(p.record);
    // Whole records only, up to the cache's bound; but always the first record not yet read
    // ahead, whatever its size, since the pass stops there and could otherwise never pass it.
    const fresh = !isReadAhead(p.record);
    if (wanted.length + needs.length > READ_AHEAD_MAX && (readsOn || !fresh)) break;
    readsOn ||= fresh;
    for (const need of needs) wanted.push({ repo: p.record.repo, need });
  }
  await readAhead(wanted);
}

/**
 * How client/agents/fragd-agent-hook.sh names its records (`agent-PID-UPTIME.rec`); a git
 * hook's are `HOOK-SHA-PPID-PID.rec`. Were a git record ever named so, its pass would only
 * wait for an explicit `spool.ingest`, which reads git itself.
 */
const AGENT_RECORD_NAME = /^agent-[\d.-]+\.rec$/;

/** A record this pass handled, and the event (scope and id) whose activity must exist before its file goes. */
interface Done {
  path: string;
  eventId: string | null;
  scope: string;
}

/**
 * Deletes the records whose event is stored. The deletions run on libuv's threads: an
 * unlink waits for the file system's journal, which a concurrent fsync can hold for tens
 * of ms, and the event loop must not wait with it (issue 22).
 */
function sweep(app: App, done: Done[], spool: Spool): Promise<void> {
  const gone: string[] = [];
  for (const { path, eventId, scope } of done) {
    try {
      if (
        eventId !== null &&
        !app.sql.value<number>('SELECT 1 FROM activities WHERE event_scope = ? AND event_id = ?', scope, eventId)
      )
        continue;
    } catch {
      return Promise.resolve(); // the database closed (daemon stopping): the records stay for the next start
    }
    gone.push(path);
  }
  return Promise.all(
    gone.map((path) =>
      unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT')
          spool.log?.warn({ path, err: err.message }, 'cannot delete an ingested spool record');
      }),
    ),
  ).then(() => undefined);
}

/** Resolves once the deletions of every pass so far are done (for tests and a clean stop). */
export function sweptSpool(app: App): Promise<void> {
  return spools.get(app)?.sweeps ?? Promise.resolve();
}

/** Ingests on start, soon after a hook writes (fs.watch), and on a timer as a fallback. */
export class SpoolWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  /** Records left when a pass last made no progress (warned once, not at every timer tick). */
  private stalledAt: number | null = null;

  constructor(
    private readonly dir: string,
    private readonly ingest: () => Promise<SpoolIngestResult>,
    private readonly log: Logger,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    try {
      this.watcher = watch(this.dir, () => this.soon());
      this.watcher.on('error', (err) =>
        this.log.warn({ err: err.message }, 'spool watch failed; the timer still ingests'),
      );
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot watch the spool; the timer still ingests');
    }
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  private soon(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.kick();
    }, 25);
  }

  /** One pass at a time; a kick during a pass runs another one after it. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (!existsSync(this.dir) || !readdirSync(this.dir).some((n) => n.endsWith('.rec'))) return;
    this.running = true;
    void (async () => {
      try {
        let remainingBefore: number | null = null;
        do {
          this.again = false;
          // Lets the previous pass's sweep delete what it stored (a read ahead that git need
          // not answer would otherwise never leave the microtask queue).
          await new Promise((r) => setImmediate(r));
          // Read ahead only what a budgeted pass can take: reading 100 records a pass to
          // take 8 of them held the event loop longer than the pass itself.
          await prefetchSpool(this.dir, WATCHER_READ_AHEAD);
          const r = await this.ingest();
          if (r.ingested || r.rejected) this.log.info(r, 'spool ingested');
          if (r.remaining > 0) {
            // Going round again only helps when this pass moved on; otherwise it would repeat
            // itself (and its read-ahead) forever and hold up every record behind.
            const progressed = r.ingested + r.duplicates + r.rejected > 0 || r.remaining !== remainingBefore;
            if (!progressed) {
              if (this.stalledAt !== r.remaining)
                this.log.warn(r, 'spool pass made no progress; retrying on the timer');
              this.stalledAt = r.remaining;
              break;
            }
            remainingBefore = r.remaining;
            this.again = true;
          }
          if (r.ingested || r.duplicates || r.rejected) this.stalledAt = null;
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'spool pass failed; retrying on the next one');
      } finally {
        this.running = false;
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
  }
}
