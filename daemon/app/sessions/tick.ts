// The tick (DESIGN.md §5): every tick_seconds, checkpoint open intervals (so a crash
// loses at most one tick), pause sessions that went idle (dated at the last activity
// plus a grace, not at the tick), and notice a suspend or clock jump (end the interval
// at the last checkpoint so sleep is never counted). The decision is a pure function of
// the previous tick, the clocks now and the session rows; applyTick does the I/O.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { newCall, type App, type Call } from '../app.js';
import { iso, ManualClock, type Clock } from '../../clock.js';
import type { DaemonEvent } from '../../../shared/protocol/events.js';
import { closeInterval, openInterval } from '../time/intervals.js';
import { recordActivity, withoutSignOfLife } from '../activities.js';
import { idleReason, pauseSessionRow } from './sessions.js';
import { endLongPausedAgents } from './agent-pauses.js';
import type { SessionRow } from '../rows.js';

export interface ClockSample {
  wall: number;
  mono: number;
}

export interface TickPolicy {
  tickMs: number;
  graceMs: number;
  idleTimeoutMs: number;
  /** Coding agents' own idle timeout (agent_idle_timeout_seconds): a dead agent stops counting soon. */
  agentIdleTimeoutMs: number;
}

/** An active session with its open interval, as the tick sees it. */
export interface TickSession {
  id: number;
  key: string;
  last_activity_at: number;
  /** Per-session override of the idle timeout, from its metadata. */
  idle_timeout_ms: number | null;
  /** A coding agent's session (its hooks, or MCP): the agent timeout, and a pause at its very last sign of life. */
  agent: number;
  started_at: number;
  checkpoint_at: number;
}

export interface Gap {
  wall_ms: number;
  monotonic_ms: number;
  suspended: boolean;
  why: 'wall_gap' | 'clocks_disagree' | null;
}

export type TickAction =
  | { type: 'idle'; session: number; key: string; pause_at: number; last_activity_at: number; idle_ms: number }
  | {
      type: 'suspend';
      session: number;
      key: string;
      end_at: number;
      reopen_at: number;
      /** The tick's gap; clocks_disagree when only the interval shows one (outranAwake). */
      why: NonNullable<Gap['why']>;
    };

export interface TickDecision {
  gap: Gap;
  /** Every open interval not touched by an action is checkpointed here. */
  checkpoint_at: number;
  actions: TickAction[];
}

/**
 * A wall-clock gap "far above" the tick period: three periods, and never less than a
 * minute, so a slow tick or a burst of missed executions is not taken for a suspend.
 * Clocks disagree when wall and monotonic time moved apart by more than a tick (Linux
 * stops the monotonic clock during suspend; an NTP step moves only the wall clock).
 */
export function detectGap(prev: ClockSample, now: ClockSample, policy: TickPolicy): Gap {
  const wall = now.wall - prev.wall;
  const mono = now.mono - prev.mono;
  const farAbove = Math.max(3 * policy.tickMs, 60_000);
  const disagree = Math.abs(wall - mono) > Math.max(policy.tickMs, 5_000);
  const why = wall > farAbove ? 'wall_gap' : disagree ? 'clocks_disagree' : null;
  return { wall_ms: wall, monotonic_ms: mono, suspended: why !== null, why };
}

/** A session's idle timeout: its own, else the agents' or the people's. */
export const timeoutOf = (s: TickSession, policy: TickPolicy): number =>
  s.idle_timeout_ms ?? (s.agent ? policy.agentIdleTimeoutMs : policy.idleTimeoutMs);

/**
 * How far the wall clock may run ahead of the monotonic one over a tick without counting
 * as a gap: reading the two clocks a few milliseconds apart and NTP slewing (at most
 * 0.05 %) stay far below it. Anything above is time the machine was not awake for.
 */
export const outrunSlackMs = (policy: TickPolicy): number => Math.max(1_000, policy.tickMs / 100);

