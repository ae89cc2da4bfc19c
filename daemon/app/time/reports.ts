// Reports over intervals: by task, sprint, project and actor aggregated in SQL; by day
// the overlapping intervals are cut at local midnights (timeline.ts) in one pass. Ranges
// are local calendar days of the reader's time zone; storage stays UTC.
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { EstimateCheck, ReportBy, ReportResult, ReportRow } from '../../../shared/protocol/time.js';
import type { Instructions } from '../../../shared/protocol/views.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { filterSql, resolveFilters } from '../filters.js';
import { estimateVariance } from './estimates.js';
import {
  daysBetween,
  dayStart,
  findDay,
  isValidTimeZone,
  localDayKey,
  nextDayKey,
  offsetSegments,
  parseDay,
  prevDayKey,
  splitByDay,
  type Span,
} from './timeline.js';
import { fragctl } from '../../../shared/command.js';
import { maxSpanBefore, sessionTaskMs, taskMs, taskMsElsewhere } from './totals.js';
import { branchAt, isoWeek, SEGMENT_VIEWS, segmentReport } from './report-views.js';
import type { PricedGroup } from '../app.js';
import { NO_TOKENS, overSql, pricedBy, pricedSums, pricedWhere, type Priced } from '../token-costs.js';

function badParam(message: string, extra: Record<string, unknown> = {}): FragError {
  return new FragError(ErrorCode.InvalidParams, message, { error: 'invalid_params', ...extra });
}

export function resolveRange(call: Call, since: string | undefined, until: string | undefined, tz: string) {
  for (const [name, v] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (v !== undefined && !parseDay(v))
      throw badParam(`--${name} ${v} is not a calendar date; use YYYY-MM-DD`, {
        hint: `e.g. ${fragctl('report', '--since', '2026-03-01', '--until', '2026-03-31')}`,
      });
  }
  const today = localDayKey(call.now, tz);
  const untilKey = until ?? today;
  // Default: seven local days ending with `until`.
  const sinceKey = since ?? prevDayKey(untilKey, 6);
  if (sinceKey > untilKey) throw badParam(`--since ${sinceKey} is after --until ${untilKey}`, { hint: 'swap them' });
  return { sinceKey, untilKey, from: dayStart(sinceKey, tz), to: dayStart(nextDayKey(untilKey), tz) };
}

interface Filter {
  /** The filters' SQL condition over intervals' columns (filters.ts filterSql), or ''. */
  where: string;
  from: number;
  to: number;
  now: number;
  actor: string | null;
  session: number | null;
  /**
   * No interval overlapping [from, to) started before this: from minus the longest an
   * interval lasts (totals.maxSpanBefore). With it both ends of the range bound started_at,
   * so a recent range reads only recent index entries, not all history before it.
   */
  floor: number;
  /** The longest an interval in range can last (totals.maxSpanBefore). */
  maxSpan: number;
}

// Shared WHERE: intervals overlapping [from, to). started_at in [floor, to) uses the
// started_at indexes at both ends; an open interval counts up to now.
// Zero-length intervals (a stack change and the next in the same instant) are left out.
const OVERLAP = `started_at < ?2 AND started_at >= ?6 AND coalesce(ended_at, max(?3, started_at)) > ?1
  AND coalesce(ended_at, max(?3, started_at)) > started_at
  AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR session_id = ?5)`;
/** OVERLAP and the filters (project, sprint, labels, kind). */
const overlap = (f: Filter) => `${OVERLAP}${f.where}`;
const CLIPPED = `min(coalesce(ended_at, max(?3, started_at)), ?2) - max(started_at, ?1)`;
const args = (f: Filter) => [f.from, f.to, f.now, f.actor, f.session, f.floor];

/** The groupings aggregated in SQL alone (the others are cut in report-views.ts). */
type SqlBy = 'task' | 'sprint' | 'project' | 'actor' | 'session';

const column: Record<SqlBy, string> = {
  task: 'task_id',
  sprint: 'sprint_id',
  project: 'project_id',
  actor: 'actor',
  session: 'session_id',
};
const table: Record<'task' | 'sprint' | 'project', string> = { task: 'tasks', sprint: 'sprints', project: 'projects' };

interface Agg {
  k: number | string | null;
  actor: string | null;
  ms: number;
  n: number;
}

