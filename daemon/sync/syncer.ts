// The daemon's side of the team store: a loop off the request path that pushes the outbox
// to PostgreSQL in batches (one PG transaction each; outbox rows go only after PG has
// committed), pulls the other machines' work items, claims and time, backs off when the
// store cannot be reached, and grants claims across machines.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../store/database.js';
import { redact, redactUrl, type SyncTarget } from './connection.js';
import {
  applyWorkItems,
  installTriggers,
  markPushed,
  queueStats,
  readBatch,
  WORK_TABLES,
  type Batch,
  type WorkTable,
} from './outbox.js';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { migratePg } from './pg-schema.js';
import { fragctl } from '../../shared/command.js';
import type { SyncStatusView } from '../../shared/protocol/sync.js';
import { closedElsewhere, heldElsewhere, teamStoreUnreachable } from './errors.js';
import { randomUUID } from 'node:crypto';
import { Link } from './link.js';
import {
  applyRecipients,
  COORD_TABLES,
  mirrorReservations,
  type PulledRecipient,
  type RemoteReservation,
} from './coordination.js';

export interface SyncOptions {
  pushIntervalMs: number;
  pullIntervalMs: number;
  batchSize: number;
  /** LISTEN for the other machines' announcements (sync.listen). */
  listen: boolean;
  /** Behind a pooler in transaction mode (PgBouncer): no LISTEN, no session settings at connect. */
  pooler?: boolean;
  /** Test only (FRAGD_SYNC_CRASH_AFTER_COMMIT): die by SIGKILL right after a push committed in PG. */
  crashAfterCommit?: boolean;
  /**
   * Resolves once what is committed locally is on the disk (store/wal-sync.ts). A row goes
   * to the team only then: pushed and then lost in a power cut, its version would be
   * written again here with other data, and the store would keep the lost one.
   */
  durable?: () => Promise<void>;
}

export interface SyncStatus {
  enabled: true;
  team: string;
  machine: string;
  store: string;
  connected: boolean;
  queue: number;
  oldest_unpushed_age_seconds: number | null;
  last_push_at: string | null;
  last_pull_at: string | null;
  pushed_total: number;
  pulled_total: number;
  failures: number;
  next_retry_at: string | null;
  last_error: { message: string; at: string } | null;
  remote_claims: number;
  claim_conflicts: NonNullable<SyncStatusView['claim_conflicts']>;
}

/** An active claim in the team store. */
export interface RemoteClaim {
  task_code: string;
  machine: string;
  actor: string;
  session_key: string | null;
  claimed_at: Date;
  /** 'take_over' when its machine took it from another one. */
  how?: string;
  /** The task is completed or cancelled in the team store: nobody is granted it again. */
  closed?: boolean;
}

/** The work items' rows, written as the partial index fragd_rows_work_pull says (pg-schema.ts), so a pull uses it. */
const WORK_ROWS = `tbl IN (${WORK_TABLES.map((t) => `'${t}'`).join(', ')})`;

/** Reservations and message recipients, written as the partial indexes of pg-schema.ts say. */
const COORD_ROWS = `tbl IN (${COORD_TABLES.map((t) => `'${t}'`).join(', ')})`;
/** The team's live reservations with their holder session's row (its life, last sign of life and stack). */
const LIVE_RESERVATIONS_JOIN = `fragd_rows r LEFT JOIN fragd_rows s ON s.team = r.team AND s.machine = r.machine
      AND s.tbl = 'sessions' AND s.row_id = (r.data->>'session_id')::bigint
  WHERE r.team = $1 AND r.tbl = 'reservations' AND NOT r.deleted AND (r.data->>'released_at') IS NULL`;
const LIVE_RESERVATIONS = `SELECT coalesce(json_agg(x), '[]') FROM (
  SELECT r.machine, r.row_id, r.data AS res, s.data AS session FROM ${LIVE_RESERVATIONS_JOIN} AND r.machine <> $2) x`;

/** What a pull reads, summed up in one cheap read: the last change of work items, of claims, of time per task. */
const FINGERPRINT = `concat_ws(':', coalesce((SELECT max(seq) FROM fragd_rows WHERE team = $1 AND ${WORK_ROWS}), 0),
  coalesce((SELECT max(changed) FROM fragd_claims WHERE team = $1), 0),
  coalesce((SELECT max(seq) FROM fragd_task_time WHERE team = $1), 0),
  coalesce((SELECT max(seq) FROM fragd_rows WHERE team = $1 AND ${COORD_ROWS}), 0),
  coalesce((SELECT max(s.seq) FROM ${LIVE_RESERVATIONS_JOIN}), 0))`;

/** The columns of fragd_claims a RemoteClaim is read from. */
export const CLAIM_COLUMNS = 'task_code, machine, actor, session_key, claimed_at, how';

/** An update or note another machine filed under a task (task show). */
export interface RemoteUpdate {
  machine: string;
  kind: string;
  message: string | null;
  /** Epoch milliseconds. */
  at: number;
  session: string | null;
  person: string | null;
}

/** A task this machine's sessions hold (their work frames). */
export interface LocalHold {
  task: string;
  actor: string;
  /** Null when the grant is asked for before the session exists (an agent's first event). */
  session: string | null;
}

const MAX_BACKOFF_MS = 60_000;
/** While backing off, the store's port is tried this often; when it answers again the loop runs at once. */
const PROBE_MS = 1000;
const PROBE_RETRIES = 10;
/** A claim the store has not answered within this is refused (exit 7), as docs/team-sync.md says. */
export const CLAIM_DEADLINE_MS = 5000;
/** Pushes, pulls and reports: past this the connection is cut and the loop backs off. */
const ROUND_DEADLINE_MS = 15_000;
/** With LISTEN, a cheap "anything changed?" read this often (announcements can be lost with a connection). */
const HEARTBEAT_MS = 10_000;
/** This machine's claims are compared with what its sessions hold at least this often, and whenever those change. */
const RECONCILE_MS = 60_000;
/** fragd_machines.last_pull_at is written at most this often by an idle machine. */
const SEEN_MS = 60_000;
/** After a nudge, the loop runs this soon: the writes of one burst go in one push. */
const NUDGE_MS = 25;
/** The channel every fragd of every team announces its changes on (the payload names team and machine). */
const CHANNEL = 'fragd_changes';
/** A claim granted in PG whose local write has not settled yet is not reconciled away. */
const PENDING_GRACE_MS = 30_000;
/** A release goes with everything not pushed yet, in one statement, when that is at most this many changes. */
const RELEASE_BATCH = 5000;

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Where the pull of work items (or of time per task) has read to: rows of older transactions, in (xid, seq) order. */
interface Cursor {
  xid: number;
  seq: number;
}