/**
 * Whether an interval's wall time since it was last known running outran the monotonic
 * clock. The two tick samples alone can miss a sleep when the wall clock stepped back
 * between them (back 270 s, then 300 s asleep: the ticks see +30 s), and after a step
 * back an interval that ran before the last tick can start after it on the wall clock.
 * The interval's own timestamps do not lie that way: every open interval is checkpointed
 * at every tick, and since the last tick the machine was awake for `now.mono - prev.mono`,
 * so an interval cannot have earned more than that since its last checkpoint or start.
 */
export function outranAwake(lastGood: number, prev: ClockSample, now: ClockSample, policy: TickPolicy): boolean {
  const awake = Math.max(0, now.mono - prev.mono);
  return now.wall - lastGood > awake + outrunSlackMs(policy);
}

export function decideTick(
  prev: ClockSample,
  now: ClockSample,
  sessions: TickSession[],
  policy: TickPolicy,
): TickDecision {
  const gap = detectGap(prev, now, policy);
  const actions: TickAction[] = [];
  for (const s of sessions) {
    // The last moment we know the machine was awake and the interval running.
    const lastGood = Math.max(s.started_at, s.checkpoint_at);
    const outran = outranAwake(lastGood, prev, now, policy);
    // Only an interval that was running before the gap spans it; one started since the
    // wake-up (a call landed before this tick) is real work and keeps running. Its start
    // after the last tick's wall time says so only while it fits in the awake time: after
    // a step backwards an older interval can look newer than the tick.
    const spansGap = outran || (gap.suspended && s.started_at <= prev.wall);
    const timeout = timeoutOf(s, policy);
    const idleMs = now.wall - s.last_activity_at;
    if (idleMs >= timeout) {
      // A person may be reading or thinking a little past their last keystroke; an agent
      // that falls silent has stopped working at its last sign of life.
      let pauseAt = s.last_activity_at + (s.agent ? 0 : policy.graceMs);
      if (gap.suspended || outran) pauseAt = Math.min(pauseAt, lastGood);
      pauseAt = Math.min(Math.max(pauseAt, s.started_at), now.wall);
      actions.push({
        type: 'idle',
        session: s.id,
        key: s.key,
        pause_at: pauseAt,
        last_activity_at: s.last_activity_at,
        idle_ms: idleMs,
      });
    } else if (spansGap) {
      // After a step backwards the wall clock is behind what was already counted: the
      // next interval starts where the last ended, never overlapping it.
      actions.push({
        type: 'suspend',
        session: s.id,
        key: s.key,
        end_at: lastGood,
        reopen_at: Math.max(now.wall, lastGood),
        why: gap.why ?? 'clocks_disagree',
      });
    }
  }
  return { gap, checkpoint_at: now.wall, actions };
}

export interface TickReport {
  at: string;
  gap: Gap;
  checkpointed: number;
  idle_paused: string[];
  suspended: string[];
  /** Agents' conversations paused longer than agent_session_end_hours, ended by this tick. */
  ended: string[];
}

/** Active sessions and their open interval, in one query (1,000 sessions: one statement). */
export function loadTickSessions(call: Call): TickSession[] {
  return call.app.sql.all<TickSession>(
    `SELECT s.id, s.key, s.last_activity_at,
            CAST(json_extract(s.metadata, '$.idle_timeout_seconds') AS INTEGER) * 1000 AS idle_timeout_ms,
            (json_extract(s.metadata, '$.agent') IS NOT NULL OR s.source = 'mcp') AS agent,
            i.started_at, i.checkpoint_at
       FROM sessions s JOIN intervals i ON i.session_id = s.id AND i.ended_at IS NULL
      WHERE s.status = 'active'`,
  );
}

/** Whether a session is a coding agent's (reported by its hooks, or through MCP). */
export const isAgentSession = (s: SessionRow): boolean =>
  s.source === 'mcp' || (JSON.parse(s.metadata) as { agent?: unknown }).agent != null;

/** A session's idle timeout: its own (from session.start), else the configured one (agents have theirs). */
export function idleTimeoutMsOf(s: SessionRow, config: App['config']): number {
  const own = (JSON.parse(s.metadata) as { idle_timeout_seconds?: unknown }).idle_timeout_seconds;
  if (typeof own === 'number' && own > 0) return own * 1000;
  return (isAgentSession(s) ? config.agent_idle_timeout_seconds : config.idle_timeout_seconds) * 1000;
}