function aggregate(call: Call, by: SqlBy, f: Filter, perActor: boolean): Summary {
  const { sql } = call.app;
  const col = column[by];
  const actorCol = perActor && by !== 'actor' ? 'actor' : 'NULL';
  const rows = sql.all<Agg>(
    `SELECT ${col} AS k, ${actorCol} AS actor, sum(${CLIPPED}) AS ms, count(*) AS n
       FROM intervals WHERE ${overlap(f)} GROUP BY ${col}, ${actorCol}`,
    ...args(f),
  );
  // The groups cover every interval in range, so their sums are the report's totals.
  const sums = { totalMs: rows.reduce((a, r) => a + r.ms, 0), intervals: rows.reduce((a, r) => a + r.n, 0) };
  if (by === 'actor') {
    return {
      ...sums,
      rows: rows.map((r) => ({
        key: String(r.k),
        label: null,
        actor: String(r.k),
        seconds: Math.round(r.ms / 1000),
        intervals: r.n,
      })),
    };
  }
  if (by === 'session') {
    return {
      ...sums,
      rows: rows.map((r) => {
        const s = sql.get<{ key: string; actor: string; chat_session_id: string | null }>(
          'SELECT key, actor, chat_session_id FROM sessions WHERE id = ?',
          r.k,
        );
        return {
          key: s?.key ?? `#${r.k}`,
          label: s?.chat_session_id ? `chat ${s.chat_session_id}` : null,
          actor: s?.actor ?? null,
          seconds: Math.round(r.ms / 1000),
          intervals: r.n,
        };
      }),
    };
  }
  const tbl = table[by];
  const out = rows.map((r): ReportRow => {
    if (r.k == null)
      return {
        key: '(none)',
        label: `no ${by} on the stack`,
        actor: r.actor,
        seconds: Math.round(r.ms / 1000),
        intervals: r.n,
      };
    const item = sql.get<{ code: string; title: string; estimate_minutes?: number | null }>(
      `SELECT code, title${by === 'task' ? ', estimate_minutes' : ''} FROM ${tbl} WHERE id = ?`,
      r.k,
    );
    const row: ReportRow = {
      key: item?.code ?? `#${r.k}`,
      label: item?.title ?? null,
      actor: r.actor,
      seconds: Math.round(r.ms / 1000),
      intervals: r.n,
    };
    if (by === 'task') {
      const total = Math.round(taskTrackedMs(call, Number(r.k), f.now) / 1000);
      const est = item?.estimate_minutes ?? null;
      row.estimate_minutes = est;
      row.total_seconds = total;
      row.variance_percent = est ? Math.round(((total / 60 - est) / est) * 1000) / 10 : null;
    }
    return row;
  });
  return { ...sums, rows: out };
}

interface Summary {
  rows: ReportRow[];
  /** Intervals in range (one crossing midnight counts once here). */
  intervals: number;
  totalMs: number;
}

/**
 * Intervals last at most this long (interval_bounds) for the report by day to read one
 * index range per local day; beyond it, each day's range would reread the days before it.
 */
const PER_DAY_MAX_SPAN = 86_400_000;

/**
 * By day: one indexed query per local day, each summing its intervals clipped to the day's
 * real bounds (so a DST day keeps its 23 or 25 hours and an interval over midnight is cut
 * exactly), with no sort: each query reads its day's range of the covering index, so a
 * year costs one pass over the year's entries. When some interval lasted longer than a
 * day, every day's range would reach back that far, and one scan (byDayOneScan) is cheaper.
 */
function byDay(call: Call, f: Filter, tz: string, perActor: boolean): Summary {
  const fast = byDayFromHours(call, f, tz, perActor);
  if (fast) return fast;
  if (f.maxSpan > PER_DAY_MAX_SPAN) return byDayOneScan(call, f, tz, perActor);
  const { sql } = call.app;
  const actorCol = perActor ? 'actor' : "''";
  // ?4 is this day's floor, ?5 and ?6 its bounds; `own` counts intervals that start in it
  // (or, on the first day, before it), so the total counts an interval over midnight once.
  // The same conditions as OVERLAP, for one day.
  const end = 'coalesce(ended_at, max(?1, started_at))';
  const perDay = sql.db.prepare(
    `SELECT ${actorCol} AS a, sum(min(${end}, ?6) - max(started_at, ?5)) AS ms, count(*) AS n, sum(started_at >= ?5 OR ?7) AS own
       FROM intervals WHERE started_at < ?6 AND started_at >= ?4 AND ${end} > ?5 AND ${end} > started_at
        AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR session_id = ?3)${f.where}
      GROUP BY ${actorCol}`,
  );
  const rows: ReportRow[] = [];
  let intervals = 0;
  let totalMs = 0;
  daysBetween(f.from, f.to, tz).forEach((d, i) => {
    const start = Math.max(d.start, f.from);
    const stop = Math.min(d.end, f.to);
    const groups = perDay.all({
      1: f.now,
      2: f.actor,
      3: f.session,
      4: start - f.maxSpan,
      5: start,
      6: stop,
      7: i === 0 ? 1 : 0,
    }) as { a: string; ms: number; n: number; own: number }[];
    for (const g of groups) {
      intervals += g.own;
      totalMs += g.ms;
      if (g.ms > 0)
        rows.push({
          key: d.key,
          label: `${Math.round((d.end - d.start) / 3_600_000)}h day`,
          actor: perActor ? g.a : null,
          seconds: Math.round(g.ms / 1000),
          intervals: g.n,
        });
    }
  });
  rows.sort((a, b) => a.key.localeCompare(b.key) || (a.actor ?? '').localeCompare(b.actor ?? ''));
  return { rows, intervals, totalMs };
}