export class Syncer {
  private readonly link: Link;
  private timer: NodeJS.Timeout | null = null;
  private dueAt = 0;
  private running: Promise<void> | null = null;
  /** A nudge came while the loop was running: run again soon after it. */
  private again = false;
  private stopped = false;
  private ready = false;
  private lastPushAt: number | null = null;
  private lastPullAt: number | null = null;
  private nextPullAt = 0;
  /** What the last "anything changed?" read returned; a different answer means a full pull. */
  private fingerprint: string | null = null;
  private seenAt = 0;
  private linkGeneration = 0;
  private pushedTotal = 0;
  private pulledTotal = 0;
  private failures = 0;
  private nextRetryAt: number | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  /** The probe saw the store's port closed: retries left at the probe's pace once it opens. */
  private outageSeen = 0;
  private lastError: { message: string; at: number } | null = null;
  /** Something this round changed that the others pull (work items, claims): one NOTIFY at the round's end. */
  private announceDue = false;
  /** What this machine's sessions held at the last reconciliation, and when it ran. */
  private holdsKey: string | null = null;
  private reconciledAt = 0;
  private reconcileDue = true;
  /** Grants whose local write has not settled: task code (lower case) → how many, since when. */
  private readonly pending = new Map<string, { count: number; at: number }>();
  /**
   * Told when a pull changed the other machines' reservations here, or brought messages for
   * actors of this machine (the daemon refreshes the hooks' file, settles reservations that
   * lost and queues the messages for their agents' next prompt).
   */
  onCoordination: (change: { reservations_changed: boolean; actors: string[] }) => void = () => {};
  private conflicts: SyncStatus['claim_conflicts'] = [];
  private pushChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly target: SyncTarget,
    private readonly opts: SyncOptions,
    private readonly log: Logger,
    /** What this machine's sessions hold; the one place claims are read locally. */
    private readonly localHolds: () => LocalHold[],
    /** Told when a pull changed something here (the daemon publishes it as `sync.pulled`). */
    private readonly pulled: (change: { items: number; claims_changed: boolean }) => void = () => {},
    /** Told of tasks held here that another machine took over (the daemon ends the local claims). */
    private readonly takenOver: (
      tasks: { task: string; machine: string; actor: string; at: number | undefined }[],
    ) => void = () => {},
  ) {
    this.link = new Link({
      url: target.url,
      applicationName: `fragd ${target.machine}`,
      listenChannel: this.listening ? CHANNEL : null,
      pooler: opts.pooler === true,
      onNotification: (payload) => this.heard(payload),
      // A connection that breaks must not take the daemon down: the next use reconnects.
      onLost: (why) => this.log.debug({ why: redact(why, target.url) }, 'team store connection closed'),
    });
  }

  private get listening(): boolean {
    return this.opts.listen && this.opts.pooler !== true;
  }

  private redacted(err: unknown): string {
    return redact((err as Error)?.message ?? String(err), this.target.url);
  }

  /** Statements sent to the team store since start (the scale bench's figure). */
  get statements(): number {
    return this.link.statements;
  }

  start(): void {
    const { tables, backfilled } = installTriggers(this.db);
    this.log.info(
      {
        team: this.target.team,
        machine: this.target.machine,
        store: redactUrl(this.target.url),
        tables: tables.length,
        backfilled,
      },
      'team sync on',
    );
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runCycle();
    }, ms);
    this.timer.unref();
  }

  private runCycle(): Promise<void> {
    const run = this.cycle().finally(() => {
      this.running = null;
      const soon = this.again;
      this.again = false;
      this.schedule(soon ? NUDGE_MS : this.idleMs());
    });
    this.running = run;
    return run;
  }

  /** How long the loop sleeps when nothing nudges it: until the next push check, pull or reconciliation is due. */
  private idleMs(): number {
    return this.opts.pushIntervalMs;
  }

  /**
   * Something changed (a local write committed, or another machine announced one): run the
   * loop in a moment instead of at its interval. While the store fails, the backoff decides.
   */
  nudge(): void {
    if (this.stopped || this.nextRetryAt !== null) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer && this.dueAt <= Date.now() + NUDGE_MS) return;
    this.schedule(NUDGE_MS);
  }

  /** `fragctl sync now`: whatever the backoff says, push, reconcile and pull now; answers the status after. */
  async now(): Promise<SyncStatus> {
    this.nextRetryAt = null;
    this.nextPullAt = 0;
    this.fingerprint = null;
    this.reconcileDue = true;
    if (this.running) await this.running.catch(() => {});
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.stopped) await this.runCycle();
    return this.status();
  }

  /** Another fragd announced a change: pull at the next turn of the loop, which comes now. */
  private heard(payload: string | undefined): void {
    let from: { team?: unknown; machine?: unknown };
    try {
      from = JSON.parse(payload ?? '') as typeof from;
    } catch {
      return;
    }
    if (from.team !== this.target.team || from.machine === this.target.machine) return;
    this.nextPullAt = 0;
    this.fingerprint = null;
    this.nudge();
  }

  private announcement(): string {
    return JSON.stringify({ team: this.target.team, machine: this.target.machine });
  }

  /** One announcement for everything this round changed that the others pull (delivered by PostgreSQL at commit). */
  private async announce(): Promise<void> {
    if (!this.announceDue) return;
    this.announceDue = false;
    await this.link.query('SELECT pg_notify($1, $2)', [CHANNEL, this.announcement()], ROUND_DEADLINE_MS);
  }

  /** Stops the loop; a push in flight finishes (or is cut: its outbox rows stay). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    // A push in flight may finish; one stuck on an unreachable store is cut (its outbox rows
    // stay, so nothing is lost) rather than holding the daemon's stop.
    if (this.running) await Promise.race([this.running.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    await this.link.close();
  }

  private async cycle(): Promise<void> {
    const now = Date.now();
    if (this.nextRetryAt !== null && now < this.nextRetryAt) return;
    try {
      await this.ensureReady();
      await this.pushAll();
      if (this.link.generation !== this.linkGeneration) {
        // A new connection LISTENs from now on: what was announced before is read by one pull.
        this.linkGeneration = this.link.generation;
        this.nextPullAt = 0;
        this.fingerprint = null;
      }
      if (this.reconcileDue || Date.now() - this.reconciledAt >= RECONCILE_MS || this.holdsChanged())
        await this.reconcileClaims();
      if (Date.now() >= this.nextPullAt) {
        await this.pullIfChanged();
        this.nextPullAt = Math.max(this.nextPullAt, Date.now() + this.pullEveryMs());
        if (this.reconcileDue) await this.reconcileClaims();
      }
      await this.announce();
      this.failures = 0;
      this.nextRetryAt = null;
      this.lastError = null;
      this.outageSeen = 0;
    } catch (err) {
      this.failed(err);
    }
  }

  /** With LISTEN the others' changes are announced: a heartbeat read is enough between them. */
  private pullEveryMs(): number {
    return this.listening ? Math.max(HEARTBEAT_MS, this.opts.pullIntervalMs) : this.opts.pullIntervalMs;
  }

  private holdsChanged(): boolean {
    return holdsKeyOf(this.localHolds()) !== this.holdsKey || this.pending.size > 0;
  }

  private failed(err: unknown): void {
    this.failures++;
    // Exponential backoff with jitter: 1 s, 2 s, 4 s … up to a minute; the probe cuts it short.
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 16));
    this.nextRetryAt = Date.now() + Math.round(base * (0.75 + Math.random() * 0.5));
    const message = this.redacted(err);
    this.lastError = {
      // Row security refuses a write in another machine's name: after a rename or removal of
      // this machine, the next try's check says which (ensureReady).
      message: /row-level security/.test(message)
        ? `${message} (the team store refuses this machine's role that write; if this machine was renamed or removed, the next try says so)`
        : message,
      at: Date.now(),
    };
    this.ready = false;
    this.fingerprint = null;
    this.reconcileDue = true;
    this.log.warn({ err: this.lastError.message, failures: this.failures }, 'team sync failed; will retry');
    this.startProbe();
  }

  /**
   * While backing off, a TCP connect to the store every second: once it has been seen down
   * and answers again, the loop runs at once instead of waiting out the backoff, and again
   * each second while the store is still starting up (it takes connections before it
   * accepts them), up to PROBE_RETRIES. A store that answers TCP but refuses fragd (a wrong
   * password) was never seen down: the backoff stands.
   */
  private startProbe(): void {
    if (this.probeTimer || this.stopped) return;
    const tick = async () => {
      if (this.stopped || this.nextRetryAt === null) {
        this.probeTimer = null;
        return;
      }
      const up = await this.link.probe();
      if (this.stopped || this.nextRetryAt === null) {
        this.probeTimer = null;
        return;
      }
      if (!up) this.outageSeen = PROBE_RETRIES;
      else if (this.outageSeen > 0) {
        this.outageSeen--;
        this.log.info('team store answers again; syncing now');
        this.nextRetryAt = null;
        if (!this.running) this.schedule(0);
      }
      this.probeTimer = setTimeout(() => void tick(), PROBE_MS);
      this.probeTimer.unref();
    };
    this.probeTimer = setTimeout(() => void tick(), PROBE_MS);
    this.probeTimer.unref();
  }

  /** Schema up to date and this database registered under its machine name (once per connection). */
  private async ensureReady(deadlineMs = ROUND_DEADLINE_MS): Promise<void> {
    if (this.ready) return;
    const dbId = this.dbId();
    await this.link.run(async (client) => {
      await migratePg(client);
      const gone = await client.query<{ why: string | null }>('SELECT fragd_retired($1, $2) AS why', [
        this.target.team,
        this.target.machine,
      ]);
      const why = gone.rows[0]?.why;
      if (why)
        throw new Error(
          `machine ${this.target.machine} of team ${this.target.team} was ${why} in the team store; ${why.startsWith('renamed to ') ? `set sync.machine to ${why.slice('renamed to '.length)} in config.json and restart fragd (${fragctl('daemon', 'restart')})` : 'give this fragd a new sync.machine in config.json, or turn sync off'}`,
        );
      const r = await client.query<{ db_id: string }>(
        `INSERT INTO fragd_machines (team, machine, db_id) VALUES ($1, $2, $3)
         ON CONFLICT (team, machine) DO UPDATE SET db_id = fragd_machines.db_id RETURNING db_id`,
        [this.target.team, this.target.machine, dbId],
      );
      if (r.rows[0].db_id !== dbId) {
        throw new Error(
          `machine name ${this.target.machine} of team ${this.target.team} belongs to another fragd database; give this one its own sync.machine in config.json`,
        );
      }
    }, deadlineMs);
    this.ready = true;
  }

  private dbId(): string {
    const got = this.db.prepare("SELECT value FROM meta WHERE key = 'sync_db_id'").pluck().get() as string | undefined;
    if (got) return got;
    const id = randomUUID();
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('sync_db_id', ?)").run(id);
    return id;
  }

  /** Pushes run one at a time (the loop's and a reconciliation's), so no batch is read twice. */
  private pushAll(): Promise<void> {
    return this.pushing(() => this.pushNow());
  }

  private pushing<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.pushChain.then(fn, fn);
    this.pushChain = run.catch(() => {});
    return run;
  }

  /**
   * Each batch is one statement (one implicit transaction): the rows, the claims their tasks'
   * completion closes or reopening ends, and this machine's last push. Nothing is held
   * between round trips, so a machine cut off mid-push holds no lock another one waits for.
   */
  private async pushNow(): Promise<void> {
    // A bounded number of batches per turn, so pulls and claims are not starved by a backlog.
    for (let i = 0; i < 20; i++) {
      const batch = readBatch(this.db, this.opts.batchSize);
      if (!batch) return;
      await this.pushBatch(batch, []);
    }
  }

  /**
   * One batch in one statement, with the claims to release (ids): a claim is released in
   * the same transaction as every change committed here before the release was decided,
   * so a completion is always in the store no later than its claim's release.
   */
  private async pushBatch(batch: Batch | null, release: string[]): Promise<void> {
    const b = batch?.rows ?? [];
    // Read first, then waited for: the barrier covers every row just read.
    if (b.length) await this.opts.durable?.();
    const r = await this.link.query<{ claims: string }>(
      `WITH up AS (
           INSERT INTO fragd_rows (team, machine, tbl, row_id, version, deleted, data, xid)
           SELECT $1, $2, t.tbl, t.row_id, t.version, t.deleted, t.data, txid_current()
             FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::boolean[], $7::jsonb[])
               AS t(tbl, row_id, version, deleted, data)
           ON CONFLICT (team, machine, tbl, row_id) DO UPDATE
             SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data,
                 seq = nextval('fragd_rows_seq'), pushed_at = now(), xid = EXCLUDED.xid
             WHERE fragd_rows.version < EXCLUDED.version
           RETURNING tbl, deleted, data),
         closing AS (
           INSERT INTO fragd_claims (team, task_code, machine, actor, how, closed, closed_updated_at)
           SELECT $1, data->>'code', $2, 'fragd', 'closed', true, (data->>'updated_at')::bigint FROM up
            WHERE tbl = 'tasks' AND NOT deleted AND data->>'parent_id_code' IS NULL
              AND data->>'status' IN ('completed', 'cancelled')
           ON CONFLICT (team, lower(task_code)) WHERE active DO UPDATE
             SET closed = true, changed = nextval('fragd_rows_seq'),
                 closed_updated_at = greatest(fragd_claims.closed_updated_at, EXCLUDED.closed_updated_at)
           RETURNING 1),
         reopening AS (
           UPDATE fragd_claims c SET active = false, released_at = now(), changed = nextval('fragd_rows_seq')
             FROM up
            WHERE up.tbl = 'tasks' AND NOT up.deleted AND up.data->>'status' NOT IN ('completed', 'cancelled')
              AND c.team = $1 AND c.active AND c.closed AND lower(c.task_code) = lower(up.data->>'code')
              AND (up.data->>'updated_at')::bigint > coalesce(c.closed_updated_at, 0)
           RETURNING 1),
         releasing AS (
           UPDATE fragd_claims SET active = false, released_at = now(), changed = nextval('fragd_rows_seq')
            WHERE id = ANY($8::bigint[]) AND active AND NOT closed
              AND lower(task_code) NOT IN (SELECT lower(data->>'code') FROM up WHERE tbl = 'tasks'
                    AND data->>'code' IS NOT NULL AND data->>'status' IN ('completed', 'cancelled'))
           RETURNING 1),
         seen AS (UPDATE fragd_machines SET last_push_at = now() WHERE team = $1 AND machine = $2 AND $9 RETURNING 1)
         SELECT (SELECT count(*) FROM closing) + (SELECT count(*) FROM reopening) + (SELECT count(*) FROM releasing)
                + 0 * (SELECT count(*) FROM seen) AS claims`,
      [
        this.target.team,
        this.target.machine,
        b.map((r) => r.tbl),
        b.map((r) => r.row_id),
        b.map((r) => r.version),
        b.map((r) => r.deleted),
        b.map((r) => (r.data === null ? null : JSON.stringify(r.data))),
        release,
        b.length > 0,
      ],
      ROUND_DEADLINE_MS,
      'the team store (push)',
    );
    if (!batch) {
      if (Number(r.rows[0].claims) > 0) this.announceDue = true;
      return;
    }
    if (this.opts.crashAfterCommit) process.kill(process.pid, 'SIGKILL');
    markPushed(this.db, batch.through);
    // Work items and claims are what the others pull at once; time and activities wait for their next pull.
    if (
      Number(r.rows[0].claims) > 0 ||
      b.some(
        (x) =>
          (WORK_TABLES as readonly string[]).includes(x.tbl) || (COORD_TABLES as readonly string[]).includes(x.tbl),
      )
    )
      this.announceDue = true;
    this.pushedTotal += batch.rows.length;
    this.lastPushAt = Date.now();
  }

  private cursor(key: string, legacySeqKey?: string): Cursor {
    const get = (k: string) =>
      this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(k) as string | undefined;
    const v = get(key);
    if (v) {
      const [xid, seq] = v.split(':').map(Number);
      return { xid, seq };
    }
    // Before xids were recorded every row had xid 0: the old seq cursor still says where it was.
    const legacy = legacySeqKey ? get(legacySeqKey) : undefined;
    return { xid: 0, seq: legacy ? Number(legacy) : 0 };
  }

  private saveCursor(key: string, c: Cursor): void {
    const v = `${c.xid}:${c.seq}`;
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?')
      .run(key, v, v);
  }

  /** The cheap read: has anything the pull reads changed since the last one? If so, pull. */
  private async pullIfChanged(): Promise<void> {
    const seen = Date.now() - this.seenAt >= SEEN_MS;
    if (this.fingerprint !== null) {
      const r = await this.link.query<{ fp: string }>(
        `${seen ? 'WITH seen AS (UPDATE fragd_machines SET last_pull_at = now() WHERE team = $1 AND machine = $2 RETURNING 1) ' : ''}
         SELECT ${FINGERPRINT} AS fp${seen ? ', (SELECT count(*) FROM seen) AS seen' : ''}`,
        seen ? [this.target.team, this.target.machine] : [this.target.team],
        ROUND_DEADLINE_MS,
        'the team store (pull)',
      );
      if (seen) this.seenAt = Date.now();
      this.lastPullAt = Date.now();
      const fp = r.rows[0].fp;
      if (fp === this.fingerprint) return;
    }
    await this.pull();
  }

  /** Work items changed by the other machines, their active claims, and their time per task, in one statement. */
  private async pull(): Promise<void> {
    const { team, machine } = this.target;
    let items = 0;
    let heldBack = false;
    let claims: RemoteClaim[] = [];
    let remote: RemoteReservation[] = [];
    const actors = new Set<string>();
    let fp = '';
    for (let page = 0; page < 20; page++) {
      const rowsAt = this.cursor('sync_pull_cursor', 'sync_pull_seq');
      const timeAt = this.cursor('sync_time_cursor');
      const coordAt = this.cursor('sync_coord_cursor');
      const r = await this.link.query<{
        xmin: string;
        fp: string;
        held_back: boolean;
        rows: {
          seq: number;
          xid: number;
          tbl: WorkTable;
          data: Record<string, unknown>;
          machine: string;
          version: number;
        }[];
        claims: (Omit<RemoteClaim, 'claimed_at'> & { claimed_at: string })[];
        time: { task_code: string; machine: string; ms: number; xid: number; seq: number }[];
        recipients: (PulledRecipient & { xid: number; seq: number })[];
        reservations: RemoteReservation[];
      }>(
        `WITH snap AS (SELECT txid_snapshot_xmin(txid_current_snapshot()) AS xmin),
              seen AS (UPDATE fragd_machines SET last_pull_at = now() WHERE team = $1 AND machine = $2 RETURNING 1)
         SELECT (SELECT xmin FROM snap) AS xmin,
                ${FINGERPRINT} AS fp,
                EXISTS (SELECT 1 FROM fragd_rows, snap WHERE team = $1 AND ${WORK_ROWS} AND machine <> $2
                          AND xid >= snap.xmin AND (xid, seq) > ($3, $4))
                OR EXISTS (SELECT 1 FROM fragd_task_time, snap WHERE team = $1 AND machine <> $2
                          AND xid >= snap.xmin AND (xid, seq) > ($5, $6))
                OR EXISTS (SELECT 1 FROM fragd_rows, snap WHERE team = $1 AND ${COORD_ROWS} AND machine <> $2
                          AND xid >= snap.xmin AND (xid, seq) > ($7, $8)) AS held_back,
                (SELECT coalesce(json_agg(c ORDER BY c.xid, c.seq), '[]') FROM (
                   SELECT r.xid, r.seq, r.machine, r.data,
                          (SELECT m.data FROM fragd_rows m WHERE m.team = r.team AND m.tbl = 'messages' AND NOT m.deleted
                              AND m.machine = coalesce(r.data->>'origin_machine', r.machine)
                              AND m.row_id = coalesce((r.data->>'origin_id')::bigint, (r.data->>'message_id')::bigint)) AS message
                     FROM fragd_rows r, snap
                    WHERE r.team = $1 AND r.tbl IN ('reservations', 'message_recipients') AND r.machine <> $2
                      AND NOT r.deleted AND r.xid < snap.xmin AND (r.xid, r.seq) > ($7, $8)
                    ORDER BY r.xid, r.seq LIMIT 1000) c) AS recipients,
                (${LIVE_RESERVATIONS}) AS reservations,
                (SELECT coalesce(json_agg(w ORDER BY w.xid, w.seq), '[]') FROM (
                   SELECT seq, xid, tbl, data, machine, version FROM fragd_rows, snap
                    WHERE team = $1 AND ${WORK_ROWS} AND machine <> $2 AND NOT deleted
                      AND xid < snap.xmin AND (xid, seq) > ($3, $4)
                    ORDER BY xid, seq LIMIT 1000) w) AS rows,
                (SELECT coalesce(json_agg(c), '[]') FROM (
                   SELECT ${CLAIM_COLUMNS} FROM fragd_claims
                    WHERE team = $1 AND active AND NOT closed AND machine <> $2) c) AS claims,
                (SELECT coalesce(json_agg(p ORDER BY p.xid, p.seq), '[]') FROM (
                   SELECT task_code, machine, ms, xid, seq FROM fragd_task_time, snap
                    WHERE team = $1 AND machine <> $2 AND xid < snap.xmin AND (xid, seq) > ($5, $6)
                    ORDER BY xid, seq LIMIT 5000) p) AS time,
                (SELECT count(*) FROM seen) AS seen`,
        [team, machine, rowsAt.xid, rowsAt.seq, timeAt.xid, timeAt.seq, coordAt.xid, coordAt.seq],
        ROUND_DEADLINE_MS,
        'the team store (pull)',
      );
      const got = r.rows[0];
      this.seenAt = Date.now();
      fp = got.fp;
      heldBack = got.held_back;
      claims = got.claims.map((c) => ({ ...c, claimed_at: new Date(c.claimed_at) }));
      const rows = got.rows;
      if (rows.length) {
        const { applied, waiting } = applyWorkItems(this.db, rows, machine);
        // A row whose reference (a parent task edited since) comes in a later page: read again
        // from just before it next time, unless that would not move the cursor at all.
        const firstWaiting = waiting.length ? rows.findIndex((x) => waiting.includes(x)) : -1;
        const upTo = firstWaiting > 0 ? rows[firstWaiting - 1] : rows[rows.length - 1];
        if (firstWaiting === 0)
          this.log.warn({ waiting: waiting.length }, 'pulled work items refer to codes not known here; skipped');
        this.saveCursor('sync_pull_cursor', { xid: Number(upTo.xid), seq: Number(upTo.seq) });
        this.pulledTotal += applied;
        items += applied;
      }
      if (got.time.length) {
        this.db.transaction(() => {
          const p = this.db.prepare(
            'INSERT OR REPLACE INTO sync_progress (task_code, machine, seconds) VALUES (?, ?, ?)',
          );
          for (const t of got.time) p.run(t.task_code, t.machine, Math.round(Number(t.ms) / 1000));
        })();
        const last = got.time[got.time.length - 1];
        this.saveCursor('sync_time_cursor', { xid: Number(last.xid), seq: Number(last.seq) });
      }
      remote = got.reservations;
      const recipients = got.recipients;
      if (recipients.length) {
        const mine = recipients.filter((x) => x.data && (x.data as { message_id?: unknown }).message_id != null);
        for (const a of applyRecipients(this.db, mine, machine)) actors.add(a);
        const last = recipients[recipients.length - 1];
        this.saveCursor('sync_coord_cursor', { xid: Number(last.xid), seq: Number(last.seq) });
      }
      if (rows.length < 1000 && got.time.length < 5000 && recipients.length < 1000) break;
    }
    const reservationsChanged = mirrorReservations(this.db, remote);
    if (reservationsChanged || actors.size)
      this.onCoordination({ reservations_changed: reservationsChanged, actors: [...actors] });
    const claimsBefore = this.mirrorKey();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sync_claims').run();
      const ins = this.db.prepare(
        'INSERT OR REPLACE INTO sync_claims (task_code, machine, actor, session_key, claimed_at) VALUES (?, ?, ?, ?, ?)',
      );
      for (const c of claims) ins.run(c.task_code, c.machine, c.actor, c.session_key, c.claimed_at.toISOString());
    })();
    this.lastPullAt = Date.now();
    // Rows of transactions still running elsewhere are read by a pull in a moment, not missed.
    if (heldBack) {
      this.fingerprint = null;
      this.nextPullAt = Date.now() + 200;
    } else this.fingerprint = fp;
    const claimsChanged = this.mirrorKey() !== claimsBefore;
    // Another machine holds a task a session here holds (a take-over): compare this turn.
    const here = new Set(this.localHolds().map((h) => h.task.toLowerCase()));
    if (claims.some((c) => here.has(c.task_code.toLowerCase()))) this.reconcileDue = true;
    if (items || claimsChanged) this.pulled({ items, claims_changed: claimsChanged });
  }

  /** The mirror of the other machines' claims as one string, to tell whether a pull changed it. */
  private mirrorKey(): string {
    return (
      this.db
        .prepare("SELECT task_code || ' ' || machine || ' ' || actor || ' ' || claimed_at FROM sync_claims ORDER BY 1")
        .pluck()
        .all() as string[]
    ).join('\n');
  }

  /**
   * Claims of this machine in PG follow what its sessions hold: a task no session of this
   * machine holds any more is released; a task held here without a claim in PG (claimed
   * before sync was on) is claimed, and a clash with another machine is reported in
   * `sync status` rather than silently kept.
   */
  private reconcileClaims(): Promise<void> {
    return this.exclusive(() => this.reconcileNow());
  }

  /**
   * Claims and reconciliation of this daemon run one at a time: a reconciliation that read
   * what is held here before a claim was granted must not release that claim after.
   */
  private claimLock: Promise<unknown> = Promise.resolve();
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.claimLock.then(fn, fn);
    this.claimLock = run.catch(() => {});
    return run;
  }

  private async reconcileNow(): Promise<void> {
    const now = Date.now();
    this.reconcileDue = false;
    for (const [code, p] of this.pending) if (now - p.at > PENDING_GRACE_MS) this.pending.delete(code);
    const r = await this.link.query<{ id: string; task_code: string; session_key: string | null }>(
      'SELECT id, task_code, session_key FROM fragd_claims WHERE team = $1 AND machine = $2 AND active AND NOT closed',
      [this.target.team, this.target.machine],
      ROUND_DEADLINE_MS,
    );
    const mine = new Set(r.rows.map((c) => c.task_code.toLowerCase()));
    let held = new Map<string, LocalHold>();
    await this.pushing(async () => {
      // The backlog first, so what is left fits the one statement below.
      await this.pushNow();
      // What this machine holds and what it has not pushed yet, read at one instant (nothing
      // awaits in between): a claim is released in the same statement that pushes every
      // change committed before (a completion included), so a completed task is closed in the
      // team store before its claim could be free, never after.
      held = new Map(this.localHolds().map((h) => [h.task.toLowerCase(), h]));
      const release = r.rows.filter(
        (c) => !held.has(c.task_code.toLowerCase()) && !this.pending.has(c.task_code.toLowerCase()),
      );
      if (!release.length) return;
      if (queueStats(this.db).length > RELEASE_BATCH) {
        this.reconcileDue = true; // still a backlog: release at the next round
        return;
      }
      const batch = readBatch(this.db, RELEASE_BATCH);
      await this.pushBatch(
        batch,
        release.map((c) => c.id),
      );
    });
    // A claim granted before its session existed (an agent's first event) gets its holder now.
    for (const c of r.rows) {
      const h = c.session_key === null ? held.get(c.task_code.toLowerCase()) : undefined;
      if (h?.session)
        await this.link.query(
          'UPDATE fragd_claims SET actor = $2, session_key = $3 WHERE id = $1 AND active',
          [c.id, h.actor, h.session],
          ROUND_DEADLINE_MS,
        );
    }
    const conflicts: SyncStatus['claim_conflicts'] = [];
    /** When each task held here was taken over (the team store's clock). */
    const takenAt = new Map<string, number>();
    for (const [key, h] of held) {
      if (mine.has(key)) continue;
      const got = await this.tryClaim(h, false, ROUND_DEADLINE_MS);
      if (!got.granted && got.holder.how === 'take_over') takenAt.set(key, new Date(got.holder.claimed_at).getTime());
      if (!got.granted)
        conflicts.push({
          task: h.task,
          holder_machine: got.holder.machine,
          holder_actor: got.holder.actor,
          taken_over: got.holder.how === 'take_over',
          session: h.session,
        });
    }
    this.conflicts = conflicts;
    this.holdsKey = holdsKeyOf([...held.values()]);
    this.reconciledAt = Date.now();
    const taken = conflicts.filter((c) => c.taken_over);
    if (taken.length)
      this.takenOver(
        taken.map((c) => ({
          task: c.task,
          machine: c.holder_machine,
          actor: c.holder_actor,
          at: takenAt.get(c.task.toLowerCase()),
        })),
      );
  }

  /**
   * Asks PG for the task in one statement: the unique index grants one active holder per
   * task of a team, and a completed or cancelled task keeps its closed claim there, so it is
   * never granted again. Between sessions of one machine the local claims decide (PG records
   * the latest holder). With `takeOver`, a claim another machine holds is ended and this one
   * granted in one statement, and the row says who took it.
   */
  private async tryClaim(
    h: LocalHold,
    takeOver: boolean,
    deadlineMs: number,
  ): Promise<{ granted: true; takenFrom?: RemoteClaim } | { granted: false; holder: RemoteClaim }> {
    const { team, machine } = this.target;
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await this.link.query<RemoteClaim & { granted: boolean; id: string }>(
        `WITH granted AS (
           INSERT INTO fragd_claims (team, task_code, machine, actor, session_key) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (team, lower(task_code)) WHERE active DO NOTHING RETURNING id)
         SELECT true AS granted, id, NULL::text AS task_code, NULL::text AS machine, NULL::text AS actor,
                NULL::text AS session_key, NULL::timestamptz AS claimed_at, NULL::text AS how, false AS closed
           FROM granted
         UNION ALL
         SELECT false, id, task_code, machine, actor, session_key, claimed_at, how, closed FROM fragd_claims
          WHERE team = $1 AND lower(task_code) = lower($2) AND active AND NOT EXISTS (SELECT 1 FROM granted)`,
        [team, h.task, machine, h.actor, h.session],
        deadlineMs,
        'the team store (claim)',
      );
      const row = r.rows[0];
      if (!row) continue; // released between the insert and the read: ask again
      if (row.granted) {
        this.announceDue = true;
        return { granted: true };
      }
      if (row.closed) return { granted: false, holder: row };
      if (row.machine === machine) {
        // The session is known only once it exists (an agent's first event asks before): until
        // then the row keeps the holder it names, which reconciliation corrects.
        if (h.session !== null)
          await this.link.query(
            'UPDATE fragd_claims SET actor = $2, session_key = $3 WHERE id = $1 AND active',
            [row.id, h.actor, h.session],
            deadlineMs,
          );
        return { granted: true };
      }
      if (!takeOver) return { granted: false, holder: row };
      if (await this.takeFrom(row.id, h, deadlineMs)) {
        this.announceDue = true;
        return { granted: true, takenFrom: row };
      }
    }
    throw new Error(`the claim of ${h.task} kept changing hands; try again`);
  }

  /** Ends another machine's claim and grants this one, in one statement; false if it changed meanwhile. */
  private async takeFrom(claimId: string, h: LocalHold, deadlineMs: number): Promise<boolean> {
    const { team, machine } = this.target;
    const r = await this.link.query(
      `WITH ended AS (
         UPDATE fragd_claims SET active = false, released_at = now(), taken_by_machine = $3, taken_by_actor = $4,
                changed = nextval('fragd_rows_seq')
          WHERE id = $1 AND active AND NOT closed RETURNING id)
       INSERT INTO fragd_claims (team, task_code, machine, actor, session_key, how)
       SELECT $2, $5, $3, $4, $6, 'take_over' FROM ended RETURNING id`,
      [claimId, team, machine, h.actor, h.task, h.session],
      deadlineMs,
      'the team store (take-over)',
    );
    return (r.rowCount ?? 0) > 0;
  }

  private hold(key: string): void {
    const p = this.pending.get(key);
    this.pending.set(key, { count: (p?.count ?? 0) + 1, at: Date.now() });
  }

  private letGo(key: string): void {
    const p = this.pending.get(key);
    if (!p || p.count <= 1) this.pending.delete(key);
    else p.count--;
  }

  /**
   * Whether PG granted `code` to this machine for a write that has not settled yet: the
   * check every local activation makes while sync is on, so no path can hold a task the
   * team store did not grant.
   */
  granted(code: string): boolean {
    return this.pending.has(code.toLowerCase());
  }

  /**
   * Asks the team store for a task before a write activates it here, within CLAIM_DEADLINE_MS.
   * Granted: a settle function (settle(false) gives the claim back when the local write
   * fails). Held by another machine, or closed (completed or cancelled in the team store):
   * that holder, now also in the local mirror, so the write's own claim check refuses with it.
   * Store unreachable or silent: the redacted reason (the documented rule: refused).
   */
  async grant(
    h: LocalHold,
    takeOver = false,
  ): Promise<
    | { outcome: 'granted'; settle: (ok: boolean) => void; takenFrom?: RemoteClaim }
    | { outcome: 'held'; holder: RemoteClaim }
    | { outcome: 'closed'; holder: RemoteClaim }
    | { outcome: 'unreachable'; message: string }
  > {
    const key = h.task.toLowerCase();
    // Held from the first moment, before any wait, so a concurrent choice here (next
    // --activate) sees the task as taken and asks for another.
    this.hold(key);
    const deadlineAt = Date.now() + CLAIM_DEADLINE_MS;
    const left = () => Math.max(1, deadlineAt - Date.now());
    let got: Awaited<ReturnType<Syncer['tryClaim']>>;
    try {
      await this.ensureReady(left());
      got = await withDeadline(
        this.exclusive(() => this.tryClaim(h, takeOver, left())),
        left(),
        `the team store (claim) gave no answer within ${CLAIM_DEADLINE_MS / 1000} s`,
      );
    } catch (err) {
      this.letGo(key);
      const message = this.redacted(err);
      this.lastError = { message, at: Date.now() };
      return { outcome: 'unreachable', message };
    }
    if (!got.granted) {
      this.letGo(key);
      this.mirror(got.holder);
      if (got.holder.closed) {
        // Completed elsewhere and not pulled here yet: pull it now.
        this.nextPullAt = 0;
        this.fingerprint = null;
        this.nudge();
        return { outcome: 'closed', holder: got.holder };
      }
      return { outcome: 'held', holder: got.holder };
    }
    this.nudge();
    // PG says this machine holds it now: whatever the last pull said of another holder is over.
    this.db.prepare('DELETE FROM sync_claims WHERE task_code = ? COLLATE NOCASE').run(h.task);
    return {
      outcome: 'granted',
      takenFrom: got.takenFrom,
      settle: (ok) => {
        // Success: the session now holds the task and reconciliation keeps the claim. Failure:
        // no session holds it, and the next reconciliation releases it once pending is gone.
        this.letGo(key);
        this.reconcileDue = true;
        if (!ok) void this.reconcileClaims().catch((err: unknown) => this.failed(err));
      },
    };
  }

  /** A holder PG named, written to the local mirror of other machines' claims at once (not at the next pull). */
  private mirror(c: RemoteClaim): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO sync_claims (task_code, machine, actor, session_key, claimed_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(c.task_code, c.machine, c.actor, c.session_key, c.claimed_at.toISOString());
  }

  /**
   * `grant` for the explicit activations (task activate, context push): anything but a
   * grant is refused with the error the person sees.
   */
  async claim(h: LocalHold, takeOver = false): Promise<{ settle: (ok: boolean) => void; takenFrom?: RemoteClaim }> {
    const got = await this.grant(h, takeOver);
    if (got.outcome === 'granted') return got;
    if (got.outcome === 'unreachable') throw teamStoreUnreachable(h.task, got.message);
    const { machine, actor, session_key, claimed_at } = got.holder;
    if (got.outcome === 'closed') throw closedElsewhere(h.task, machine);
    throw heldElsewhere(h.task, { machine, actor, session: session_key, since: claimed_at.toISOString() });
  }

  status(): SyncStatus {
    const q = queueStats(this.db);
    const connected = this.ready && this.failures === 0;
    return {
      enabled: true,
      team: this.target.team,
      machine: this.target.machine,
      store: this.target.from === 'FRAGD_PG_URL' ? 'FRAGD_PG_URL' : `url_file ${this.target.from}`,
      connected,
      queue: q.length,
      oldest_unpushed_age_seconds: q.oldest_at === null ? null : Math.max(0, (Date.now() - q.oldest_at) / 1000),
      last_push_at: isoOrNull(this.lastPushAt),
      last_pull_at: isoOrNull(this.lastPullAt),
      pushed_total: this.pushedTotal,
      pulled_total: this.pulledTotal,
      failures: this.failures,
      next_retry_at: isoOrNull(this.nextRetryAt),
      // An error from before the store answered again is history, not the state: not shown while connected.
      last_error:
        this.lastError && !connected
          ? { message: this.lastError.message, at: new Date(this.lastError.at).toISOString() }
          : null,
      remote_claims: this.db.prepare('SELECT count(*) FROM sync_claims').pluck().get() as number,
      claim_conflicts: this.conflicts,
    };
  }

  /**
   * `task show`: the other machines' time on these tasks, and their latest updates and notes
   * on them, read from the team store now (not as of the last pull, which for time is up to
   * a heartbeat behind). The time read refreshes the local mirror (sync_progress), so the
   * estimate checks that follow count it too. Asked only while connected and within
   * `deadlineMs`; null otherwise (the caller shows the mirror, as offline).
   */
  async taskElsewhere(codes: string[], updatesLimit: number, deadlineMs: number): Promise<RemoteUpdate[] | null> {
    if (!this.ready || this.failures > 0 || !codes.length) return null;
    let got: { time: { task_code: string; machine: string; ms: string }[]; updates: RemoteUpdate[] };
    try {
      const r = await this.link.query<typeof got>(
        `SELECT (SELECT coalesce(json_agg(t), '[]') FROM (
                   SELECT task_code, machine, ms FROM fragd_task_time
                    WHERE team = $1 AND machine <> $2 AND task_code = ANY($3::text[])) t) AS time,
                (SELECT coalesce(json_agg(u ORDER BY u.at, u.machine), '[]') FROM (
                   SELECT machine, data->>'kind' AS kind, data->>'message' AS message, (data->>'at')::bigint AS at,
                          data->>'session_id_code' AS session, data->>'person' AS person
                     FROM fragd_rows
                    WHERE team = $1 AND machine <> $2 AND tbl = 'activities' AND NOT deleted
                      AND data->>'kind' IN ('update', 'note')
                      AND (data->>'task_id_code' = ANY($3::text[]) OR data->>'subtask_id_code' = ANY($3::text[]))
                    ORDER BY (data->>'at')::bigint DESC LIMIT $4) u) AS updates`,
        [this.target.team, this.target.machine, codes, updatesLimit],
        deadlineMs,
        'the team store (task show)',
      );
      got = r.rows[0];
    } catch (err) {
      this.log.debug({ err: this.redacted(err) }, 'task show read the local mirror: the team store did not answer');
      return null;
    }
    this.db.transaction(() => {
      const p = this.db.prepare('INSERT OR REPLACE INTO sync_progress (task_code, machine, seconds) VALUES (?, ?, ?)');
      for (const t of got.time) p.run(t.task_code, t.machine, Math.round(Number(t.ms) / 1000));
    })();
    return got.updates.map((u) => ({ ...u, at: Number(u.at) }));
  }

  /** A statement on this daemon's connection whose failure the caller words (rename, remove). */
  /**
   * Reads the other machines' live reservations now (before a reservation is made here, so it
   * is checked against the team's, not the last pull's). Throws when the store does not answer
   * within the claims' deadline: the caller refuses, as claims are refused offline.
   */
  async refreshReservations(deadlineMs = CLAIM_DEADLINE_MS): Promise<void> {
    const run = async () => {
      await this.ensureReady(deadlineMs);
      const r = await this.link.query<{ reservations: RemoteReservation[] }>(
        `SELECT (${LIVE_RESERVATIONS}) AS reservations`,
        [this.target.team, this.target.machine],
        deadlineMs,
        'the team store (reservations)',
      );
      if (mirrorReservations(this.db, r.rows[0].reservations))
        this.onCoordination({ reservations_changed: true, actors: [] });
    };
    await withDeadline(run(), deadlineMs, `the team store (reservations) gave no answer within ${deadlineMs / 1000} s`);
  }

  /** The other machines where an actor has had a session (a message to it is pulled there); null when the store does not answer. */
  async actorElsewhere(actor: string, deadlineMs = CLAIM_DEADLINE_MS): Promise<string[] | null> {
    try {
      const run = async () => {
        await this.ensureReady(deadlineMs);
        return this.link.query<{ machine: string }>(
          `SELECT DISTINCT machine FROM fragd_rows WHERE team = $1 AND tbl = 'sessions' AND (data->>'actor') = $2
              AND machine <> $3 ORDER BY machine LIMIT 10`,
          [this.target.team, actor, this.target.machine],
          deadlineMs,
          'the team store (actors)',
        );
      };
      const r = await withDeadline(run(), deadlineMs, 'the team store (actors) gave no answer');
      return r.rows.map((x) => x.machine);
    } catch {
      return null;
    }
  }

  async queryOrThrow<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    await this.ensureReady();
    return (await this.link.query<R>(text, values, ROUND_DEADLINE_MS)).rows;
  }

  redactedMessage(err: unknown): string {
    return this.redacted(err);
  }

  /** For the team report: a read-only query on the team store. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    try {
      await this.ensureReady();
      return (await this.link.query<R>(text, values, ROUND_DEADLINE_MS)).rows;
    } catch (err) {
      throw new FragError(
        ErrorCode.StorageUnavailable,
        `the team store (PostgreSQL) does not answer: ${this.redacted(err)}`,
        { error: 'storage_unavailable', store: 'team', hint: `${fragctl('sync', 'status')} shows the last error` },
      );
    }
  }
}

function holdsKeyOf(holds: LocalHold[]): string {
  return holds
    .map((h) => `${h.task.toLowerCase()} ${h.actor} ${h.session ?? ''}`)
    .sort()
    .join('\n');
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
