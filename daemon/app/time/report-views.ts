// The views of a report that cut intervals into parts (docs/corrections.md, "Report
// views"): by week and month (at local boundaries), by branch (from git and agent records), by file,
// language and editor (from heartbeats, WakaTime-like), and any grouping with the
// intervals under each row. Intervals stay the only measure of time: every view divides
// the same clipped intervals, so each view's total is the report's total.
import type { ReportBy, ReportDetail, ReportRow } from '../../../shared/protocol/time.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { App, Call } from '../app.js';
import { daysBetween, type Day } from './timeline.js';

export interface SegmentFilter {
  /** The filters' SQL condition (filters.ts), or ''. */
  where: string;
  from: number;
  to: number;
  now: number;
  actor: string | null;
  session: number | null;
  /** No interval overlapping [from, to) started before this (reports.ts Filter.floor). */
  floor: number;
}

/** Views only this module answers; the others it answers when the detail is asked for. */
export const SEGMENT_VIEWS: ReadonlySet<ReportBy> = new Set(['week', 'month', 'branch', 'file', 'language', 'editor']);

/**
 * How long a heartbeat speaks for its file when no other beat follows: WakaTime's
 * "keystroke timeout". Time in an interval that no beat speaks for is "(no heartbeat)".
 */
export const HEARTBEAT_SPAN_MS = 15 * 60_000;

interface Clipped {
  id: number;
  actor: string;
  session_id: number;
  task_id: number | null;
  sprint_id: number | null;
  project_id: number | null;
  s: number;
  e: number;
}

interface Segment {
  key: string;
  iv: Clipped;
  s: number;
  e: number;
}

/** A stretch of time a record speaks for: a file from a heartbeat, a branch from a checkout. */
interface Mark {
  actor: string;
  at: number;
  end: number;
  key: string;
}

let extToLanguage: Map<string, string> | null = null;

/**
 * Linguist's own list of popular languages (lib/linguist/popular.yml), which it ranks first
 * where extensions are shared: .rs is Rust before RenderScript, .h is C before Objective-C.
 */
const POPULAR = new Set([
  'C',
  'C#',
  'C++',
  'CoffeeScript',
  'CSS',
  'Dart',
  'DM',
  'Elixir',
  'Go',
  'Groovy',
  'HTML',
  'Java',
  'JavaScript',
  'Kotlin',
  'Objective-C',
  'Perl',
  'PHP',
  'PowerShell',
  'Python',
  'Ruby',
  'Rust',
  'Scala',
  'Shell',
  'Swift',
  'TypeScript',
]);

/**
 * Loads the extension → language table (GitHub Linguist's data) once, before the first
 * report by language; popular languages, then programming languages, win where extensions are shared.
 */
export async function loadLanguages(): Promise<void> {
  if (extToLanguage) return;
  const langs = Object.values(await import('linguist-languages')) as {
    name: string;
    type: string;
    extensions?: string[];
    filenames?: string[];
  }[];
  const map = new Map<string, string>();
  const rank = (l: { name: string; type: string }) =>
    POPULAR.has(l.name) ? 0 : l.type === 'programming' ? 1 : l.type === 'markup' ? 2 : l.type === 'prose' ? 3 : 4;
  for (const l of [...langs].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))) {
    for (const x of l.extensions ?? []) if (!map.has(x.toLowerCase())) map.set(x.toLowerCase(), l.name);
    for (const f of l.filenames ?? []) if (!map.has(f)) map.set(f, l.name);
  }
  extToLanguage = map;
}

export function languageOf(file: string | null): string | null {
  if (!file || !extToLanguage) return null;
  const base = file.split(/[\\/]/).pop() ?? file;
  if (extToLanguage.has(base)) return extToLanguage.get(base)!;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? (extToLanguage.get(base.slice(dot).toLowerCase()) ?? null) : null;
}