const HOUR_MS = 3_600_000;

/**
 * By day from the per-hour totals (interval_hours, kept by triggers: migrations.ts), when
 * every local day of the range is made of whole UTC hours (a zone whose offsets and DST
 * switches in the range fall on whole hours: most of the world) and nothing filters the
 * intervals but the actor (the totals are per hour and actor; a session, project, sprint,
 * label or kind filter takes the exact path). A year is then ~9k small rows per actor
 * read from a primary key, instead of one pass over a year of intervals (issue 27: 100k
 * intervals, ~40 ms → a few ms). Nothing is approximated: an hour lies inside one day, so
 * a day's milliseconds are its hours' sums; the intervals overlapping a day are those
 * starting in its hours plus those running at its first instant (its first hour's
 * `crosses`). What the totals leave out is read exactly: open intervals (up to now) and
 * closed ones longer than a day (the partial index intervals_long), cut at the days' real
 * bounds. Null when the range or the filters do not allow it. Tested against the exact
 * path under random intervals, corrections and zones (test/unit/report-hours.test.ts).
 */
function byDayFromHours(call: Call, f: Filter, tz: string, perActor: boolean): Summary | null {
  if (f.where !== '' || f.session !== null) return null;
  const days = daysBetween(f.from, f.to, tz);
  if (!days.length || days.some((d) => d.start % HOUR_MS !== 0 || d.end % HOUR_MS !== 0)) return null;
  if (days[0].start !== f.from || days[days.length - 1].end !== f.to) return null;
  const { sql } = call.app;
  // Per day (index into days) and actor ('' unless per actor): ms, intervals overlapping, intervals counted once.
  const sums = days.map(() => new Map<string, { ms: number; n: number; own: number }>());
  const add = (i: number, actor: string, ms: number, n: number, own: number) => {
    const m = sums[i];
    const cur = m.get(actor);
    if (cur) {
      cur.ms += ms;
      cur.n += n;
      cur.own += own;
    } else m.set(actor, { ms, n, own });
  };
  // An interval running at a day's first instant overlaps it; it is counted once, on the range's first day.
  const addDay = (i: number, actor: string, ms: number | null, starts: number | null, running: number | null) => {
    if (ms !== null) add(i, actor, ms, starts! + (running ?? 0), starts! + (i === 0 ? (running ?? 0) : 0));
  };
  if (!perActor) {
    // All days in one statement: per day, three short reads of the primary key (its hours'
    // sums, its first hour's crosses), without a round trip to JS per day or a sort.
    const byDays = sql.db
      .prepare(
        `SELECT (SELECT sum(ms) FROM interval_hours WHERE hour >= j.value->>0 AND hour < j.value->>1 AND (?2 IS NULL OR actor = ?2)),
                (SELECT sum(starts) FROM interval_hours WHERE hour >= j.value->>0 AND hour < j.value->>1 AND (?2 IS NULL OR actor = ?2)),
                (SELECT sum(crosses) FROM interval_hours WHERE hour = j.value->>0 AND (?2 IS NULL OR actor = ?2))
           FROM json_each(?1) j ORDER BY j.key`,
      )
      .raw()
      .all({ 1: JSON.stringify(days.map((d) => [d.start / HOUR_MS, d.end / HOUR_MS])), 2: f.actor }) as [
      number | null,
      number | null,
      number | null,
    ][];
    byDays.forEach(([ms, starts, running], i) => addDay(i, '', ms, starts, running));
  } else {
    // Per actor: one read of the primary key per day, grouped by actor.
    const perDay = sql.db
      .prepare(
        `SELECT actor, sum(ms), sum(starts), sum(CASE WHEN hour = ?1 THEN crosses ELSE 0 END)
           FROM interval_hours WHERE hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR actor = ?3) GROUP BY actor`,
      )
      .raw();
    days.forEach((d, i) => {
      const groups = perDay.all({ 1: d.start / HOUR_MS, 2: d.end / HOUR_MS, 3: f.actor }) as [
        string,
        number | null,
        number | null,
        number | null,
      ][];
      for (const [actor, ms, starts, running] of groups) addDay(i, actor, ms, starts, running);
    });
  }
  // Open intervals (up to now) and closed ones longer than a day: few, cut here exactly.
  const rest = sql.all<{ s: number; e: number; a: string }>(
    `SELECT started_at AS s, max(?3, started_at) AS e, actor AS a FROM intervals
      WHERE ended_at IS NULL AND started_at < ?2 AND (?4 IS NULL OR actor = ?4)
     UNION ALL
     SELECT started_at, ended_at, actor FROM intervals
      WHERE ended_at - started_at > 86400000 AND started_at < ?2 AND ended_at > ?1 AND (?4 IS NULL OR actor = ?4)`,
    f.from,
    f.to,
    f.now,
    f.actor,
  );
  for (const r of rest) {
    if (r.e <= r.s || r.e <= f.from) continue;
    for (let d = findDay(days, Math.max(r.s, f.from)); d < days.length && days[d].start < r.e; d++) {
      const ms = Math.min(r.e, days[d].end) - Math.max(r.s, days[d].start);
      add(d, perActor ? r.a : '', ms, 1, r.s >= days[d].start || d === 0 ? 1 : 0);
    }
  }
  const rows: ReportRow[] = [];
  let intervals = 0;
  let totalMs = 0;
  sums.forEach((m, d) => {
    const day = days[d];
    for (const [actor, g] of [...m].sort(([a], [b]) => a.localeCompare(b))) {
      intervals += g.own;
      totalMs += g.ms;
      if (g.ms > 0)
        rows.push({
          key: day.key,
          label: `${Math.round((day.end - day.start) / 3_600_000)}h day`,
          actor: perActor ? actor : null,
          seconds: Math.round(g.ms / 1000),
          intervals: g.n,
        });
    }
  });
  return { rows, intervals, totalMs };
}

