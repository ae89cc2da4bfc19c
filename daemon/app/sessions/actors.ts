// The actors (issue 26): each person and agent with its sessions, tracked time, tokens and
// cost in a range, and when it was last seen. Time and tokens are `report --by actor`'s own
// rows (the same filters, the same SQL), so the list and the report always agree.
import type { ActorView, ActorsResult } from '../../../shared/protocol/actors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { filterSql, hasFilters, HUMAN_ACTOR, resolveFilters } from '../filters.js';
import { report } from '../time/reports.js';
import { localDayKey } from '../time/timeline.js';

interface SessionCount {
  actor: string;
  n: number;
}

export function listActors(call: Call, p: ParsedParamsOf<'actors.list'>): ActorsResult {
  const { sql } = call.app;
  const tz = p?.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  // All history by default: from the local day of the first session.
  const first = sql.value<number | null>('SELECT min(started_at) FROM sessions') ?? null;
  const since = p?.since ?? (first != null && !p?.until ? localDayKey(Math.min(first, call.now), tz) : undefined);
  const r = report(call, {
    by: 'actor',
    since,
    until: p?.until,
    tz,
    actor: p?.actor,
    project: p?.project,
    sprint: p?.sprint,
    label: p?.label,
    kind: p?.kind,
  });
  const from = Date.parse(r.range.from);
  const to = Date.parse(r.range.to);
  const f = resolveFilters(call, { ...p, actor: p?.actor });
  const who = filterSql({ ...f, projectId: null, sprintId: null, labelIds: [] }, '', true);
  // Sessions that overlap the range; with a project, sprint or label filter, those with
  // tracked time on it in the range.
  const counts = hasFilters({ ...f, kind: null })
    ? sql.all<SessionCount>(
        `SELECT actor, count(DISTINCT session_id) AS n FROM intervals
          WHERE started_at < ?1 AND coalesce(ended_at, max(?3, started_at)) > ?2 ${filterSql(f, '', true)}
          GROUP BY actor`,
        to,
        from,
        call.now,
      )
    : sql.all<SessionCount>(
        `SELECT actor, count(*) AS n FROM sessions
          WHERE started_at < ?1 AND coalesce(ended_at, max(last_activity_at, started_at)) >= ?2 ${who}
          GROUP BY actor`,
        to,
        from,
      );
  const sessions = new Map(counts.map((c) => [c.actor, c.n]));
  const names = new Set<string>([...sessions.keys(), ...r.rows.map((row) => row.key)]);
  const actors: ActorView[] = [];
  for (const name of names) {
    const row = r.rows.find((x) => x.key === name);
    const seen = sql.value<number>('SELECT max(last_activity_at) FROM sessions WHERE actor = ?', name);
    const open = sql.get<{ key: string; status: 'active' | 'paused'; task: string | null }>(
      `SELECT s.key, s.status, t.code AS task FROM sessions s LEFT JOIN tasks t ON t.id = s.active_task_id
        WHERE s.actor = ? AND s.status IN ('active','paused') ORDER BY s.status = 'active' DESC, s.id DESC LIMIT 1`,
      name,
    );
    actors.push({
      actor: name,
      kind: name === HUMAN_ACTOR ? 'human' : 'agent',
      sessions: sessions.get(name) ?? 0,
      seconds: row?.seconds ?? 0,
      tokens: row?.tokens ?? { input: 0, output: 0, cache_creation: 0, cache_read: 0 },
      cost: row?.cost ?? call.app.pricing.cost([]),
      last_seen: iso(seen ?? from),
      now: open ? { session: open.key, status: open.status, task: open.task } : null,
    });
  }
  actors.sort(
    (a, b) => b.seconds - a.seconds || b.last_seen.localeCompare(a.last_seen) || a.actor.localeCompare(b.actor),
  );
  return {
    since: r.since,
    until: r.until,
    tz: r.tz,
    filters: r.filters,
    actors,
    total_seconds: r.total_seconds,
    tokens: r.tokens,
    cost: r.cost,
  };
}