function clippedIntervals(sql: Sql, f: SegmentFilter): Clipped[] {
  return sql.all<Clipped>(
    `SELECT id, actor, session_id, task_id, sprint_id, project_id, max(started_at, ?1) AS s,
            min(coalesce(ended_at, max(?3, started_at)), ?2) AS e
       FROM intervals
      WHERE started_at < ?2 AND started_at >= ?6 AND coalesce(ended_at, max(?3, started_at)) > ?1
        AND coalesce(ended_at, max(?3, started_at)) > started_at
        AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR session_id = ?5)${f.where}
      ORDER BY actor, started_at`,
    f.from,
    f.to,
    f.now,
    f.actor,
    f.session,
    f.floor,
  );
}

/** Heartbeats as marks: each speaks for its file until the next beat, at most HEARTBEAT_SPAN_MS past its last. */
function heartbeatMarks(sql: Sql, f: SegmentFilter, by: 'file' | 'language' | 'editor'): Mark[] {
  const beats = sql.all<{
    actor: string;
    at: number;
    last: number | null;
    file: string | null;
    editor: string | null;
    language: string | null;
  }>(
    `SELECT s.actor AS actor, a.at AS at, json_extract(a.data, '$.last_at') AS last,
            json_extract(a.data, '$.file') AS file, json_extract(a.data, '$.editor') AS editor,
            json_extract(a.data, '$.language') AS language
       FROM activities a JOIN sessions s ON s.id = a.session_id
      WHERE a.kind = 'heartbeat' AND a.at < ?2 AND coalesce(json_extract(a.data, '$.last_at'), a.at) >= ?1 - ?4
        AND (?3 IS NULL OR s.actor = ?3) AND (?5 IS NULL OR s.id = ?5)
      ORDER BY s.actor, a.at, a.id`,
    f.from,
    f.to,
    f.actor,
    HEARTBEAT_SPAN_MS,
    f.session,
  );
  const keyOf = (b: (typeof beats)[number]) =>
    (by === 'file' ? b.file : by === 'editor' ? b.editor : (b.language ?? languageOf(b.file))) ?? '(unknown)';
  return beats.map((b, i) => {
    const next = beats[i + 1];
    const limit = Math.max(b.last ?? b.at, b.at) + HEARTBEAT_SPAN_MS;
    const end = next && next.actor === b.actor ? Math.min(next.at, limit) : limit;
    return { actor: b.actor, at: b.at, end, key: keyOf(b) };
  });
}

/**
 * Git and agent records as marks: the branch a record names holds until the actor's next
 * record. Git hooks record commits, checkouts, merges and rewrites; coding agents' hook
 * events carry the repository and branch they ran in (docs/agents.md).
 */
function branchMarks(sql: Sql, f: SegmentFilter): Mark[] {
  const events = sql.all<{ actor: string; at: number; branch: string | null }>(
    `SELECT s.actor AS actor, a.at AS at, json_extract(a.data, '$.branch') AS branch
       FROM activities a JOIN sessions s ON s.id = a.session_id
      WHERE (a.kind IN ('git.commit', 'git.checkout', 'git.merge', 'git.rewrite')
             OR (a.kind LIKE 'agent.%' AND json_extract(a.data, '$.repo') IS NOT NULL)) AND a.at < ?1
        AND (?2 IS NULL OR s.actor = ?2) AND (?3 IS NULL OR s.id = ?3)
      ORDER BY s.actor, a.at, a.id`,
    f.to,
    f.actor,
    f.session,
  );
  return events.map((e, i) => {
    const next = events[i + 1];
    return {
      actor: e.actor,
      at: e.at,
      end: next && next.actor === e.actor ? next.at : Number.MAX_SAFE_INTEGER,
      key: e.branch ?? '(detached HEAD)',
    };
  });
}

export const NO_GIT_RECORD = '(no git record)';

/**
 * The branch an actor was on at a moment, by the same records that cut time by branch
 * (branchMarks): what puts an agent's tokens, each at its message's time, on a branch.
 */
