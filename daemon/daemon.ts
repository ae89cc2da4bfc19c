// Assembles the daemon: directories, lock, store, dispatcher, socket; and takes it down
// again cleanly (in-flight calls finish, the database closes).
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { resolvePaths, socketPathProblem, type FragPaths } from '../shared/paths.js';
import { MIN_CLIENT_PROTOCOL, PROTOCOL_VERSION } from '../shared/protocol/version.js';
import { ErrorCode, FragError } from '../shared/errors.js';
import { newCall, type App } from './app/app.js';
import { fragctl } from '../shared/command.js';
import { releaseTakenElsewhere } from './app/work/claims.js';
import type { DaemonEvent } from '../shared/protocol/events.js';
import { systemClock, iso, type Clock } from './clock.js';
import { loadConfig, type FragConfig } from './config.js';
import { Dispatcher } from './rpc/dispatcher.js';
import { FrameAnswerer } from './rpc/frames.js';
import type { DaemonFacts } from './rpc/handler-types.js';
import { ensureOwnedPrivateDir } from '../shared/safety/owned-dir.js';
import { acquirePidLock, LockWriteError } from './safety/pid-lock.js';
import { corruptRecovery, storageAdvice, storageProblemOf } from './safety/storage-problem.js';
import { backupDue, listBackups, takeBackup } from './store/backups.js';
import type { ResultOf } from '../shared/protocol/methods.js';
import type { LogFile } from './log-file.js';
import { raiseFdLimit, type FdLimit } from './safety/fd-limit.js';
import { openDatabase, type Db, type StartCheck } from './store/database.js';
import { migrations } from './store/migrations.js';
import { writeCleanStop } from './store/clean-stop.js';
import { Sql } from './store/sql.js';
import { WalSync } from './store/wal-sync.js';
import { Checkpointer } from './store/checkpointer.js';
import { SocketServer } from './transport/socket-server.js';
import { startHttpApi, type HttpApi } from './transport/http-start.js';
import { recoverOpenIntervals } from './app/sessions/recovery.js';
import { closeInterval } from './app/time/intervals.js';
import { registerSpool, SpoolWatcher, WATCHER_PASS_BUDGET_MS } from './app/git/spool.js';
import { clockFromEnv, registerTicker, Ticker } from './app/sessions/tick.js';
import { StatusFiles } from './status-file.js';
import { ReservationFile } from './reservation-file.js';
import { resolveSyncTarget, SyncConfigError, type SyncTarget } from './sync/connection.js';
import { Syncer } from './sync/syncer.js';
import { localHolds } from './app/team/claims.js';
import { afterCoordinationPull } from './app/team/coordination.js';
import { assembleApp } from './assemble-app.js';
import { dropTriggers } from './sync/outbox.js';

declare const __FRAGD_VERSION__: string;
export const VERSION = typeof __FRAGD_VERSION__ === 'string' ? __FRAGD_VERSION__ : '0.0.0-dev';

/** A start-up failure the user can act on; main prints it without a stack trace. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export const EXIT_ALREADY_RUNNING = 3;
export const EXIT_UNSAFE_DIR = 4;
export const EXIT_BAD_CONFIG = 5;
/** Its files cannot be written or read: disk full, read-only, locked, corrupt. */
export const EXIT_STORAGE = 6;