export function policyOf(call: Call, tickSeconds = call.app.config.tick_seconds): TickPolicy {
  const c = call.app.config;
  return {
    tickMs: tickSeconds * 1000,
    graceMs: c.idle_grace_seconds * 1000,
    idleTimeoutMs: c.idle_timeout_seconds * 1000,
    agentIdleTimeoutMs: c.agent_idle_timeout_seconds * 1000,
  };
}

/** Carries out a decision inside the caller's transaction. */
export function applyTick(call: Call, d: TickDecision): TickReport {
  const { sql } = call.app;
  const report: TickReport = {
    at: iso(d.checkpoint_at),
    gap: d.gap,
    checkpointed: 0,
    idle_paused: [],
    suspended: [],
    ended: [],
  };
  for (const a of d.actions) {
    const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', a.session);
    if (!s || s.status !== 'active') continue;
    if (a.type === 'idle') {
      const reason = idleReason(a.last_activity_at);
      const paused = pauseSessionRow(call, s, reason, a.pause_at, 'idle');
      call.events.push({
        type: 'session.idle_paused',
        session: s.key,
        at: iso(call.now),
        data: {
          paused_at: iso(a.pause_at),
          last_activity_at: iso(a.last_activity_at),
          idle_seconds: Math.round(a.idle_ms / 1000),
        },
      });
      report.idle_paused.push(paused.key);
    } else {
      closeInterval(sql, s.id, a.end_at, 'suspend');
      openInterval(sql, s, a.reopen_at);
      // Waking up is not the person working: the idle clock keeps counting from their last activity.
      withoutSignOfLife(call, s, () =>
        recordActivity(call, s, {
          kind: 'time.suspend',
          message: `clock gap of ${Math.round(d.gap.wall_ms / 1000)}s (${a.why}); time from ${iso(a.end_at)} to ${iso(a.reopen_at)} not counted`,
          data: {
            from: a.end_at,
            to: a.reopen_at,
            wall_ms: d.gap.wall_ms,
            monotonic_ms: d.gap.monotonic_ms,
            why: a.why,
          },
          at: a.reopen_at,
        }),
      );
      report.suspended.push(s.key);
    }
  }
  report.checkpointed = sql.run(
    'UPDATE intervals SET checkpoint_at = max(checkpoint_at, ?) WHERE ended_at IS NULL',
    d.checkpoint_at,
  ).changes;
  report.ended = endLongPausedAgents(call);
  return report;
}

/**
 * A cron pattern for a tick period. Cron fields only divide the minute and the hour
 * evenly, so a period that does not (45 s, 7 min) runs at the nearest shorter one that does.
 */
export function cronFor(seconds: number): { pattern: string; seconds: number } {
  const divides = (n: number, of: number) => of % n === 0;
  if (seconds < 60) {
    let s = Math.max(1, Math.floor(seconds));
    while (!divides(s, 60)) s--;
    return { pattern: `*/${s} * * * * *`, seconds: s };
  }
  if (seconds >= 3600) return { pattern: '0 0 * * * *', seconds: 3600 };
  let m = Math.floor(seconds / 60);
  while (!divides(m, 60)) m--;
  return { pattern: `0 */${m} * * * *`, seconds: m * 60 };
}

const sample = (clock: Clock): ClockSample => ({ wall: clock.now(), mono: clock.monotonic() });

export interface TickerDeps {
  /** Runs a write in the daemon's group-commit queue (so ticks never interleave with calls). */
  submit<T>(run: () => T): Promise<T>;
  publish(events: DaemonEvent[]): void;
  log: Logger;
}

export class Ticker {
  private prev: ClockSample;
  private task: ScheduledTask | null = null;
  private running = false;
  /** The earliest moment a session active at the last tick goes idle (activity since only moves it later). */
  private idleDeadline = Infinity;
  readonly period: { pattern: string; seconds: number };

  constructor(
    private readonly app: App,
    private readonly deps: TickerDeps,
  ) {
    this.prev = sample(app.clock);
    this.period = cronFor(app.config.tick_seconds);
  }

