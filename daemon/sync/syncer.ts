// The daemon's side of the team store: a loop off the request path that pushes the outbox
// to PostgreSQL in batches (one PG transaction each; outbox rows go only after PG has
// committed), pulls the other machines' work items, claims and time, backs off when the
// store cannot be reached, and grants claims across machines.
import pg from 'pg';
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
  type WorkTable,
} from './outbox.js';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { migratePg } from './pg-schema.js';
import { fragctl } from '../../shared/command.js';
import type { SyncStatusView } from '../../shared/protocol/sync.js';
import { heldElsewhere, teamStoreUnreachable } from './errors.js';
import { randomUUID } from 'node:crypto';

export interface SyncOptions {
  pushIntervalMs: number;
  pullIntervalMs: number;
  batchSize: number;
  /** LISTEN for the other machines' announcements (sync.listen). */
  listen: boolean;
  /** Test only (FRAGD_SYNC_CRASH_AFTER_COMMIT): die by SIGKILL right after a push committed in PG. */
  crashAfterCommit?: boolean;
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
}

/** The work items' rows, written as the partial index fragd_rows_work_pull says (pg-schema.ts), so a pull uses it. */
const WORK_ROWS = `tbl IN (${WORK_TABLES.map((t) => `'${t}'`).join(', ')})`;

/** The columns of fragd_claims a RemoteClaim is read from. */
export const CLAIM_COLUMNS = 'task_code, machine, actor, session_key, claimed_at, how';

/** A task this machine's sessions hold (their work frames). */
export interface LocalHold {
  task: string;
  actor: string;
  /** Null when the grant is asked for before the session exists (an agent's first event). */
  session: string | null;
}