/**
 * By day, aggregated in SQL: the local day of an instant is floor((t + offset) / 24 h),
 * with the zone's offset as a CASE over its DST segments (computed once in JS). Intervals
 * within one local day are summed per day by SQLite; the few that cross a local midnight
 * are read and cut at the real midnights (splitByDay), so a DST day keeps its 23 or 25 hours.
 */
function byDayOneScan(call: Call, f: Filter, tz: string, perActor: boolean): Summary {
  const { sql } = call.app;
  const days = daysBetween(f.from, f.to, tz);
  const segs = offsetSegments(f.from, f.to, tz);
  const offsetOf = (t: string) =>
    segs.length === 1
      ? `${segs[0].offset}`
      : `CASE ${segs
          .slice(1)
          .map((g, k) => `WHEN ${t} < ${g.start} THEN ${segs[k].offset}`)
          .join(' ')} ELSE ${segs[segs.length - 1].offset} END`;
  const actorCol = perActor ? 'actor' : "''";
  // Only numbers computed here are spliced into the SQL text; every input is a bound parameter.
  const clipped = `SELECT max(started_at, ?1) AS s, min(coalesce(ended_at, max(?3, started_at)), ?2) AS e, ${actorCol} AS a FROM intervals WHERE ${overlap(f)}`;
  const bucketed = `SELECT s, e, a, (s + ${offsetOf('s')}) / ${DAY_MS} AS ds, (e - 1 + ${offsetOf('(e - 1)')}) / ${DAY_MS} AS de FROM (${clipped})`;
  // One scan: intervals within one local day are grouped per day (s, e NULL); each one
  // crossing a local midnight is its own group, with its bounds, to be cut in JS.
  const groups = sql.db
    .prepare(
      `SELECT ds, a, CASE WHEN ds = de THEN NULL ELSE s END AS cs, CASE WHEN ds = de THEN NULL ELSE e END AS ce, sum(e - s) AS ms, count(*) AS n
         FROM (${bucketed}) GROUP BY ds, a, cs, ce`,
    )
    .all(bind(f)) as { ds: number; a: string; cs: number | null; ce: number | null; ms: number; n: number }[];
  const same = groups.filter((g) => g.cs === null);
  const crossing = groups
    .filter((g) => g.cs !== null)
    .flatMap((g) => Array.from({ length: g.n }, () => ({ start: g.cs!, end: g.ce!, a: g.a })));
  const perKey = new Map<string, { ms: number; n: number }>();
  const add = (day: string, actor: string, ms: number, n: number) => {
    const k = `${day}\u0000${actor}`;
    const cur = perKey.get(k);
    if (cur) {
      cur.ms += ms;
      cur.n += n;
    } else perKey.set(k, { ms, n });
  };
  for (const r of same) add(new Date(r.ds * DAY_MS).toISOString().slice(0, 10), r.a, r.ms, r.n);
  const byActor = new Map<string, Span[]>();
  for (const c of crossing) {
    let list = byActor.get(c.a);
    if (!list) byActor.set(c.a, (list = []));
    list.push(c);
  }
  for (const [actor, list] of byActor) {
    const t = splitByDay(list, days);
    for (const [day, ms] of t.ms) add(day, actor, ms, t.spans.get(day) ?? 0);
  }
  const length = new Map(days.map((d) => [d.key, Math.round((d.end - d.start) / 3_600_000)]));
  const rows: ReportRow[] = [...perKey]
    .filter(([, v]) => v.ms > 0)
    .map(([k, v]) => {
      const [day, actor] = k.split('\u0000');
      return {
        key: day,
        label: `${length.get(day) ?? 24}h day`,
        actor: perActor ? actor : null,
        seconds: Math.round(v.ms / 1000),
        intervals: v.n,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key) || (a.actor ?? '').localeCompare(b.actor ?? ''));
  return { rows, intervals: groups.reduce((a, g) => a + g.n, 0), totalMs: groups.reduce((a, g) => a + g.ms, 0) };
}

/**
 * Sessions and actors with time in the range: from the sessions whose lifetime reaches the
 * range (found by the sessions_ended index, so old sessions are not read; a session's
 * intervals lie within its lifetime), each checked with one probe of the intervals_session
 * index, instead of another scan of a year of intervals. The index carries ended_at and
 * actor, so without filters the probe reads no table row.
 */
function who(call: Call, f: Filter): { sessions: number; actors: number } {
  return call.app.sql.get<{ sessions: number; actors: number }>(
    `SELECT count(*) AS sessions, count(DISTINCT s.actor) AS actors FROM sessions s
      WHERE s.started_at < ?2 AND (s.ended_at IS NULL OR s.ended_at >= ?6)
        AND (?4 IS NULL OR s.actor = ?4) AND (?5 IS NULL OR s.id = ?5)
        AND EXISTS (SELECT 1 FROM intervals WHERE session_id = s.id AND ${overlap(f).replace(/\(\?5 IS NULL OR session_id = \?5\)/, '1')})`,
    ...args(f),
  )!;
}

const bind = (f: Filter) => ({ 1: f.from, 2: f.to, 3: f.now, 4: f.actor, 5: f.session, 6: f.floor });
const DAY_MS = 86_400_000;

function grouped(call: Call, by: SqlBy, f: Filter, perActor: boolean): Summary {
  const r = aggregate(call, by, f, perActor);
  r.rows.sort((a, b) => b.seconds - a.seconds || a.key.localeCompare(b.key));
  return r;
}

// The same five bound values as the intervals' queries (?3, now, has no use for tokens: named so the binding matches).
const TOKEN_WHERE =
  'at >= ?1 AND at < ?2 AND ?3 IS NOT NULL AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR session_id = ?5)';

type TokenGroup = PricedGroup & { k: number | string | null; a: string | null };

/**
 * Tokens and their cost in range, in total and per row. By day, week and month a token
 * counts on the local day of its message; by model on its model; by branch on the branch
 * its actor was on at its message's time (the records that cut time by branch); by task,
 * sprint, project, actor and session on what it was recorded against. Tokens are not cut
 * by file, language or editor: a message's tokens are spent on its whole context, not on
 * the files it touched, so no split would be true (those rows carry none; the total does).
 * A key with tokens and no time gets a row of its own, so the rows' costs add up to the total.
 */
function tokensOf(call: Call, view: ReportBy, f: Filter, tz: string, rows: ReportRow[], perActor: boolean): Priced {
  const { app } = call;
  const { sql } = app;
  const total = pricedWhere(app, `${TOKEN_WHERE}${f.where}`, ...args(f));
  if (SEGMENT_VIEWS.has(view) && view !== 'week' && view !== 'month' && view !== 'branch') return total;
  const calendar = view === 'day' || view === 'week' || view === 'month';
  const actorCol = perActor && view !== 'actor' ? 'actor' : 'NULL';
  let keyCol: string;
  if (calendar) {
    const segs = offsetSegments(f.from, f.to, tz);
    // Only numbers computed here are spliced into the SQL text.
    const offset =
      segs.length === 1
        ? `${segs[0].offset}`
        : `CASE ${segs
            .slice(1)
            .map((g, i) => `WHEN at < ${g.start} THEN ${segs[i].offset}`)
            .join(' ')} ELSE ${segs[segs.length - 1].offset} END`;
    keyCol = `(at + ${offset}) / ${DAY_MS}`;
  } else if (view === 'model') keyCol = "coalesce(model, '(no model recorded)')";
  else keyCol = column[view as SqlBy];
  let groups: TokenGroup[];
  if (view === 'branch') {
    // Each message's tokens on its actor's branch at its time: summed per branch here, not in SQL.
    const branchOf = branchAt(sql, f);
    const sums = new Map<string, TokenGroup>();
    const messages = sql.all<PricedGroup & { actor: string; at: number }>(
      `SELECT actor, at, model, ${overSql(app)} AS tier_above, input_tokens AS input, output_tokens AS output,
              cache_creation_tokens AS cache_creation, cache_read_tokens AS cache_read
         FROM agent_tokens WHERE ${TOKEN_WHERE}${f.where}`,
      ...args(f),
    );
    for (const r of messages) {
      const k = branchOf(r.actor, r.at);
      const a = perActor ? r.actor : null;
      const id = `${k}\u0000${a ?? ''}\u0000${r.model ?? ''}\u0000${r.tier_above}`;
      const g = sums.get(id);
      if (g) {
        g.input += r.input;
        g.output += r.output;
        g.cache_creation += r.cache_creation;
        g.cache_read += r.cache_read;
      } else
        sums.set(id, {
          k,
          a,
          model: r.model,
          tier_above: r.tier_above,
          input: r.input,
          output: r.output,
          cache_creation: r.cache_creation,
          cache_read: r.cache_read,
        });
    }
    groups = [...sums.values()];
  } else
    groups = sql.all<TokenGroup>(
      `SELECT ${keyCol} AS k, ${actorCol} AS a, ${pricedSums(app)} FROM agent_tokens WHERE ${TOKEN_WHERE}${f.where}
        GROUP BY k, a, model, tier_above`,
      ...args(f),
    );
  const codes = new Map<string, { key: string; label: string | null }>();
  const keyOf = (k: number | string | null): { key: string; label: string | null } => {
    const id = String(k);
    const known = codes.get(id);
    if (known) return known;
    let r: { key: string; label: string | null };
    if (calendar) {
      const day = new Date(Number(k) * DAY_MS).toISOString().slice(0, 10);
      r = { key: view === 'day' ? day : view === 'week' ? isoWeek(day) : day.slice(0, 7), label: null };
    } else if (view === 'model' || view === 'actor' || view === 'branch') r = { key: id, label: null };
    else if (k == null) r = { key: '(none)', label: `no ${view} on the stack` };
    else if (view === 'session') {
      const s = sql.get<{ key: string }>('SELECT key FROM sessions WHERE id = ?', k);
      r = { key: s?.key ?? `#${k}`, label: null };
    } else {
      const item = sql.get<{ code: string; title: string }>(
        `SELECT code, title FROM ${table[view as 'task' | 'sprint' | 'project']} WHERE id = ?`,
        k,
      );
      r = { key: item?.code ?? `#${k}`, label: item?.title ?? null };
    }
    codes.set(id, r);
    return r;
  };
  const rowKey = (key: string, actor: string | null) => `${key}\u0000${actor ?? ''}`;
  const found = pricedBy(app, groups, (g) => rowKey(keyOf(g.k).key, g.a));
  const seen = new Set<string>();
  // The cost of no tokens, asked once: each ask of the pricing checks the prices file.
  let none: Priced['cost'] | undefined;
  for (const row of rows) {
    // Rows carry their actor in views by session too; tokens are split by actor only per_actor.
    const k = rowKey(row.key, perActor && view !== 'actor' ? row.actor : null);
    const g = found.get(k);
    seen.add(k);
    row.tokens = g ? g.tokens : { ...NO_TOKENS };
    row.cost = g ? g.cost : { ...(none ??= app.pricing.cost([])), unpriced_models: [] };
  }
  for (const g of groups) {
    const { key, label } = keyOf(g.k);
    const k = rowKey(key, g.a);
    if (seen.has(k)) continue;
    seen.add(k);
    const p = found.get(k)!;
    rows.push({
      key,
      label: view === 'model' ? 'tokens only: time is not cut by model' : label,
      actor: view === 'actor' ? key : g.a,
      seconds: 0,
      intervals: 0,
      tokens: p.tokens,
      cost: p.cost,
    });
  }
  if (calendar) rows.sort((a, b) => a.key.localeCompare(b.key) || (a.actor ?? '').localeCompare(b.actor ?? ''));
  else if (view === 'model')
    rows.sort(
      (a, b) => Number(b.cost?.exact_usd ?? -1) - Number(a.cost?.exact_usd ?? -1) || a.key.localeCompare(b.key),
    );
  return total;
}

export function report(call: Call, p: ParsedParamsOf<'report'>): ReportResult {
  const { sql } = call.app;
  const by: ReportBy = p?.by ?? 'day';
  const tz = p?.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimeZone(tz))
    throw badParam(`unknown time zone ${tz}`, { hint: 'use an IANA name such as Europe/Berlin or America/New_York' });
  const range = resolveRange(call, p?.since, p?.until, tz);
  let sessionId: number | null = null;
  if (p?.session) {
    sessionId = sql.value<number>('SELECT id FROM sessions WHERE key = ?', p.session) ?? null;
    if (sessionId == null)
      throw new FragError(ErrorCode.NotFound, `no session ${p.session}`, {
        error: 'not_found',
        hint: `list sessions with: ${fragctl('session', 'list')}`,
      });
  }
  const filters = resolveFilters(call, p);
  const f: Filter = {
    where: filterSql(filters),
    from: range.from,
    to: range.to,
    now: call.now,
    actor: p?.actor ?? null,
    session: sessionId,
    floor: 0,
    maxSpan: maxSpanBefore(sql, call.now),
  };
  f.floor = f.from - f.maxSpan;
  const perActor = p?.per_actor ?? false;
  const detail = p?.intervals ?? false;
  const { rows, intervals, totalMs } =
    by === 'model'
      ? { rows: [] as ReportRow[], intervals: 0, totalMs: 0 }
      : SEGMENT_VIEWS.has(by) || detail
        ? segmentReport(call, by, f, tz, perActor, detail)
        : by === 'day'
          ? byDay(call, f, tz, perActor)
          : grouped(call, by as SqlBy, f, perActor);
  if (by === 'task' && detail) for (const row of rows) Object.assign(row, estimateOf(call, row.key, f.now));
  const counts = { intervals, ...who(call, f) };
  // By model, time is the report's total (not cut by model): the rows carry tokens alone.
  const time = by === 'model' ? grouped(call, 'actor', f, false) : null;
  const { tokens, cost } = tokensOf(call, by, f, tz, rows, perActor);
  return {
    by,
    tz,
    since: range.sinceKey,
    until: range.untilKey,
    range: { from: iso(range.from), to: iso(range.to) },
    actor: f.actor,
    filters: filters.applied,
    per_actor: perActor,
    rows,
    total_seconds: Math.round((time ? time.totalMs : totalMs) / 1000),
    tokens,
    cost,
    prices: call.app.pricing.about(),
    counts: time ? { ...counts, intervals: time.intervals } : counts,
  };
}