export function branchAt(sql: Sql, f: SegmentFilter): (actor: string, at: number) => string {
  const perActor = new Map<string, Mark[]>();
  for (const m of branchMarks(sql, f)) {
    let l = perActor.get(m.actor);
    if (!l) perActor.set(m.actor, (l = []));
    if (m.end > m.at) l.push(m);
  }
  return (actor, at) => {
    const list = perActor.get(actor) ?? [];
    // The last record at or before the moment (marks are sorted by time).
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].at <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && list[found].end > at ? list[found].key : NO_GIT_RECORD;
  };
}

/** Cuts each interval by the marks of its actor (both sorted by actor, then time). */
function byMarks(ivs: Clipped[], marks: Mark[], none: string): Segment[] {
  const out: Segment[] = [];
  const perActor = new Map<string, Mark[]>();
  for (const m of marks) {
    let l = perActor.get(m.actor);
    if (!l) perActor.set(m.actor, (l = []));
    if (m.end > m.at) l.push(m);
  }
  const cursor = new Map<string, number>();
  for (const iv of ivs) {
    const list = perActor.get(iv.actor) ?? [];
    let j = cursor.get(iv.actor) ?? 0;
    while (j < list.length && list[j].end <= iv.s) j++;
    cursor.set(iv.actor, j);
    let t = iv.s;
    for (let k = j; k < list.length && list[k].at < iv.e; k++) {
      const s = Math.max(t, list[k].at);
      const e = Math.min(iv.e, list[k].end);
      if (s > t) out.push({ key: none, iv, s: t, e: s });
      if (e > s) out.push({ key: list[k].key, iv, s, e });
      t = Math.max(t, e);
    }
    if (t < iv.e) out.push({ key: none, iv, s: t, e: iv.e });
  }
  return out;
}