const MAX_BACKOFF_MS = 60_000;
/** After a nudge, the loop runs this soon: the writes of one burst go in one push. */
const NUDGE_MS = 25;
/** The channel every fragd of every team announces its changes on (the payload names team and machine). */
const CHANNEL = 'fragd_changes';
/** A claim granted in PG whose local write has not settled yet is not reconciled away. */
const PENDING_GRACE_MS = 30_000;

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class Syncer {
  private readonly pool: pg.Pool;
  private timer: NodeJS.Timeout | null = null;
  private dueAt = 0;
  private running: Promise<void> | null = null;
  /** A nudge came while the loop was running: run again soon after it. */
  private again = false;
  /** The connection that LISTENs (a pooled one cannot: it would be handed to other queries). */
  private listener: pg.Client | null = null;
  private stopped = false;
  private ready = false;
  private lastPushAt: number | null = null;
  private lastPullAt: number | null = null;
  private nextPullAt = 0;
  private pullCount = 0;
  private pushedTotal = 0;
  private pulledTotal = 0;
  private failures = 0;
  private nextRetryAt: number | null = null;
  private lastError: { message: string; at: number } | null = null;
  /** Grants whose local write has not settled: task code (lower case) → how many, since when. */
  private readonly pending = new Map<string, { count: number; at: number }>();
  private conflicts: SyncStatus['claim_conflicts'] = [];

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
    private readonly takenOver: (tasks: { task: string; machine: string; actor: string }[]) => void = () => {},
  ) {
    this.pool = new pg.Pool({
      connectionString: target.url,
      max: 3,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // A statement that hangs (a network that drops packets) fails instead of holding the loop.
      query_timeout: 30_000,
      application_name: `fragd ${target.machine}`,
    });
    // An idle connection that breaks must not take the daemon down: the next use reconnects.
    this.pool.on('error', (err) => this.log.warn({ err: this.redacted(err) }, 'team store connection lost'));
  }

  private redacted(err: unknown): string {
    return redact((err as Error)?.message ?? String(err), this.target.url);
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
      this.running = this.cycle().finally(() => {
        this.running = null;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? NUDGE_MS : this.opts.pushIntervalMs);
      });
    }, ms);
    this.timer.unref();
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
    this.nudge();
  }

  private announcement(): string {
    return JSON.stringify({ team: this.target.team, machine: this.target.machine });
  }

  /** Tells the team's other fragds that something they pull changed (after the commit, by PostgreSQL). */
  private async announce(q: Pick<pg.ClientBase, 'query'> = this.pool): Promise<void> {
    await q.query('SELECT pg_notify($1, $2)', [CHANNEL, this.announcement()]);
  }

  /**
   * Opens the LISTEN connection when there is none. A failure here is not the loop's: polling
   * every pull interval goes on, and the next turn tries again.
   */
  private async listen(): Promise<void> {
    if (!this.opts.listen || this.listener || this.stopped) return;
    const client = new pg.Client({
      connectionString: this.target.url,
      connectionTimeoutMillis: 5000,
      application_name: `fragd ${this.target.machine} (listen)`,
    });
    const drop = () => {
      if (this.listener === client) this.listener = null;
      void client.end().catch(() => {});
    };
    client.on('error', (err) => {
      this.log.warn({ err: this.redacted(err) }, 'team store announcements lost; polling until reconnected');
      drop();
    });
    client.on('end', drop);
    client.on('notification', (m) => this.heard(m.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.stopped) return drop(); // stopped while connecting: nothing may keep the process up
      this.listener = client;
      // What was announced before the LISTEN began is read by one pull now.
      this.nextPullAt = 0;
    } catch (err) {
      this.log.debug({ err: this.redacted(err) }, 'cannot LISTEN on the team store; polling');
      drop();
    }
  }

  /** Stops the loop; a push in flight finishes (or is cut by the pool's end: its outbox rows stay). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A push in flight may finish; one stuck on an unreachable store is cut (its outbox rows
    // stay, so nothing is lost) rather than holding the daemon's stop.
    if (this.running) await Promise.race([this.running.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
  }

  private async cycle(): Promise<void> {
    const now = Date.now();
    if (this.nextRetryAt !== null && now < this.nextRetryAt) return;
    try {
      await this.ensureReady();
      await this.listen();
      await this.pushAll();
      await this.reconcileClaims();
      if (Date.now() >= this.nextPullAt) {
        await this.pull();
        this.nextPullAt = Date.now() + this.opts.pullIntervalMs;
      }
      this.failures = 0;
      this.nextRetryAt = null;
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    // Exponential backoff with jitter: 1 s, 2 s, 4 s … up to a minute.
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 16));
    this.nextRetryAt = Date.now() + Math.round(base * (0.75 + Math.random() * 0.5));
    this.lastError = { message: this.redacted(err), at: Date.now() };
    if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|timeout|terminat|ECONNRESET|EHOSTUNREACH/i.test(this.lastError.message))
      this.ready = false;
    this.log.warn({ err: this.lastError.message, failures: this.failures }, 'team sync failed; will retry');
  }

  /** Schema up to date and this database registered under its machine name (once per connection). */
  private async ensureReady(): Promise<void> {
    if (this.ready) return;
    const client = await this.pool.connect();
    try {
      await migratePg(client);
      const dbId = this.dbId();
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
      this.ready = true;
    } finally {
      client.release();
    }
  }

  private dbId(): string {
    const got = this.db.prepare("SELECT value FROM meta WHERE key = 'sync_db_id'").pluck().get() as string | undefined;
    if (got) return got;
    const id = randomUUID();
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('sync_db_id', ?)").run(id);
    return id;
  }

  private async pushAll(): Promise<void> {
    // A bounded number of batches per turn, so pulls and claims are not starved by a backlog.
    for (let i = 0; i < 20; i++) {
      const batch = readBatch(this.db, this.opts.batchSize);
      if (!batch) return;
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        // Pushes of one team commit one after the other, so seq (what pullers page by)
        // becomes visible in order and no puller skips a row committed late.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fragd:${this.target.team}`]);
        const b = batch.rows;
        await client.query(
          `INSERT INTO fragd_rows (team, machine, tbl, row_id, version, deleted, data)
           SELECT $1, $2, t.tbl, t.row_id, t.version, t.deleted, t.data
             FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::boolean[], $7::jsonb[])
               AS t(tbl, row_id, version, deleted, data)
           ON CONFLICT (team, machine, tbl, row_id) DO UPDATE
             SET version = EXCLUDED.version, deleted = EXCLUDED.deleted, data = EXCLUDED.data,
                 seq = nextval('fragd_rows_seq'), pushed_at = now()
             WHERE fragd_rows.version < EXCLUDED.version`,
          [
            this.target.team,
            this.target.machine,
            b.map((r) => r.tbl),
            b.map((r) => r.row_id),
            b.map((r) => r.version),
            b.map((r) => r.deleted),
            b.map((r) => (r.data === null ? null : JSON.stringify(r.data))),
          ],
        );
        await client.query('UPDATE fragd_machines SET last_push_at = now() WHERE team = $1 AND machine = $2', [
          this.target.team,
          this.target.machine,
        ]);
        // Work items are what the others pull at once; time and activities wait for their next pull.
        if (b.some((r) => (WORK_TABLES as readonly string[]).includes(r.tbl))) await this.announce(client);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      if (this.opts.crashAfterCommit) process.kill(process.pid, 'SIGKILL');
      markPushed(this.db, batch.through);
      this.pushedTotal += batch.rows.length;
      this.lastPushAt = Date.now();
    }
  }

  private pullSeq(): number {
    const v = this.db.prepare("SELECT value FROM meta WHERE key = 'sync_pull_seq'").pluck().get() as string | undefined;
    return v ? Number(v) : 0;
  }

  /** Work items changed by the other machines, their active claims, and (every few pulls) their time per task. */
  private async pull(): Promise<void> {
    const { team, machine } = this.target;
    let seq = this.pullSeq();
    let items = 0;
    for (let page = 0; page < 20; page++) {
      const r = await this.pool.query<{
        seq: string;
        tbl: WorkTable;
        data: Record<string, unknown>;
        machine: string;
        version: string;
      }>(
        `SELECT seq, tbl, data, machine, version FROM fragd_rows
          WHERE team = $1 AND machine <> $2 AND seq > $3 AND ${WORK_ROWS} AND NOT deleted
          ORDER BY seq LIMIT 1000`,
        [team, machine, seq],
      );
      if (r.rows.length === 0) break;
      const { applied, waiting } = applyWorkItems(
        this.db,
        r.rows.map((row) => ({ ...row, version: Number(row.version) })),
        machine,
      );
      const last = Number(r.rows[r.rows.length - 1].seq);
      // A row whose reference (a parent task edited since) comes in a later page: read again
      // from just before it next time, unless that would not move the cursor at all.
      const retry = waiting.length ? Math.min(...waiting.map((w) => Number(w.seq))) - 1 : last;
      if (waiting.length && retry <= seq)
        this.log.warn({ waiting: waiting.length }, 'pulled work items refer to codes not known here; skipped');
      seq = retry > seq ? retry : last;
      this.db
        .prepare("INSERT INTO meta (key, value) VALUES ('sync_pull_seq', ?) ON CONFLICT (key) DO UPDATE SET value = ?")
        .run(String(seq), String(seq));
      this.pulledTotal += applied;
      items += applied;
      if (r.rows.length < 1000 || waiting.length) break;
    }
    const claims = await this.pool.query<RemoteClaim>(
      `SELECT ${CLAIM_COLUMNS} FROM fragd_claims WHERE team = $1 AND active AND machine <> $2`,
      [team, machine],
    );
    const progress =
      this.pullCount++ % 10 === 0
        ? await this.pool.query<{ task: string; machine: string; seconds: string }>(
            `SELECT data->>'task_id_code' AS task, machine,
                    sum(greatest(0, coalesce((data->>'ended_at')::bigint, (data->>'checkpoint_at')::bigint)
                                    - (data->>'started_at')::bigint)) / 1000 AS seconds
               FROM fragd_rows
              WHERE team = $1 AND machine <> $2 AND tbl = 'intervals' AND NOT deleted AND data->>'task_id_code' IS NOT NULL
              GROUP BY 1, 2`,
            [team, machine],
          )
        : null;
    const claimsBefore = this.mirrorKey();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sync_claims').run();
      const ins = this.db.prepare(
        'INSERT OR REPLACE INTO sync_claims (task_code, machine, actor, session_key, claimed_at) VALUES (?, ?, ?, ?, ?)',
      );
      for (const c of claims.rows) ins.run(c.task_code, c.machine, c.actor, c.session_key, c.claimed_at.toISOString());
      if (progress) {
        this.db.prepare('DELETE FROM sync_progress').run();
        const p = this.db.prepare('INSERT INTO sync_progress (task_code, machine, seconds) VALUES (?, ?, ?)');
        for (const row of progress.rows) p.run(row.task, row.machine, Math.round(Number(row.seconds)));
      }
    })();
    await this.pool.query('UPDATE fragd_machines SET last_pull_at = now() WHERE team = $1 AND machine = $2', [
      team,
      machine,
    ]);
    this.lastPullAt = Date.now();
    const claimsChanged = this.mirrorKey() !== claimsBefore;
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
    for (const [code, p] of this.pending) if (now - p.at > PENDING_GRACE_MS) this.pending.delete(code);
    const r = await this.pool.query<{ id: string; task_code: string; session_key: string | null }>(
      'SELECT id, task_code, session_key FROM fragd_claims WHERE team = $1 AND machine = $2 AND active',
      [this.target.team, this.target.machine],
    );
    // Read after PG answered: what this machine holds now, with every grant before it settled.
    const held = new Map(this.localHolds().map((h) => [h.task.toLowerCase(), h]));
    const mine = new Set(r.rows.map((c) => c.task_code.toLowerCase()));
    const release = r.rows.filter(
      (c) => !held.has(c.task_code.toLowerCase()) && !this.pending.has(c.task_code.toLowerCase()),
    );
    if (release.length) {
      await this.pool.query(
        'UPDATE fragd_claims SET active = false, released_at = now() WHERE id = ANY($1::bigint[])',
        [release.map((c) => c.id)],
      );
      await this.announce();
    }
    // A claim granted before its session existed (an agent's first event) gets its holder now.
    for (const c of r.rows) {
      const h = c.session_key === null ? held.get(c.task_code.toLowerCase()) : undefined;
      if (h?.session)
        await this.pool.query('UPDATE fragd_claims SET actor = $2, session_key = $3 WHERE id = $1 AND active', [
          c.id,
          h.actor,
          h.session,
        ]);
    }
    const conflicts: SyncStatus['claim_conflicts'] = [];
    for (const [key, h] of held) {
      if (mine.has(key)) continue;
      const got = await this.tryClaim(h);
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
    const taken = conflicts.filter((c) => c.taken_over);
    if (taken.length)
      this.takenOver(taken.map((c) => ({ task: c.task, machine: c.holder_machine, actor: c.holder_actor })));
  }

  /**
   * Asks PG for the task in one statement: the unique index grants one active holder per
   * task of a team. Between sessions of one machine the local claims decide (PG records the
   * latest holder). With `takeOver`, a claim another machine holds is ended and this one
   * granted in one PG transaction, and the row says who took it.
   */
  private async tryClaim(
    h: LocalHold,
    takeOver = false,
  ): Promise<{ granted: true; takenFrom?: RemoteClaim } | { granted: false; holder: RemoteClaim }> {
    const { team, machine } = this.target;
    for (let attempt = 0; attempt < 3; attempt++) {
      // One statement: the grant, and (only when granted) the announcement to the others.
      const ins = await this.pool.query(
        `WITH granted AS (
           INSERT INTO fragd_claims (team, task_code, machine, actor, session_key) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (team, lower(task_code)) WHERE active DO NOTHING RETURNING id)
         SELECT id, pg_notify($6, $7) FROM granted`,
        [team, h.task, machine, h.actor, h.session, CHANNEL, this.announcement()],
      );
      if (ins.rowCount) return { granted: true };
      const holder = await this.pool.query<RemoteClaim & { id: string }>(
        `SELECT id, task_code, machine, actor, session_key, claimed_at, how FROM fragd_claims
          WHERE team = $1 AND lower(task_code) = lower($2) AND active`,
        [team, h.task],
      );
      const row = holder.rows[0];
      if (!row) continue; // released between the two statements: ask again
      if (row.machine === machine) {
        // The session is known only once it exists (an agent's first event asks before): until
        // then the row keeps the holder it names, which reconciliation corrects.
        if (h.session !== null)
          await this.pool.query('UPDATE fragd_claims SET actor = $2, session_key = $3 WHERE id = $1 AND active', [
            row.id,
            h.actor,
            h.session,
          ]);
        return { granted: true };
      }
      if (!takeOver) return { granted: false, holder: row };
      if (await this.takeFrom(row.id, h)) return { granted: true, takenFrom: row };
    }
    throw new Error(`the claim of ${h.task} kept changing hands; try again`);
  }

  /** Ends another machine's claim and grants this one, in one PG transaction; false if it changed meanwhile. */
  private async takeFrom(claimId: string, h: LocalHold): Promise<boolean> {
    const { team, machine } = this.target;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const ended = await client.query(
        `UPDATE fragd_claims SET active = false, released_at = now(), taken_by_machine = $2, taken_by_actor = $3
          WHERE id = $1 AND active`,
        [claimId, machine, h.actor],
      );
      if (!ended.rowCount) {
        await client.query('ROLLBACK');
        return false;
      }
      await client.query(
        `INSERT INTO fragd_claims (team, task_code, machine, actor, session_key, how) VALUES ($1, $2, $3, $4, $5, 'take_over')`,
        [team, h.task, machine, h.actor, h.session],
      );
      await this.announce(client);
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
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
   * Asks the team store for a task before a write activates it here. Granted: a settle
   * function (settle(false) gives the claim back when the local write fails). Held by
   * another machine: that holder, now also in the local mirror, so the write's own claim
   * check refuses with it. Store unreachable: the redacted reason (the documented rule:
   * refused).
   */
  async grant(
    h: LocalHold,
    takeOver = false,
  ): Promise<
    | { outcome: 'granted'; settle: (ok: boolean) => void; takenFrom?: RemoteClaim }
    | { outcome: 'held'; holder: RemoteClaim }
    | { outcome: 'unreachable'; message: string }
  > {
    const key = h.task.toLowerCase();
    // Held from the first moment, before any wait, so a concurrent choice here (next
    // --activate) sees the task as taken and asks for another.
    this.hold(key);
    let got: Awaited<ReturnType<Syncer['tryClaim']>>;
    try {
      await this.ensureReady();
      got = await this.exclusive(() => this.tryClaim(h, takeOver));
    } catch (err) {
      this.letGo(key);
      const message = this.redacted(err);
      this.lastError = { message, at: Date.now() };
      return { outcome: 'unreachable', message };
    }
    if (!got.granted) {
      this.letGo(key);
      this.mirror(got.holder);
      return { outcome: 'held', holder: got.holder };
    }
    // PG says this machine holds it now: whatever the last pull said of another holder is over.
    this.db.prepare('DELETE FROM sync_claims WHERE task_code = ? COLLATE NOCASE').run(h.task);
    return {
      outcome: 'granted',
      takenFrom: got.takenFrom,
      settle: (ok) => {
        // Success: the session now holds the task and reconciliation keeps the claim. Failure:
        // no session holds it, and the next reconciliation releases it once pending is gone.
        this.letGo(key);
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
    throw heldElsewhere(h.task, { machine, actor, session: session_key, since: claimed_at.toISOString() });
  }

  status(): SyncStatus {
    const q = queueStats(this.db);
    return {
      enabled: true,
      team: this.target.team,
      machine: this.target.machine,
      store: this.target.from === 'FRAGD_PG_URL' ? 'FRAGD_PG_URL' : `url_file ${this.target.from}`,
      connected: this.ready && this.failures === 0,
      queue: q.length,
      oldest_unpushed_age_seconds: q.oldest_at === null ? null : Math.max(0, (Date.now() - q.oldest_at) / 1000),
      last_push_at: isoOrNull(this.lastPushAt),
      last_pull_at: isoOrNull(this.lastPullAt),
      pushed_total: this.pushedTotal,
      pulled_total: this.pulledTotal,
      failures: this.failures,
      next_retry_at: isoOrNull(this.nextRetryAt),
      last_error: this.lastError && { message: this.lastError.message, at: new Date(this.lastError.at).toISOString() },
      remote_claims: this.db.prepare('SELECT count(*) FROM sync_claims').pluck().get() as number,
      claim_conflicts: this.conflicts,
    };
  }

  /** For the team report: a read-only query on the team store. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    try {
      await this.ensureReady();
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw new FragError(
        ErrorCode.StorageUnavailable,
        `the team store (PostgreSQL) does not answer: ${this.redacted(err)}`,
        { error: 'storage_unavailable', store: 'team', hint: `${fragctl('sync', 'status')} shows the last error` },
      );
    }
  }
}