/** A task row's estimate against all its tracked time (any range). */
function estimateOf(call: Call, code: string, now: number): Partial<ReportRow> {
  const t = call.app.sql.get<{ id: number; estimate_minutes: number | null }>(
    'SELECT id, estimate_minutes FROM tasks WHERE code = ?',
    code,
  );
  if (!t) return {};
  const total = Math.round(taskTrackedMs(call, t.id, now) / 1000);
  const est = t.estimate_minutes;
  return {
    estimate_minutes: est,
    total_seconds: total,
    variance_percent: est ? Math.round(((total / 60 - est) / est) * 1000) / 10 : null,
  };
}

/**
 * All tracked time on a task and its subtasks, across sessions and actors; open intervals
 * up to now. With team sync, the other machines' time on it too (as of the last progress
 * pull), so estimates and completion checks see the whole team's work, not this machine's.
 */
export function taskTrackedMs(call: Call, taskId: number, now: number): number {
  const elsewhere = taskMsElsewhere(call.app.sql, taskId).reduce((sum, m) => sum + m.ms, 0);
  return taskMs(call.app.sql, taskId, now) + elsewhere;
}

/**
 * The one estimate check every answer about a stopped or completed task carries. The
 * arithmetic is the validation gate's (estimateVariance), so the checklist warning, the
 * check and the instruction always show the same numbers. A task still in progress needs
 * a new estimate only when it ran over; a completed one also when it came in far under
 * (the estimate was wrong either way, and the record calibrates the next ones). Null when
 * the task has no (positive) estimate.
 */