  /** One tick inside the caller's transaction (the queue's, or a debug call's). */
  runIn(call: Call): TickReport {
    const now = { wall: call.now, mono: this.app.clock.monotonic() };
    const sessions = loadTickSessions(call);
    const policy = policyOf(call, this.period.seconds);
    const decision = decideTick(this.prev, now, sessions, policy);
    const report = applyTick(call, decision);
    this.prev = now;
    const paused = new Set(report.idle_paused);
    this.idleDeadline = Math.min(
      Infinity,
      ...sessions.filter((x) => !paused.has(x.key)).map((x) => x.last_activity_at + timeoutOf(x, policy)),
    );
    if (decision.gap.suspended)
      this.deps.log.info(
        { gap: decision.gap, suspended: report.suspended },
        'clock gap: intervals ended at their last checkpoint',
      );
    if (report.idle_paused.length) this.deps.log.info({ sessions: report.idle_paused }, 'idle sessions paused');
    return report;
  }

  /**
   * Whether a tick is due now for a reason that changes what a write would count: a clock
   * gap or step since the last tick (a suspend the tick has not seen yet), or a session past its
   * idle timeout. Without this, a pause or a task switch landing between the wake-up (or
   * the idle deadline) and the next tick would close its interval at now, counting the
   * sleep or the idle stretch.
   */
  isDue(): boolean {
    const now = sample(this.app.clock);
    const policy: TickPolicy = {
      tickMs: this.period.seconds * 1000,
      graceMs: this.app.config.idle_grace_seconds * 1000,
      idleTimeoutMs: this.app.config.idle_timeout_seconds * 1000,
      agentIdleTimeoutMs: this.app.config.agent_idle_timeout_seconds * 1000,
    };
    // A step of the wall clock either way also makes a tick due: it re-anchors the clocks
    // the next gap is measured from, so a sleep that follows a step back is still seen.
    const apart = Math.abs(now.wall - this.prev.wall - (now.mono - this.prev.mono)) > outrunSlackMs(policy);
    return now.wall >= this.idleDeadline || apart || detectGap(this.prev, now, policy).suspended;
  }

  /** Called before each write is queued: a due tick is queued first, so it runs before the write in the same commit. */
  tickIfDue(): void {
    if (!this.running && this.isDue()) void this.tickNow();
  }

  async tickNow(): Promise<TickReport | null> {
    // noOverlap covers cron's own runs; this also covers a missed-execution catch-up.
    if (this.running) return null;
    this.running = true;
    try {
      const { report, events } = await this.deps.submit(() => {
        const call = newCall(this.app, 'cli');
        return { report: this.runIn(call), events: call.events };
      });
      if (events.length) this.deps.publish(events);
      return report;
    } catch (err) {
      this.deps.log.error({ err }, 'tick failed');
      return null;
    } finally {
      this.running = false;
    }
  }

  start(): void {
    if (this.period.seconds !== this.app.config.tick_seconds) {
      this.deps.log.warn(
        { configured: this.app.config.tick_seconds, used: this.period.seconds },
        'tick_seconds does not divide a minute or an hour; using a shorter period',
      );
    }
    this.task = cron.schedule(this.period.pattern, () => this.tickNow(), {
      name: 'fragd-tick',
      noOverlap: true,
      suppressMissedWarning: true,
    });
    // A missed execution (event loop blocked, machine asleep) is caught up by one tick;
    // the tick itself compares the clocks, so a long gap is treated as a suspend.
    this.task.on('execution:missed', () => void this.tickNow());
  }

  async stop(): Promise<void> {
    const t = this.task;
    this.task = null;
    if (t) await t.destroy();
  }
}

const tickers = new WeakMap<App, Ticker>();
export const registerTicker = (app: App, t: Ticker): void => void tickers.set(app, t);
export const tickerOf = (app: App): Ticker | undefined => tickers.get(app);

/**
 * FRAGD_TEST_CLOCK=<ms or ISO> makes the daemon run on a clock that moves only through
 * the debug.clock method, so integration tests can drive a day in milliseconds.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv): ManualClock | null {
  const raw = env.FRAGD_TEST_CLOCK;
  if (!raw) return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new Error(`FRAGD_TEST_CLOCK must be epoch milliseconds or an ISO time, not ${raw}`);
  return new ManualClock(ms);
}