/** A start-up failure as the user should see it: storage errors get their kind and fix (exit 6). */
function asStartupError(err: unknown, paths: FragPaths): unknown {
  if (err instanceof StartupError) return err;
  const problem = storageProblemOf((err as { code?: unknown })?.code);
  if (!problem) return err;
  return new StartupError(
    `cannot start: ${(err as Error).message}; ${storageAdvice(problem, { db: paths.db, dir: paths.stateDir })}`,
    EXIT_STORAGE,
  );
}

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log: Logger;
  /** The rotating log file (absent with --foreground): limited from config, reported in status. */
  logFile?: LogFile;
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** systemd socket activation: the listening socket is fd 3 when LISTEN_PID is us. */
function activationFd(env: NodeJS.ProcessEnv): number | null {
  if (env.LISTEN_PID && Number(env.LISTEN_PID) === process.pid && Number(env.LISTEN_FDS) >= 1) return 3;
  return null;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
function memoryMb() {
  const m = process.memoryUsage();
  return {
    rss_mb: mb(m.rss),
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    external_mb: mb(m.external),
  };
}

export class Daemon {
  readonly paths: FragPaths;
  readonly startedAt: number;
  private db!: Db;
  private walSync!: WalSync;
  private checkpointer: Checkpointer | null = null;
  private app!: App;
  private dispatcher!: Dispatcher;
  private transport!: SocketServer;
  private http: HttpApi | null = null;
  private releaseLock: () => void = () => {};
  private stopping: Promise<void> | null = null;
  /** How the start checked the database (full quick_check or trusted after a clean stop). */
  startCheck: StartCheck | null = null;
  private socketActivated = false;
  private fdLimit: FdLimit | null = null;
  config!: FragConfig;
  onStopped: () => void = () => {};

  private ticker: Ticker | null = null;
  private spool: SpoolWatcher | null = null;
  /** Checks hourly whether the daily copy of the database is due. */
  private backupTimer: NodeJS.Timeout | null = null;
  private backingUp: Promise<ResultOf<'daemon.backup'>> | null = null;
  private syncer: Syncer | null = null;
  private syncTarget: SyncTarget | null = null;
  /** The one-line status files shell prompts read (docs/terminal.md). */
  private statusFiles: StatusFiles | null = null;
  private reservationFile: ReservationFile | null = null;
  /** FRAGD_TEST_CLOCK: tests drive this daemon's time (and no cron tick runs). */
  private testClock: Clock | null = null;
  private testClockProblem: string | null = null;

  constructor(private readonly opts: DaemonOptions) {
    const env = opts.env ?? process.env;
    this.paths = resolvePaths(env);
    try {
      this.testClock = clockFromEnv(env);
    } catch (err) {
      this.testClockProblem = (err as Error).message;
    }
    this.startedAt = this.clock.now();
  }

  private get clock(): Clock {
    return this.opts.clock ?? this.testClock ?? systemClock;
  }

  async start(): Promise<void> {
    const env = this.opts.env ?? process.env;
    const { paths, opts } = this;
    if (this.testClockProblem) throw new StartupError(this.testClockProblem, EXIT_BAD_CONFIG);
    const fd = activationFd(env);
    this.socketActivated = fd !== null;
    if (fd === null) {
      const tooLong = socketPathProblem(paths.socket);
      if (tooLong) throw new StartupError(tooLong, EXIT_UNSAFE_DIR);
    }
    // Every directory fragd writes into or listens in: the socket's own too (FRAGMENTS_SOCKET).
    const dirs = [paths.runtimeDir, paths.stateDir, ...(fd === null ? [dirname(paths.socket)] : [])];
    for (const dir of new Set(dirs)) {
      const verdict = ensureOwnedPrivateDir(dir);
      if (!verdict.ok) throw new StartupError(`refusing to start: ${verdict.reason}`, EXIT_UNSAFE_DIR);
    }
    try {
      this.config = loadConfig(paths.config);
    } catch (err) {
      throw new StartupError(`bad configuration: ${(err as Error).message}`, EXIT_BAD_CONFIG);
    }

    try {
      this.syncTarget = resolveSyncTarget(this.config, paths.config, env);
    } catch (err) {
      if (err instanceof SyncConfigError) throw new StartupError(`bad configuration: ${err.message}`, EXIT_BAD_CONFIG);
      throw err;
    }

    opts.logFile?.setLimits(this.config.log);

    let lock;
    try {
      lock = await acquirePidLock(paths.lock);
    } catch (err) {
      if (!(err instanceof LockWriteError)) throw err;
      const problem = storageProblemOf(err.code);
      throw new StartupError(
        `${err.message}${problem ? `; ${storageAdvice(problem, { dir: paths.runtimeDir })}` : ''}`,
        EXIT_STORAGE,
      );
    }
    if (!lock.ok) {
      throw new StartupError(
        `fragd is already running (pid ${lock.holderPid}) for this user on ${paths.socket}; stop it with: fragctl daemon stop`,
        EXIT_ALREADY_RUNNING,
      );
    }
    this.releaseLock = lock.release;
    try {
      await this.serve(fd);
    } catch (err) {
      // Whatever stops a start once the lock is taken leaves no lock behind, and a
      // storage failure (a full disk under the spool, the socket, the token) is said as one.
      void this.checkpointer?.stop();
      if ((this.db as Db | undefined)?.open) this.db.close();
      this.releaseLock();
      throw asStartupError(err, paths);
    }
  }

  /**
   * Team sync saw tasks held here taken over by another machine: their local claims end and
   * each holder's session records it, in the write queue like any other change.
   */
  private async releaseTakenElsewhere(
    taken: { task: string; machine: string; actor: string; at: number | undefined }[],
    publish: (e: DaemonEvent[]) => void,
  ): Promise<void> {
    try {
      const events = await this.dispatcher.queue.submit(() => {
        const call = newCall(this.app, 'cli');
        for (const t of taken) releaseTakenElsewhere(call, t.task, t);
        return call.events;
      });
      if (events.length) publish(events);
    } catch (err) {
      this.opts.log.warn({ err }, 'could not record a take-over by another machine; the next sync round tries again');
    }
  }

  /** The start once the lock is held: database, dispatcher, HTTP, socket, spool. */
  private async serve(fd: number | null): Promise<void> {
    const { paths, opts } = this;

    if (fd === null && existsSync(paths.socket)) {
      if (await socketAnswers(paths.socket)) {
        throw new StartupError(
          `another fragd answers on ${paths.socket}; stop it with: fragctl daemon stop`,
          EXIT_ALREADY_RUNNING,
        );
      }
      opts.log.info({ socket: paths.socket }, 'removing stale socket');
      unlinkSync(paths.socket);
    }

    this.fdLimit = raiseFdLimit();
    if (this.fdLimit.problem) opts.log.warn({ open_files: this.fdLimit }, this.fdLimit.problem);
    else opts.log.info({ open_files: this.fdLimit }, 'open-files limit');

    mkdirSync(paths.spoolDir, { recursive: true, mode: 0o700 });
    try {
      this.db = openDatabase(paths.db, {
        trustCleanStop: true,
        onCheck: (c) => (this.startCheck = c),
        syncsLog: true,
      });
      opts.log.info({ start_check: this.startCheck }, 'database opened');
    } catch (err) {
      const problem = storageProblemOf((err as { code?: unknown }).code);
      const message =
        problem === 'corrupt'
          ? `the database ${paths.db} is corrupt (${(err as Error).message}); fragd will not start on it: ${corruptRecovery(paths.db, (err as { userVersion?: number }).userVersion, listBackups(paths.backupsDir)[0])}`
          : `cannot open the database ${paths.db}: ${(err as Error).message}${problem ? `; ${storageAdvice(problem, { db: paths.db, dir: paths.stateDir })}` : ''}`;
      throw new StartupError(message, problem ? EXIT_STORAGE : 1);
    }
    this.walSync = new WalSync(`${paths.db}-wal`);
    // Checkpoints run on a worker thread (store/checkpointer.ts), not inside a commit.
    this.db.pragma('wal_autocheckpoint = 0');
    // Under a long burst (a spool backlog, an import) the worker's checkpoints cannot catch
    // up with the writer, so the log grows until the burst ends; the first write after the
    // catch-up starts it over and cuts the file back to this size.
    this.db.pragma(`journal_size_limit = ${32 * 1024 * 1024}`);
    this.checkpointer = new Checkpointer(
      paths.db,
      (message) => opts.log.warn({ err: message }, 'checkpoint failed; the next one retries'),
      (message) => {
        opts.log.error({ err: message }, 'the checkpoint worker failed; SQLite checkpoints inside commits again');
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      },
    );
    const walSync = this.walSync;
    const checkpointer = this.checkpointer;
    const durable = () => {
      checkpointer.noteWrite();
      return walSync.barrier();
    };
    this.app = assembleApp({
      sql: new Sql(this.db, durable),
      clock: this.clock,
      config: this.config,
      pricesFile: paths.prices,
    });
    const recovered = recoverOpenIntervals(this.app);
    if (recovered) opts.log.info({ recovered }, 'closed intervals left open by an unclean stop');

    const facts: DaemonFacts = {
      hello: (p) => {
        if (p.protocol < MIN_CLIENT_PROTOCOL) {
          throw new FragError(
            ErrorCode.VersionMismatch,
            `${p.client ?? 'this client'} speaks protocol ${p.protocol}, older than this fragd ${VERSION} serves (${MIN_CLIENT_PROTOCOL}..${PROTOCOL_VERSION}); update the client (npm run build, or reinstall fragd)`,
            {
              daemon_protocol: PROTOCOL_VERSION,
              min_client_protocol: MIN_CLIENT_PROTOCOL,
              client_protocol: p.protocol,
            },
          );
        }
        return {
          protocol: PROTOCOL_VERSION,
          version: VERSION,
          pid: process.pid,
          compatible: p.protocol <= PROTOCOL_VERSION,
        };
      },
      status: (call) => this.status(call.now),
      shutdown: () => void setImmediate(() => void this.stop('rpc')),
      backup: () => this.backup(),
      dashboardLogin: (now) => {
        const login = this.http?.loginUrl();
        if (!login) {
          const error = this.http?.status.error;
          throw new FragError(
            ErrorCode.InvalidState,
            error
              ? `the dashboard is served by the HTTP server, which could not start: ${error}`
              : 'the dashboard is served by the HTTP server, which is off',
            {
              error: 'invalid_state',
              hint: `set "http": { "enabled": true } in ${paths.config} and restart fragd (${fragctl('daemon', 'restart')})`,
            },
          );
        }
        return {
          url: login.url,
          expires_at: new Date(now + login.seconds * 1000).toISOString(),
          expires_in_seconds: login.seconds,
        };
      },
    };
    this.statusFiles = new StatusFiles(this.app, paths.runtimeDir, opts.log);
    this.reservationFile = new ReservationFile(this.app, paths.stateDir, opts.log);
    // Events are published after their batch commits; the status files follow once per turn.
    // A logged activity alone never changes the line (resuming an idle session is its own
    // event), so write-heavy logging pays nothing for them; an agent's hook event may bring
    // tokens, which change what is left of a cost budget.
    const publish = (e: DaemonEvent[]) => {
      this.transport.publish(e);
      this.http?.publish(e);
      if (e.some((ev) => ev.type !== 'activity.logged' || ev.data.kind.startsWith('agent.')))
        this.statusFiles?.changed();
      // Reservations change with activities too (a reserve, a release, a sign of life renewing one).
      if (e.length) this.reservationFile?.changed();
      // Team sync pushes what just committed now, not at its next interval.
      if (e.some((ev) => ev.type !== 'sync.pulled')) this.syncer?.nudge();
    };
    this.dispatcher = new Dispatcher({
      app: this.app,
      facts,
      log: opts.log,
      storage: { db: paths.db, dir: paths.stateDir },
      publish,
      beforeWrite: () => this.ticker?.tickIfDue(),
    });
    this.transport = new SocketServer(new FrameAnswerer(this.dispatcher), opts.log, {
      halfFrameSeconds: this.config.limits.half_frame_seconds,
      maxConnections: this.config.limits.max_connections,
      silentConnectionSeconds: this.config.limits.silent_connection_seconds,
      subscriberBudgetBytes: this.config.limits.subscriber_budget_bytes,
    });
    this.ticker = new Ticker(this.app, {
      submit: (run) => this.dispatcher.queue.submit(run),
      publish,
      log: opts.log,
    });
    registerTicker(this.app, this.ticker);
    // Team sync: the outbox triggers exist only while sync is on, so a machine that does
    // not sync queues nothing; what was queued before it was turned off waits for it.
    if (this.syncTarget) {
      this.syncer = new Syncer(
        this.db,
        this.syncTarget,
        {
          pushIntervalMs: this.config.sync.push_interval_ms,
          pullIntervalMs: this.config.sync.pull_interval_ms,
          batchSize: this.config.sync.batch_size,
          listen: this.config.sync.listen,
          pooler: this.config.sync.pooler,
          crashAfterCommit: (opts.env ?? process.env).FRAGD_SYNC_CRASH_AFTER_COMMIT === '1',
          durable,
        },
        opts.log,
        () => localHolds(this.app.sql),
        (data) => publish([{ type: 'sync.pulled', session: null, at: iso(this.app.clock.now()), data }]),
        (taken) => void this.releaseTakenElsewhere(taken, publish),
      );
      this.app.syncer = this.syncer;
      // The other machines' reservations and messages (docs/team-sync.md): the hooks' file
      // follows at once; reservations that lost end and messages are queued, in the write queue.
      this.syncer.onCoordination = (change) => {
        if (change.reservations_changed) this.reservationFile?.changed();
        void this.dispatcher.queue
          .submit(() => {
            const call = newCall(this.app, 'cli');
            afterCoordinationPull(call, change.actors);
            return call.events;
          })
          .then((events) => {
            if (events.length) publish(events);
            this.reservationFile?.changed();
          })
          .catch((err: unknown) => opts.log.warn({ err }, 'could not settle what a pull brought'));
      };
    } else dropTriggers(this.db);
    if (!this.testClock) this.ticker.start();

    // Before the socket: once fragd answers there, the HTTP port is bound and in daemon.status.
    this.http = await startHttpApi(this.dispatcher, opts.log, this.config, paths);
    // The socket is created 0600 (umask while it is bound), not chmod-ed after: a client that
    // connected in between saw it with the umask's mode (a flaky safety test showed 0755).
    const umask = fd === null ? process.umask(0o177) : null;
    try {
      await new Promise<void>((resolve, reject) => {
        this.transport.server.once('error', reject);
        if (fd !== null) this.transport.server.listen({ fd }, resolve);
        else this.transport.server.listen(paths.socket, resolve);
      });
    } finally {
      if (umask !== null) process.umask(umask);
    }
    if (fd === null) chmodSync(paths.socket, 0o600);
    // Sessions left open by the last run (or a crash's stale files) show from the start.
    this.statusFiles.refresh();
    this.reservationFile.refresh();
    if (!this.testClock) this.reservationFile.start(10_000);
    opts.log.info(
      { pid: process.pid, socket: paths.socket, db: paths.db, version: VERSION, socketActivated: this.socketActivated },
      'fragd listening',
    );
    // Git hooks' records: what was spooled while fragd was down is ingested now, the rest as it comes.
    registerSpool(this.app, paths.spoolDir, opts.log);
    const system = { id: 0, subscribed: false, sessionFilter: null };
    this.spool = new SpoolWatcher(
      paths.spoolDir,
      () =>
        this.dispatcher.invoke(
          'spool.ingest',
          { source: 'hook', prefetched_only: true, budget_ms: WATCHER_PASS_BUDGET_MS },
          system,
          // The next pass need not wait for this one's fsync: a record is deleted only once
          // its commit is on the disk (spool.ts), whatever the pass does meanwhile.
          { atCommit: true },
        ) as never,
      opts.log,
    );
    this.spool.start();
    this.scheduleBackups();
    // Pushing starts once fragd answers: a slow or absent team store never delays start-up.
    this.syncer?.start();
  }

  status(now: number) {
    const count = (sql: string) => this.app.sql.value<number>(sql) ?? 0;
    return {
      pid: process.pid,
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      uptime_seconds: Math.round((now - this.startedAt) / 1000),
      started_at: iso(this.startedAt),
      socket_activated: this.socketActivated,
      paths: { socket: this.paths.socket, db: this.paths.db, log: this.paths.log, config: this.paths.config },
      memory: memoryMb(),
      commits: {
        ...this.dispatcher.queue.stats,
        syncs: this.walSync.stats.syncs,
        checkpoints: this.checkpointer?.stats.checkpoints ?? 0,
      },
      start_check: this.startCheck,
      counts: {
        sessions: count('SELECT count(*) FROM sessions'),
        active_sessions: count("SELECT count(*) FROM sessions WHERE status = 'active'"),
        // Activities are never deleted, so the highest id is their count, read in O(1).
        activities: count('SELECT max(id) FROM activities'),
        projects: count('SELECT count(*) FROM projects'),
        sprints: count('SELECT count(*) FROM sprints'),
        tasks: count('SELECT count(*) FROM tasks'),
        connections: this.transport.connections,
      },
      http: this.http?.status ?? { enabled: false },
      log: this.opts.logFile?.stats() ?? { path: 'stdout', dropped_lines: 0 },
      limits: {
        open_files_soft: this.fdLimit?.soft ?? null,
        open_files_hard: this.fdLimit?.hard ?? null,
        max_connections: this.config.limits.max_connections,
      },
    };
  }

  /** A copy of the database now; one at a time (a second caller waits for the same copy). */
  backup(): Promise<ResultOf<'daemon.backup'>> {
    this.backingUp ??= takeBackup(this.db, this.paths.backupsDir, new Date(), this.config.backups.keep)
      .then((backup) => {
        this.opts.log.info({ backup }, 'database backed up');
        return { backup, backups: listBackups(this.paths.backupsDir) };
      })
      .finally(() => (this.backingUp = null));
    return this.backingUp;
  }

  /** The daily copy (config backups.every_hours; 0: none), checked at start and every hour. */
  private scheduleBackups(): void {
    const everyMs = this.config.backups.every_hours * 3_600_000;
    if (everyMs <= 0) return;
    const check = () => {
      // Real time on purpose: a test clock must not make a test daemon copy its database.
      if (this.stopping || !backupDue(this.paths.backupsDir, Date.now(), everyMs)) return;
      this.backup().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'database backup failed'));
    };
    // A minute after start: a start (often an auto-start for one call) is not slowed by it.
    setTimeout(check, 60_000).unref();
    this.backupTimer = setInterval(check, 3_600_000);
    this.backupTimer.unref();
  }

  /** Stops accepting, lets in-flight calls finish, closes the database. Idempotent. */
  stop(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.opts.log.info({ reason }, 'fragd stopping');
      await this.ticker?.stop();
      this.spool?.stop();
      if (this.backupTimer) clearInterval(this.backupTimer);
      await this.backingUp?.catch(() => undefined);
      this.transport.server.close();
      await this.http?.close();
      const deadline = Date.now() + 5000;
      while ((this.dispatcher.inFlight > 0 || this.dispatcher.queue.pending > 0) && Date.now() < deadline) {
        await this.dispatcher.queue.drained();
        await new Promise((r) => setTimeout(r, 5));
      }
      this.transport.closeAll();
      this.closeOpenIntervals();
      this.statusFiles?.removeAll();
      this.reservationFile?.removeAll();
      // After the last local write: what is left in the outbox goes at the next start.
      await this.syncer?.stop();
      // The close checkpoints the log into the database and syncs both (synchronous NORMAL);
      // it does so only as the last connection, so the worker's goes first.
      await this.checkpointer?.stop();
      this.db.close();
      this.walSync.close();
      // Only after every write and the close: the next start may skip the full check.
      if (!writeCleanStop(this.paths.db, migrations.length))
        this.opts.log.warn('could not write the clean-stop marker');
      if (!this.socketActivated) {
        try {
          unlinkSync(this.paths.socket);
        } catch {
          /* already gone */
        }
      }
      this.releaseLock();
      this.opts.log.info('fragd stopped');
      this.onStopped();
    })();
    return this.stopping;
  }

  /**
   * On a clean stop, open intervals end now ('shutdown'): nothing is lost, and the next
   * start opens fresh ones for sessions still active (or pauses those gone idle).
   */
  private closeOpenIntervals(): void {
    const now = this.clock.now();
    const open = this.app.sql.all<{ session_id: number }>('SELECT session_id FROM intervals WHERE ended_at IS NULL');
    this.app.sql.db.transaction(() => {
      for (const { session_id } of open) closeInterval(this.app.sql, session_id, now, 'shutdown');
    })();
  }
}
