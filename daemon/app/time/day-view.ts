// The dashboard's two views no report gives: one local day per actor as stretches of work
// and the gaps between them, and a sprint's burndown. Both read intervals as stored; the
// gap after an interval is named by why it ended (DESIGN.md §5, §8).
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import type { DaySegment, DayState } from '../../../shared/protocol/dashboard.js';
import { iso } from '../../clock.js';
import { maxSpanBefore } from './totals.js';
import type { Call } from '../app.js';
import { dayStart, isValidTimeZone, localDayKey, nextDayKey, parseDay } from './timeline.js';

const badParam = (message: string, hint: string) =>
  new FragError(ErrorCode.InvalidParams, message, { error: 'invalid_params', hint });

function zoneOf(tz: string | undefined): string {
  const zone = tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimeZone(zone))
    throw badParam(`unknown time zone ${zone}`, 'use an IANA name such as Europe/Berlin or America/New_York');
  return zone;
}

interface DayRow {
  actor: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  key: string;
  source: string;
  metadata: string;
  status: string;
  task: string | null;
}

/** The gap an interval leaves behind it, by why it ended; null when it leaves none (end, switch). */
function gapOf(reason: string | null, agent: boolean): DayState | null {
  switch (reason) {
    case 'pause':
      // An agent that stopped is waiting for its person, which is not work (DESIGN.md §8).
      return agent ? 'waiting' : 'paused';
    case 'idle':
    case 'suspend':
      return 'idle';
    case 'crash':
      return 'crash';
    default:
      return null;
  }
}

export function dayTimeline(call: Call, p: ParsedParamsOf<'time.day'>): ResultOf<'time.day'> {
  const tz = zoneOf(p?.tz);
  const date = p?.date ?? localDayKey(call.now, tz);
  if (!parseDay(date)) throw badParam(`${date} is not a calendar date`, 'use YYYY-MM-DD');
  const from = dayStart(date, tz);
  const to = dayStart(nextDayKey(date), tz);
  const until = Math.min(to, call.now);
  const rows = call.app.sql.all<DayRow>(
    `SELECT i.actor, i.started_at, i.ended_at, i.end_reason, s.key, s.source, s.metadata, s.status, t.code AS task
       FROM intervals i JOIN sessions s ON s.id = i.session_id LEFT JOIN tasks t ON t.id = i.task_id
      WHERE i.started_at < ?1 AND i.started_at >= ?3 AND (i.ended_at IS NULL OR i.ended_at > ?2)
      ORDER BY i.actor, i.started_at, i.id`,
    to,
    // An interval that ended before the day may leave a gap reaching into it.
    from - 86_400_000,
    // Both ends of the range bound started_at (as reports do): none reaching the window began
    // before it by more than the longest interval, so older history is not read.
    from - 86_400_000 - maxSpanBefore(call.app.sql, call.now),
  );
  const byActor = new Map<string, DayRow[]>();
  for (const r of rows) byActor.set(r.actor, [...(byActor.get(r.actor) ?? []), r]);
  const actors = [...byActor].map(([actor, list]) => {
    const agent = list.some((r) => r.source === 'mcp' || (JSON.parse(r.metadata) as { agent?: unknown }).agent != null);
    const segments: DaySegment[] = [];
    let active = 0;
    const push = (a: number, b: number, state: DayState, r: DayRow) => {
      const s = Math.max(a, from);
      const e = Math.min(b, until);
      if (e <= s) return;
      segments.push({ from: iso(s), to: iso(e), state, task: r.task, session: r.key });
      if (state === 'active') active += e - s;
    };
    list.forEach((r, i) => {
      const end = r.ended_at ?? call.now;
      push(r.started_at, end, 'active', r);
      const gap = r.ended_at == null ? null : gapOf(r.end_reason, agent);
      if (!gap) return;
      // Up to the actor's next interval, or now while the session is still paused.
      const next = list[i + 1]?.started_at;
      if (next !== undefined) push(end, next, gap, r);
      else if (r.status === 'paused' || gap === 'crash') push(end, call.now, gap, r);
    });
    return {
      actor,
      kind: agent ? ('agent' as const) : ('person' as const),
      active_seconds: Math.round(active / 1000),
      segments,
    };
  });
  return { date, tz, range: { from: iso(from), to: iso(to) }, now: iso(call.now), actors };
}

interface TaskRow {
  id: number;
  code: string;
  estimate_minutes: number | null;
  status: string;
  completed_at: number | null;
}

const MAX_BURNDOWN_DAYS = 120;

export function sprintBurndown(call: Call, p: ParsedParamsOf<'sprint.burndown'>): ResultOf<'sprint.burndown'> {
  const tz = zoneOf(p.tz);
  const { sql } = call.app;
  const sprint = sql.get<{
    id: number;
    code: string;
    title: string;
    started_at: number | null;
    created_at: number;
    completed_at: number | null;
  }>('SELECT id, code, title, started_at, created_at, completed_at FROM sprints WHERE code = ?', p.sprint);
  if (!sprint)
    throw new FragError(ErrorCode.NotFound, `sprint ${p.sprint} not found`, {
      error: 'not_found',
      hint: 'list sprints with: fragctl sprint list',
    });
  const tasks = sql.all<TaskRow>(
    "SELECT id, code, estimate_minutes, status, completed_at FROM tasks WHERE sprint_id = ? AND status <> 'cancelled' ORDER BY id",
    sprint.id,
  );
  const total = tasks.reduce((n, t) => n + (t.estimate_minutes ?? 0), 0);
  const first = localDayKey(sprint.started_at ?? sprint.created_at, tz);
  const last = localDayKey(Math.min(sprint.completed_at ?? call.now, call.now), tz);
  const keys: string[] = [];
  for (let k = first; k <= last && keys.length < MAX_BURNDOWN_DAYS; k = nextDayKey(k)) keys.push(k);
  const ids = tasks.map((t) => t.id);
  const spans = ids.length
    ? sql.all<{ started_at: number; ended_at: number | null }>(
        `SELECT started_at, ended_at FROM intervals WHERE task_id IN (${ids.map(() => '?').join(',')})`,
        ...ids,
      )
    : [];
  const days = keys.map((date, i) => {
    const end = Math.min(dayStart(nextDayKey(date), tz), call.now);
    const remaining = tasks
      .filter((t) => !(t.status === 'completed' && t.completed_at != null && t.completed_at < end))
      .reduce((n, t) => n + (t.estimate_minutes ?? 0), 0);
    const spentMs = spans.reduce((n, s) => n + Math.max(0, Math.min(s.ended_at ?? call.now, end) - s.started_at), 0);
    const ideal = keys.length > 1 ? total * (1 - i / (keys.length - 1)) : total;
    return {
      date,
      remaining_minutes: remaining,
      ideal_minutes: Math.round(ideal * 10) / 10,
      spent_minutes: Math.round(spentMs / 600) / 100,
    };
  });
  return {
    sprint: sprint.code,
    title: sprint.title,
    tz,
    total_estimate_minutes: total,
    unestimated: tasks.filter((t) => t.estimate_minutes == null).map((t) => t.code),
    days,
  };
}