export function estimateCheck(call: Call, taskId: number, completed = false): EstimateCheck | null {
  const t = call.app.sql.get<{ code: string; estimate_minutes: number | null }>(
    'SELECT code, estimate_minutes FROM tasks WHERE id = ?',
    taskId,
  );
  if (!t || t.estimate_minutes == null) return null;
  const v = estimateVariance(t.estimate_minutes, taskTrackedMs(call, taskId, call.now));
  if (v.variance_percent == null) return null;
  const threshold = call.app.config.estimate_variance_percent;
  return {
    task: t.code,
    estimate_minutes: t.estimate_minutes,
    actual_minutes: v.actual_minutes,
    variance_percent: v.variance_percent,
    // Decided on the rounded figure the answer shows, so "+25%, beyond the 25% threshold" cannot happen.
    needs_new_estimate: completed ? Math.abs(v.variance_percent) > threshold : v.variance_percent > threshold,
    threshold_percent: threshold,
  };
}

/**
 * The new total estimate to offer: for a finished task what it really took (whole
 * minutes, at least 1); for one still open, the time spent plus half of it again, in
 * whole quarter hours.
 */
export const suggestedEstimate = (c: EstimateCheck, completed: boolean): number =>
  completed ? Math.max(1, Math.round(c.actual_minutes)) : Math.max(15, Math.ceil((c.actual_minutes * 1.5) / 15) * 15);