/** ISO week of a local day: 2026-03-29 → 2026-W13. */
export function isoWeek(dayKey: string): string {
  const [y, m, d] = dayKey.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function byCalendar(ivs: Clipped[], days: readonly Day[], keyOf: (day: string) => string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  for (const iv of [...ivs].sort((a, b) => a.s - b.s)) {
    while (i > 0 && days[i].start > iv.s) i--;
    while (i < days.length - 1 && days[i].end <= iv.s) i++;
    for (let k = i; k < days.length && days[k].start < iv.e; k++) {
      const s = Math.max(iv.s, days[k].start);
      const e = Math.min(iv.e, days[k].end);
      if (e > s) out.push({ key: keyOf(days[k].key), iv, s, e });
    }
  }
  return out;
}

function codes(sql: Sql, table: 'tasks' | 'sprints' | 'projects') {
  const cache = new Map<number, { code: string; title: string } | undefined>();
  return (id: number | null) => {
    if (id == null) return undefined;
    if (!cache.has(id))
      cache.set(id, sql.get<{ code: string; title: string }>(`SELECT code, title FROM ${table} WHERE id = ?`, id));
    return cache.get(id);
  };
}

export interface SegmentReport {
  rows: ReportRow[];
  intervals: number;
  totalMs: number;
}

/** Rows of any view, cut from the clipped intervals; with `detail`, each row lists its parts. */
export function segmentReport(
  call: Call,
  by: ReportBy,
  f: SegmentFilter,
  tz: string,
  perActor: boolean,
  detail: boolean,
): SegmentReport {
  const { sql } = call.app;
  const ivs = clippedIntervals(sql, f);
  const task = codes(sql, 'tasks');
  const sprint = codes(sql, 'sprints');
  const project = codes(sql, 'projects');
  const labels = new Map<string, string | null>();
  let segs: Segment[];
  switch (by) {
    case 'day':
    case 'week':
    case 'month': {
      const days = daysBetween(f.from, f.to, tz);
      const keyOf = by === 'day' ? (d: string) => d : by === 'week' ? isoWeek : (d: string) => d.slice(0, 7);
      for (const d of days) {
        const k = keyOf(d.key);
        const first = labels.get(k);
        labels.set(k, first ? `${first.slice(0, 10)} – ${d.key}` : d.key);
      }
      segs = byCalendar(ivs, days, keyOf);
      break;
    }
    case 'task':
    case 'sprint':
    case 'project': {
      const look = by === 'task' ? task : by === 'sprint' ? sprint : project;
      segs = ivs.map((iv) => {
        const item = look(iv[`${by}_id`]);
        const key = item?.code ?? (iv[`${by}_id`] == null ? '(none)' : `#${iv[`${by}_id`]}`);
        labels.set(key, item?.title ?? (key === '(none)' ? `no ${by} on the stack` : null));
        return { key, iv, s: iv.s, e: iv.e };
      });
      break;
    }
    case 'actor':
      segs = ivs.map((iv) => ({ key: iv.actor, iv, s: iv.s, e: iv.e }));
      break;
    case 'session': {
      const keys = new Map<number, string>();
      segs = ivs.map((iv) => {
        if (!keys.has(iv.session_id))
          keys.set(
            iv.session_id,
            sql.value<string>('SELECT key FROM sessions WHERE id = ?', iv.session_id) ?? `#${iv.session_id}`,
          );
        return { key: keys.get(iv.session_id)!, iv, s: iv.s, e: iv.e };
      });
      break;
    }
    case 'branch':
      segs = byMarks(ivs, branchMarks(sql, f), NO_GIT_RECORD);
      break;
    case 'file':
    case 'language':
    case 'editor':
      segs = byMarks(ivs, heartbeatMarks(sql, f, by), '(no heartbeat)');
      break;
    case 'model':
      // Time is not cut by model (reports.ts answers this view from tokens alone).
      segs = [];
      break;
  }
  const groups = new Map<
    string,
    { key: string; actor: string | null; ms: number; ids: Set<number>; parts: Segment[] }
  >();
  for (const sg of segs) {
    const actor = perActor && by !== 'actor' ? sg.iv.actor : by === 'actor' ? sg.key : null;
    const gk = `${sg.key}\u0000${actor ?? ''}`;
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { key: sg.key, actor, ms: 0, ids: new Set(), parts: [] }));
    g.ms += sg.e - sg.s;
    g.ids.add(sg.iv.id);
    if (detail) {
      const last = g.parts[g.parts.length - 1];
      // Consecutive parts of one interval in one row are one entry.
      if (last && last.iv.id === sg.iv.id && last.e === sg.s) last.e = sg.e;
      else g.parts.push({ ...sg });
    }
  }
  const calendar = by === 'day' || by === 'week' || by === 'month';
  const rows = [...groups.values()]
    .filter((g) => g.ms > 0)
    .map((g): ReportRow => {
      const row: ReportRow = {
        key: g.key,
        label: labels.get(g.key) ?? null,
        actor: g.actor,
        seconds: Math.round(g.ms / 1000),
        intervals: g.ids.size,
      };
      if (detail)
        row.detail = g.parts.map((p): ReportDetail => ({
          id: p.iv.id,
          actor: p.iv.actor,
          task: task(p.iv.task_id)?.code ?? null,
          start: iso(p.s),
          end: iso(p.e),
          seconds: Math.round((p.e - p.s) / 1000),
        }));
      return row;
    })
    .sort((a, b) =>
      calendar
        ? a.key.localeCompare(b.key) || (a.actor ?? '').localeCompare(b.actor ?? '')
        : b.seconds - a.seconds || a.key.localeCompare(b.key),
    );
  return { rows, intervals: ivs.length, totalMs: ivs.reduce((a, iv) => a + iv.e - iv.s, 0) };
}

/** Before a report by language, the language table is loaded (asynchronously, once). */
export const reportPreparers = {
  report: async (_app: App, p: { by?: ReportBy } | undefined) => {
    if (p?.by === 'language') await loadLanguages();
  },
};
