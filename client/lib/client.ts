// The client library for fragctl, the MCP server and editor extensions: connect (and
// start the daemon when none answers), say hello, call typed methods, subscribe to
// events, reconnect.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolvePaths, type FragPaths } from '../../shared/paths.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import type { MethodName, ParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { callTimeoutMs, RpcConnection, RpcError, DISCONNECTED, UnsafeSocket } from './rpc-client.js';
import { fragctl } from '../../shared/command.js';

export { RpcError, DISCONNECTED, CALL_TIMEOUT, UnsafeSocket } from './rpc-client.js';
export type { DaemonEvent } from '../../shared/protocol/events.js';

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  /** Start fragd when none answers (default true; FRAGMENTS_NO_AUTOSTART=1 turns it off). */
  autoStart?: boolean;
  /** Name sent in daemon.hello, for the daemon's log. */
  clientName?: string;
  /** How long to wait for a started daemon to answer. */
  startTimeoutMs?: number;
  /** Called with a line for the user (e.g. "restarting an older daemon"). */
  notice?: (message: string) => void;
  /** Protocol this client speaks; tests override it to play an older or newer client. */
  protocol?: number;
  /**
   * How long a call waits for its answer before failing with code CALL_TIMEOUT (default 30 s,
   * or FRAGMENTS_CALL_TIMEOUT_MS; 0: no limit). Events of a subscription are not calls and never time out.
   */
  callTimeoutMs?: number;
}

/** No daemon could be reached; the message says what to do. */
export class DaemonUnreachable extends Error {
  constructor(
    message: string,
    /** True when nothing listens at all (no socket, or a stale one): not started yet, rather than broken. */
    readonly notRunning = false,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fragd's exit status when another fragd holds the lock (it may still be starting). */
const FRAGD_EXIT_ALREADY_RUNNING = 3;

/**
 * Polls the socket until the started daemon answers, the deadline passes, or the child
 * exits: a fragd that died while starting (bad config, missing module) will never answer,
 * so there is no point waiting out the deadline. One that found another fragd starting
 * (exit 3) leaves the waiting to that other one.
 */
async function waitForStartedDaemon(
  paths: FragPaths,
  child: ChildProcess,
  timeoutMs: number,
  callTimeout: number,
): Promise<RpcConnection | { exited: string }> {
  let exit = '';
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    if (code !== FRAGD_EXIT_ALREADY_RUNNING) exit = signal ? `killed by ${signal}` : `exit code ${code}`;
  };
  const onError = (err: Error) => (exit = err.message);
  child.once('exit', onExit);
  child.once('error', onError);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        return await RpcConnection.open(paths.socket, 500, callTimeout);
      } catch (err) {
        if (err instanceof UnsafeSocket) throw err;
        if (exit) return { exited: exit };
        await sleep(25);
      }
    }
    return { exited: exit };
  } finally {
    child.off('exit', onExit);
    child.off('error', onError);
  }
}

/**
 * The lines of the start log that say why fragd did not start: its own `fragd: …` lines
 * (start-up errors), else a Node crash's `…Error…: …` line, else the last few lines.
 */
export function startFailureReason(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
  const own = lines.filter((l) => l.startsWith('fragd: '));
  if (own.length) return own.join('\n');
  const crash = lines.find((l) => /^(\w+)?Error\b.*:/.test(l));
  if (crash) return crash;
  return lines
    .filter((l) => !/^\s+at /.test(l))
    .slice(-3)
    .join('\n');
}

/**
 * fragd's start log is empty when fragd could not write even that (a full disk): say what
 * its exit status means instead (fragd's EXIT_* codes in daemon/daemon.ts).
 */
function exitReason(exited: string, paths: FragPaths): string {
  if (exited === 'exit code 6')
    return `fragd: its files cannot be written or read (disk full, read-only, locked or corrupt); check the free space and permissions of ${paths.stateDir} and ${paths.runtimeDir} (df -h), then retry`;
  if (exited === 'exit code 4')
    return `fragd: its directories are unsafe or unusable; see ${paths.runtimeDir} and ${paths.stateDir}`;
  return '';
}

function startLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export class FragClient {
  private conn: RpcConnection;
  private subscription: { session?: string } | null = null;
  private listeners = new Set<(e: DaemonEvent) => void>();
  daemonVersion = '';
  daemonProtocol = 0;

  private constructor(
    conn: RpcConnection,
    readonly paths: FragPaths,
    private readonly opts: ConnectOptions,
  ) {
    this.conn = conn;
    this.wire(conn);
  }

  static async connect(opts: ConnectOptions = {}): Promise<FragClient> {
    const env = opts.env ?? process.env;
    const paths = resolvePaths(env);
    const client = new FragClient(await FragClient.reach(paths, opts), paths, opts);
    try {
      await client.hello();
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private static async reach(paths: FragPaths, opts: ConnectOptions): Promise<RpcConnection> {
    const env = opts.env ?? process.env;
    const callTimeout = callTimeoutMs(opts.callTimeoutMs, env);
    try {
      return await RpcConnection.open(paths.socket, 2000, callTimeout);
    } catch (err) {
      // Someone else's socket or directory: never talk to it, never start a daemon into it.
      if (err instanceof UnsafeSocket) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const autoStart = opts.autoStart ?? env.FRAGMENTS_NO_AUTOSTART !== '1';
      if (!autoStart) {
        throw new DaemonUnreachable(
          code === 'ENOENT'
            ? `no daemon is running (no socket at ${paths.socket}); start it with: ${fragctl('daemon', 'start')}`
            : `the daemon does not answer on ${paths.socket} (${code}); start it with: ${fragctl('daemon', 'start')}`,
          code === 'ENOENT' || code === 'ECONNREFUSED',
        );
      }
      const timeoutMs = opts.startTimeoutMs ?? 8000;
      // Loaded only to start fragd: a client whose daemon runs (every hook) skips child_process.
      const { spawnDaemon, startLogPath } = await import('./launcher.js');
      const outcome = await waitForStartedDaemon(paths, spawnDaemon(paths, env), timeoutMs, callTimeout);
      if (outcome instanceof RpcConnection) return outcome;
      const reason = startFailureReason(startLog(startLogPath(paths))) || exitReason(outcome.exited, paths);
      const what = outcome.exited
        ? `fragd did not start (${outcome.exited})`
        : `started fragd but it did not answer on ${paths.socket} within ${Math.round(timeoutMs / 1000)}s`;
      throw new DaemonUnreachable(
        `${what}${reason ? `:\n${reason}` : ''}\nstart log: ${startLogPath(paths)} (${fragctl('daemon', 'logs')} shows it)`,
      );
    }
  }

  private wire(conn: RpcConnection): void {
    conn.onEvent((e) => {
      for (const l of this.listeners) l(e);
    });
  }

  /** daemon.hello; a daemon older than this client is restarted, once. */
  private async hello(restarted = false): Promise<void> {
    const protocol = this.opts.protocol ?? PROTOCOL_VERSION;
    const h = await this.conn.call('daemon.hello', { protocol, client: this.opts.clientName ?? 'fragd-client' });
    this.daemonVersion = h.version;
    this.daemonProtocol = h.protocol;
    if (h.protocol >= protocol) return;
    if (restarted) {
      throw new RpcError(
        `fragd speaks protocol ${h.protocol} even after a restart, older than this client (${protocol}); rebuild with npm run build`,
        -32005,
        { error: 'version_mismatch', daemon_protocol: h.protocol, client_protocol: protocol },
      );
    }
    this.opts.notice?.(
      `fragd ${h.version} (protocol ${h.protocol}) is older than this client (protocol ${protocol}); restarting it`,
    );
    await this.conn.call('daemon.shutdown').catch(() => undefined);
    this.conn.close();
    await this.waitForExit(h.pid);
    this.conn = await FragClient.reach(this.paths, { ...this.opts, autoStart: true });
    this.wire(this.conn);
    await this.hello(true);
  }

  private async waitForExit(pid: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(25);
    }
  }

  call<M extends MethodName>(
    method: M,
    ...params: undefined extends ParamsOf<M> ? [ParamsOf<M>?] : [ParamsOf<M>]
  ): Promise<ResultOf<M>> {
    return this.conn.call(method, ...params);
  }

  /** Receive events (optionally of one session); survives reconnects. */
  async subscribe(listener: (e: DaemonEvent) => void, session?: string): Promise<() => void> {
    this.listeners.add(listener);
    this.subscription = session ? { session } : {};
    await this.conn.call('events.subscribe', this.subscription);
    return () => this.listeners.delete(listener);
  }

  /** Reconnects after the daemon went away (restart, upgrade) and restores the subscription. */
  async reconnect(): Promise<void> {
    this.conn.close();
    this.conn = await FragClient.reach(this.paths, this.opts);
    this.wire(this.conn);
    await this.hello();
    if (this.subscription) await this.conn.call('events.subscribe', this.subscription);
  }

  /** Resolves when the connection drops. */
  closed(): Promise<void> {
    return new Promise((resolve) => (this.conn.isClosed ? resolve() : this.conn.onClosed(() => resolve())));
  }

  close(): void {
    this.conn.close();
  }
}

export const isDisconnect = (err: unknown) => err instanceof RpcError && err.code === DISCONNECTED;