/**
 * The sentence (and, for a task still open, the command) an answer carries when a task is
 * off its estimate. A completed task keeps its planned estimate: the time spent is already
 * recorded beside it, and replacing the plan with the actual (a 75-minute task finished in
 * a minute → --estimate 1) would erase what calibrates the next estimates.
 */
export function estimateInstruction(c: EstimateCheck, completed = false): { action: string; command: string | null } {
  const sign = c.variance_percent > 0 ? '+' : '';
  const off = `${c.task} took ${c.actual_minutes} min against an estimate of ${c.estimate_minutes} min (${sign}${c.variance_percent}%, beyond the ${c.threshold_percent}% threshold)`;
  if (completed) {
    return {
      action: `${off}: the planned estimate stays on record beside the actual; estimate similar tasks with this in mind.`,
      command: null,
    };
  }
  const command = fragctl('task', 'edit', c.task, '--estimate', suggestedEstimate(c, completed));
  return { action: `${off}: give it a new estimate (total minutes), e.g. ${command}`, command };
}

/** Puts the estimate instruction of every check that needs one first in the instructions. */
export function withEstimateInstructions(
  i: Instructions,
  checks: (EstimateCheck | null)[],
  completed: boolean,
): Instructions {
  const due = checks
    .filter((c): c is EstimateCheck => !!c?.needs_new_estimate)
    .map((c) => estimateInstruction(c, completed));
  if (!due.length) return i;
  return {
    ...i,
    next_actions: [...due.map((d) => d.action), ...i.next_actions],
    suggested_commands: [...due.flatMap((d) => (d.command ? [d.command] : [])), ...i.suggested_commands],
  };
}

/** Live time of the active task: in this session since it was pushed, and in total. */
export function activeTaskElapsed(call: Call, sessionId: number, taskId: number | null, code: string | null) {
  if (taskId == null || code == null) return null;
  const session = sessionTaskMs(call.app.sql, sessionId, taskId, call.now, false);
  return {
    code,
    session_seconds: Math.floor(session / 1000),
    total_seconds: Math.floor(taskTrackedMs(call, taskId, call.now) / 1000),
    estimate_minutes:
      call.app.sql.value<number | null>('SELECT estimate_minutes FROM tasks WHERE id = ?', taskId) ?? null,
  };
}

/**
 * Adds the estimate check to an answer about a task that just stopped or completed; over
 * the variance threshold the instructions ask for a new estimate with the exact command.
 */
export function withEstimateCheck<R extends { instructions: Instructions }>(
  call: Call,
  taskId: number,
  result: R,
  completed = false,
): R & { estimate_check: EstimateCheck | null } {
  const check = estimateCheck(call, taskId, completed);
  return {
    ...result,
    estimate_check: check,
    instructions: withEstimateInstructions(result.instructions, [check], completed),
  };
}
