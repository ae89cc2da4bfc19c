/// <reference lib="dom" />
// The dashboard page (docs/dashboard.md). Every number comes from a protocol method through
// the daemon's dispatcher (POST /dashboard/rpc), the same answers fragctl prints; the event
// stream (/dashboard/events) says when something changed, and the views read again.
// No inline script or style: the Content-Security-Policy is default-src 'self'.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { fragctl } from '../../shared/command.js';
import type { ResultOf, MethodName, ParamsOf } from '../../shared/protocol/methods.js';
import { bars, emptyNote } from './bars.js';
import { clock, cost, dayTime, duration, exact, minutes, shortDay, tokenCount, tokens } from './format.js';
import {
  DEFAULT_PRESET,
  PRESETS,
  choiceFromQuery,
  queryFromChoice,
  resolveRange,
  type Preset,
  type RangeChoice,
} from './range.js';

let nextId = 1;

// The session's page key: handed over once in the login's URL fragment (never sent to a
// server), kept in this origin's localStorage, which, unlike the cookie, other ports of
// 127.0.0.1 cannot read; every call and the event stream present it.
const KEY_ITEM = 'fragd_dashboard_key';
function pageKey(): string {
  const m = /^#key=([\w-]+)$/.exec(location.hash);
  if (m) {
    localStorage.setItem(KEY_ITEM, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem(KEY_ITEM) ?? '';
}
const KEY = pageKey();

class RpcError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function rpc<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  const res = await fetch('/dashboard/rpc', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Fragd-Dashboard': KEY },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  // Without this session's page key (a tab opened from a bookmark, another browser profile).
  if (res.status === 403) throw new RpcError(await res.text(), 'open the dashboard with fragctl open');
  if (res.status === 401) {
    location.assign('/dashboard/');
    throw new RpcError('not logged in', 'run fragctl open');
  }
  const answer = (await res.json()) as {
    result?: ResultOf<M>;
    error?: { message: string; data?: { hint?: string } & Record<string, unknown> };
  };
  if (answer.error) throw new RpcError(answer.error.message, answer.error.data?.hint, answer.error.data);
  return answer.result!;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const dayKey = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;

function cell(text: string, attrs: Record<string, string> = {}): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  for (const [k, v] of Object.entries(attrs)) td.setAttribute(k, v);
  return td;
}
function fill(tableId: string, rows: HTMLTableCellElement[][], empty = 'nothing yet'): void {
  const body = $<HTMLTableElement>(tableId).tBodies[0];
  body.replaceChildren(
    ...(rows.length ? rows : [[cell(empty)]]).map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}
/** Seconds to the second in a table (rows add up to the total); the number in data-seconds for readers and tests. */
const secondsCell = (s: number) => cell(exact(s), { 'data-seconds': String(s) });
/** A table's footer: its total, as the daemon summed it. */
function total(tableId: string, label: string, seconds: number, span: number): void {
  const foot = $<HTMLTableElement>(tableId).tFoot!;
  const tr = document.createElement('tr');
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = label;
  tr.append(th, secondsCell(seconds));
  for (let i = 2; i < span; i++) tr.append(cell(''));
  foot.replaceChildren(tr);
}
const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// ---- Now: open sessions ------------------------------------------------------------------

let sessions: ResultOf<'session.list'>['sessions'] = [];
// Any actor but the person is an agent (as actors.list and the report filters count them).
const isAgent = (s: (typeof sessions)[number]) => s.actor !== 'human';

async function renderNow(): Promise<void> {
  const [active, paused] = await Promise.all([
    rpc('session.list', { status: 'active', limit: 200 }),
    rpc('session.list', { status: 'paused', limit: 200 }),
  ]);
  sessions = [...active.sessions, ...paused.sessions];
  fill(
    'now-table',
    sessions.map((s) => [
      cell(s.actor),
      cell(s.key),
      cell(s.status + (s.pause_reason ? ` (${s.pause_reason})` : ''), { 'data-status': s.status }),
      cell(s.active.task ?? s.active.sprint ?? s.active.project ?? '—'),
      secondsCell(s.active_seconds),
      cell(clock(s.last_activity_at)),
    ]),
    'no open session',
  );
}

// ---- At a glance: today, this week, the active task, who works now -----------------------

function spendLine(r: { tokens: ResultOf<'report'>['tokens']; cost: ResultOf<'report'>['cost'] }): string {
  return tokenCount(r.tokens) ? `${tokens(r.tokens)} tokens · ${cost(r.cost)}` : 'no agent tokens';
}

/** The session whose task the header shows: the person's, else the agent most recently active on one. */
function focusSession() {
  const active = sessions.filter((s) => s.status === 'active');
  return (
    active.find((s) => s.actor === 'human' && s.active.task) ??
    active.filter((s) => s.active.task).sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at))[0]
  );
}

/**
 * The history's suggestion for a task without an estimate: read once a minute per task and
 * actor, not on every burst of events (it looks over the completed tasks).
 */
const suggestions = new Map<string, { at: number; answer: ResultOf<'estimate.suggest'> }>();
async function suggestionFor(code: string, actor: string): Promise<ResultOf<'estimate.suggest'>> {
  const key = `${code}\u0000${actor}`;
  const known = suggestions.get(key);
  if (known && Date.now() - known.at < 60_000) return known.answer;
  const answer = await rpc('estimate.suggest', { code, actor });
  suggestions.set(key, { at: Date.now(), answer });
  return answer;
}

async function renderSummary(): Promise<void> {
  const week = resolveRange({ preset: 'this-week' }, today);
  const [day, wk] = await Promise.all([
    rpc('report', { by: 'day', tz, since: today, until: today }),
    week.ok ? rpc('report', { by: 'day', tz, since: week.since, until: week.until }) : null,
  ]);
  const big = (id: string, seconds: number) => {
    $(id).textContent = duration(seconds);
    $(id).dataset.seconds = String(seconds);
  };
  big('today-total', day.total_seconds);
  $('today-spend').textContent = spendLine(day);
  if (wk) {
    big('week-total', wk.total_seconds);
    $('week-spend').textContent = `${shortDay(wk.since)} – ${shortDay(wk.until)} · ${spendLine(wk)}`;
  }
  const focus = focusSession();
  const meter = $('task-meter');
  if (!focus?.active.task) {
    $('task-now').textContent = 'none';
    $('task-now').removeAttribute('data-key');
    $('task-estimate').textContent =
      'Activate a task (below, or fragctl task activate CODE) and its time, estimate and budget show here.';
    $('task-budget').textContent = '';
    meter.hidden = true;
    return;
  }
  const code = focus.active.task;
  const t = await rpc('task.show', { code, updates_limit: 1 });
  $('task-now').textContent = `${code} ${t.task.title}`;
  $('task-now').dataset.key = code;
  $('task-now').title = `${code} ${t.task.title} (${focus.actor}, ${focus.key})`;
  const spent = t.spend.seconds;
  if (t.task.estimate_minutes != null && t.task.estimate_minutes > 0) {
    const pct = Math.round((spent / (t.task.estimate_minutes * 60)) * 100);
    $('task-estimate').textContent =
      `${duration(spent)} of ${minutes(t.task.estimate_minutes)} estimated (${pct}%) · ${focus.actor}`;
    meter.hidden = false;
    meter.classList.toggle('over', pct > 100);
    (meter.firstElementChild as HTMLElement).style.width = `${Math.min(100, pct)}%`;
  } else {
    meter.hidden = true;
    const s = await suggestionFor(code, focus.actor);
    $('task-estimate').textContent =
      `${duration(spent)} so far · no estimate` +
      (s.suggestion ? `; history suggests ${minutes(s.suggestion.minutes)} (${s.suggestion.basis})` : '') +
      ` · ${focus.actor}`;
  }
  $('task-budget').textContent = t.budget
    ? `budget: ${t.budget.line}`
    : tokenCount(t.spend.tokens)
      ? `${tokens(t.spend.tokens)} tokens · ${cost(t.spend.cost)} · no budget`
      : 'no budget';
}

function renderWho(): void {
  const open = [...sessions].sort((a, b) => (a.status === b.status ? 0 : a.status === 'active' ? -1 : 1));
  const items = open.map((s) => {
    const li = document.createElement('li');
    li.dataset.status = s.status;
    li.dataset.actor = s.actor;
    const dot = document.createElement('span');
    dot.className = `dot ${s.status}`;
    const what = s.active.task ?? s.active.sprint ?? s.active.project;
    li.append(
      dot,
      document.createTextNode(
        `${s.actor}${isAgent(s) ? ' (agent)' : ''} · ${s.status === 'active' ? (what ? `on ${what}` : 'no task') : `paused${s.pause_reason ? ` (${s.pause_reason})` : ''}`} · ${duration(s.active_seconds)}`,
      ),
    );
    return li;
  });
  fillList('who', items, 'Nobody: no session is open. Start one below or with fragctl session start.');
}

/** Shows a list's items, or one sentence saying what will appear there. */
function fillList(id: string, items: HTMLLIElement[], empty: string): void {
  if (!items.length) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = empty;
    items.push(li);
  }
  $(id).replaceChildren(...items);
}

// ---- Work: the person's actions, through the same methods and gates as fragctl -------------

/** The person's open session: the active one, else the paused one offered back. */
const mine = () => sessions.find((s) => s.actor === 'human' && s.status === 'active');
const myPaused = () => sessions.find((s) => s.actor === 'human' && s.status === 'paused');

async function renderWork(): Promise<void> {
  const s = mine();
  const paused = myPaused();
  $('act-session').textContent = s
    ? `Your session ${s.key}${s.active.task ? `, on ${s.active.task}` : ', no task active'}. Updates and the summary go through the same gates as fragctl's.`
    : paused
      ? `Your session ${paused.key} is paused${paused.pause_reason ? ` (${paused.pause_reason})` : ''}: resume it, or start another.`
      : 'You have no session open: start one to track your time.';
  $('act-start').hidden = !!s;
  const resume = $<HTMLButtonElement>('act-resume');
  resume.hidden = !!s || !paused;
  if (paused) resume.textContent = `Resume ${paused.key}`;
  const list = await rpc('task.list', { limit: 500 });
  const open = list.tasks.filter((t) => t.status !== 'completed' && t.status !== 'cancelled');
  const select = $<HTMLSelectElement>('act-task');
  const keep = select.value;
  select.replaceChildren(
    ...open.map((t) => {
      const o = new Option(`${t.code} ${t.title}${t.claim ? ` (${t.claim.actor})` : ''}`, t.code);
      o.title = `${t.code} ${t.title}`;
      return o;
    }),
  );
  if (keep && open.some((t) => t.code === keep)) select.value = keep;
  else if (s?.active.task && open.some((t) => t.code === s.active.task)) select.value = s.active.task;
  const noTask = !s?.active.task;
  for (const id of ['act-update', 'act-complete']) {
    for (const el of $<HTMLFormElement>(id).elements) (el as HTMLInputElement).disabled = noTask;
  }
  $<HTMLFormElement>('act-activate').querySelector('button')!.disabled = !s || !open.length;
  $('act-complete').querySelector('button')!.textContent = s?.active.task
    ? `Complete ${s.active.task}`
    : 'Complete task';
}

/** Runs an action; its answer's first next action, or the refusal with what to do, shows below. */
async function act(what: string, run: () => Promise<{ instructions?: { next_actions: string[] } }>): Promise<void> {
  const out = $('act-result');
  const missing = $('act-missing');
  missing.replaceChildren();
  try {
    const r = await run();
    out.className = 'ok';
    out.textContent = `${what}${r.instructions?.next_actions[0] ? `. ${r.instructions.next_actions[0]}` : ''}`;
  } catch (err) {
    const e = err as RpcError;
    out.className = 'error';
    out.textContent = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    const needed = e.data.required_actions;
    if (Array.isArray(needed))
      missing.replaceChildren(
        ...needed.map((n) => {
          const li = document.createElement('li');
          li.textContent = String(n);
          return li;
        }),
      );
  }
  await refresh();
}

function wireWork(): void {
  $('act-start').addEventListener(
    'click',
    () =>
      void act('Session started', async () => {
        const r = await rpc('session.start', {});
        return { instructions: { next_actions: [`${r.session.key} is yours.`, ...r.instructions.next_actions] } };
      }),
  );
  $('act-resume').addEventListener('click', () => void act('Session resumed', () => rpc('session.resume', {})));
  $<HTMLFormElement>('act-activate').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = $<HTMLSelectElement>('act-task').value;
    void act(`${code} is active`, () => rpc('task.activate', { code }));
  });
  $<HTMLFormElement>('act-update').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>('act-message');
    void act('Update posted', async () => {
      const r = await rpc('activity.update', { message: input.value });
      input.value = '';
      return r;
    });
  });
  $<HTMLFormElement>('act-complete').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = mine()?.active.task;
    const summary = $<HTMLTextAreaElement>('act-summary');
    if (!code) return;
    void act(`${code} completed`, async () => {
      const r = await rpc('task.complete', { code, summary: summary.value });
      summary.value = '';
      return r;
    });
  });
}

// ---- Today: a timeline per actor ----------------------------------------------------------

/** The daemon's today (its clock, the reader's zone): the year and the reports end there. */
let today = dayKey(new Date());

async function renderToday(): Promise<void> {
  const day = await rpc('time.day', { tz });
  today = day.date;
  const from = Date.parse(day.range.from);
  const span = Date.parse(day.range.to) - from;
  const pct = (iso: string) => ((Date.parse(iso) - from) / span) * 100;
  const chart = $('today-chart');
  const axis = document.createElement('div');
  axis.className = 'axis';
  // The hours in the same clock format as every time on the page (the reader's locale).
  for (let h = 0; h < 24; h += 3) {
    const t = document.createElement('span');
    t.textContent = clock(from + h * 3_600_000);
    t.style.left = `${(h / 24) * 100}%`;
    axis.append(t);
  }
  // A stretch that lasted no time is not work to show.
  const actors = day.actors
    .map((a) => ({ ...a, segments: a.segments.filter((s) => Date.parse(s.to) > Date.parse(s.from)) }))
    .filter((a) => a.segments.length);
  if (!actors.length) {
    chart.replaceChildren(
      emptyNote(
        'Nobody has tracked time today yet. Once a session runs, each person and agent gets a line here: active, paused, idle and waiting stretches through the day.',
      ),
    );
    fill('today-table', [], 'no time tracked today');
    return;
  }
  const rows = actors.map((a) => {
    const row = document.createElement('div');
    row.className = 'row';
    const name = document.createElement('span');
    name.textContent = `${a.actor}${a.kind === 'agent' ? ' (agent)' : ''}`;
    const track = document.createElement('div');
    track.className = 'track';
    for (const s of a.segments) {
      const seg = document.createElement('div');
      seg.className = `seg ${s.state}`;
      seg.style.left = `${pct(s.from)}%`;
      seg.style.width = `${Math.max(0.2, pct(s.to) - pct(s.from))}%`;
      seg.title = `${s.state} ${clock(s.from)}–${clock(s.to)} (${duration((Date.parse(s.to) - Date.parse(s.from)) / 1000)})${s.task ? ` ${s.task}` : ''}`;
      track.append(seg);
    }
    row.append(name, track);
    return row;
  });
  chart.replaceChildren(...rows, axis);
  fill(
    'today-table',
    actors.flatMap((a) =>
      a.segments.map((s) => [
        cell(a.actor),
        cell(clock(s.from)),
        cell(clock(s.to)),
        cell(s.state, { 'data-state': s.state }),
        cell(s.task ?? '—'),
      ]),
    ),
    'no time tracked today',
  );
}

// ---- The range of the ranged views (client/dashboard/range.ts) -------------------------------

/** The choice in the URL (or the one last shown when the URL's could not be). */
let choice: RangeChoice = { preset: DEFAULT_PRESET };
/** The days the ranged views show; each render checks it is still the one it was asked for. */
let shown = { since: '', until: '' };

/** The days of the current choice, counted from the daemon's today (a new object when they change). */
function currentRange(): typeof shown {
  const r = resolveRange(choice, today);
  // choice only ever holds a choice that resolved (choiceFromUrl, applyChoice); named ones always do.
  if (r.ok && (r.since !== shown.since || r.until !== shown.until)) shown = { since: r.since, until: r.until };
  return shown;
}

function rangeError(message: string | null, field?: 'from' | 'to'): void {
  const error = $('range-error');
  error.textContent = message ?? '';
  error.hidden = message === null;
  for (const f of ['from', 'to'] as const) {
    const input = $<HTMLInputElement>(`range-${f}`);
    if (message !== null && f === field) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

/** The controls show a choice. */
function showChoice(c: RangeChoice): void {
  $<HTMLSelectElement>('range-preset').value = c.preset;
  $('range-custom').hidden = c.preset !== 'custom';
  if (c.preset === 'custom') {
    $<HTMLInputElement>('range-from').value = c.from ?? '';
    $<HTMLInputElement>('range-to').value = c.to ?? '';
  }
}

/** The choice the URL holds; one that cannot be shown is said on the page, and the default shown meanwhile. */
function choiceFromUrl(): void {
  const c = choiceFromQuery(location.search);
  if ('unknown' in c) {
    rangeError(`There is no range "${c.unknown}" (the link's range=…); showing the last 7 days.`);
    choice = { preset: DEFAULT_PRESET };
    showChoice(choice);
    return;
  }
  showChoice(c);
  const r = resolveRange(c, today);
  if (r.ok) {
    rangeError(null);
    choice = c;
  } else {
    rangeError(`${r.message} Showing the last 7 days meanwhile.`, r.field);
    choice = { preset: DEFAULT_PRESET };
  }
}

/** What the controls say now. */
function choiceFromForm(): RangeChoice {
  const preset = $<HTMLSelectElement>('range-preset').value as Preset;
  if (!(PRESETS as readonly string[]).includes(preset)) return { preset: DEFAULT_PRESET };
  if (preset !== 'custom') return { preset };
  return { preset, from: $<HTMLInputElement>('range-from').value, to: $<HTMLInputElement>('range-to').value };
}

/** Shows the controls' choice: refused with the reason, or put in the URL (a history step) and read. */
async function applyChoice(): Promise<void> {
  const c = choiceFromForm();
  const r = resolveRange(c, today);
  if (!r.ok) {
    rangeError(r.message, r.field);
    return;
  }
  rangeError(null);
  choice = c;
  const url = `${location.pathname}${queryFromChoice(c)}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.pushState(null, '', url);
  await renderRanged();
}

/** The views that follow the range, read again for it (the team's on its own: a remote store can be slow). */
async function renderRanged(): Promise<void> {
  const r = currentRange();
  if (teamOn) teamSoon().catch(report);
  await Promise.all([renderTasks(), renderActors()]);
  rangeShown(r);
}

/**
 * Says which days the ranged views show, and marks the page (data-range) once this
 * machine's ranged views show them: unless another choice came meanwhile.
 */
function rangeShown(r: typeof shown): void {
  if (r !== shown) return;
  const option = [...$<HTMLSelectElement>('range-preset').options].find((o) => o.value === choice.preset);
  const name = choice.preset === 'custom' ? '' : `${option?.text ?? ''}, `;
  $('range-note').textContent =
    `Tasks, sprints, people and agents, and the team's time: ${name}${r.since} to ${r.until} ` +
    `(as ${fragctl('report', '--since', r.since, '--until', r.until)}). Now, Today, the days, the burndown and the intervals do not follow it.`;
  document.body.dataset.range = `${r.since}/${r.until}`;
}

// ---- The year: a heatmap of days ----------------------------------------------------------

async function renderYear(): Promise<void> {
  // Calendar arithmetic at noon UTC: no day is skipped or doubled by a DST switch.
  const last = new Date(`${today}T12:00:00Z`);
  const yearAgo = new Date(last);
  yearAgo.setUTCDate(yearAgo.getUTCDate() - 364);
  const key0 = (d: Date) => d.toISOString().slice(0, 10);
  const r = await rpc('report', { by: 'day', since: key0(yearAgo), until: today, tz });
  const worked = r.rows.filter((row) => row.seconds > 0);
  fill(
    'year-table',
    worked.map((row) => [cell(row.key), secondsCell(row.seconds)]),
    'no time tracked this year',
  );
  const chart = $('year-chart');
  if (!worked.length) {
    chart.replaceChildren(
      emptyNote(
        'No day has tracked time yet. Each day you work gets a square here, darker for more time, over a year.',
      ),
    );
    $('year-note').textContent = 'Up to the last 53 weeks, whatever the range above.';
    return;
  }
  // From the first week with time (at least 13 weeks back), so a young history is not a wide empty box.
  const first = new Date(`${worked[0].key}T12:00:00Z`);
  const thirteen = new Date(last);
  thirteen.setUTCDate(thirteen.getUTCDate() - 7 * 13 + 1);
  const start = first < thirteen ? first : thirteen;
  start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7)); // whole weeks, Monday first
  const byDay = new Map(worked.map((row) => [row.key, row.seconds]));
  const max = Math.max(1, ...byDay.values());
  const cells: HTMLElement[] = [];
  const months: HTMLElement[] = [];
  let week = 0;
  for (const d = new Date(start); d <= last; d.setUTCDate(d.getUTCDate() + 1)) {
    const key = key0(d);
    const s = byDay.get(key) ?? 0;
    const div = document.createElement('div');
    const level = s === 0 ? 0 : Math.min(4, 1 + Math.floor((s / max) * 4));
    div.className = `day l${level}`;
    div.title = `${shortDay(key)}: ${s ? duration(s) : 'no time'}`;
    div.style.gridRow = String(((d.getUTCDay() + 6) % 7) + 2);
    div.style.gridColumn = String(week + 1);
    cells.push(div);
    if (d.getUTCDate() === 1 || (week === 0 && d.getUTCDay() === 1 && d.getUTCDate() < 22)) {
      const m = document.createElement('span');
      m.className = 'month';
      m.textContent = new Intl.DateTimeFormat(undefined, { month: 'short' }).format(d);
      m.style.gridColumn = `${week + 1} / span 4`;
      months.push(m);
    }
    if (d.getUTCDay() === 0) week += 1;
  }
  const grid = document.createElement('div');
  grid.className = 'heat';
  grid.append(...months, ...cells);
  const scale = document.createElement('p');
  scale.className = 'legend';
  scale.append('less ');
  for (let l = 0; l <= 4; l++) {
    const sw = document.createElement('span');
    sw.className = `sw day l${l}`;
    scale.append(sw);
  }
  scale.append(' more');
  chart.replaceChildren(grid, scale);
  $('year-note').textContent =
    `${worked.length} day${worked.length === 1 ? '' : 's'} with tracked time since ${shortDay(worked[0].key)}: ${duration(worked.reduce((n, row) => n + row.seconds, 0))} in all. Whatever the range above.`;
}

// ---- Tasks and sprints: estimate against actual -------------------------------------------

const charts = new Map<string, uPlot>();
const fromZero = (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max * 1.1)];

async function renderTasks(): Promise<void> {
  const range = currentRange();
  const { since, until } = range;
  const [tasks, sprints] = await Promise.all([
    rpc('report', { by: 'task', tz, since, until }),
    rpc('report', { by: 'sprint', tz, since, until }),
  ]);
  if (range !== shown) return; // another range was chosen meanwhile: its read fills the tables
  $('tasks-range').textContent =
    `Time in range: ${tasks.since} to ${tasks.until} (as ${fragctl('report', '--by', 'task', '--since', since, '--until', until)}); all time and estimates over every day.`;
  const rows = tasks.rows.filter((r) => r.key !== '(none)');
  fill(
    'tasks-table',
    tasks.rows.map((r) => [
      cell(r.key, { 'data-key': r.key }),
      secondsCell(r.seconds),
      r.total_seconds != null ? secondsCell(r.total_seconds) : cell('—'),
      cell(r.estimate_minutes != null ? `${r.estimate_minutes}m` : '—', {
        'data-minutes': String(r.estimate_minutes ?? ''),
      }),
      cell(r.variance_percent != null ? `${r.variance_percent > 0 ? '+' : ''}${r.variance_percent}%` : '—'),
    ]),
    'no task time in range',
  );
  total('tasks-table', 'Total in range', tasks.total_seconds, 5);
  fill(
    'sprints-table',
    sprints.rows.map((r) => [cell(r.key, { 'data-key': r.key }), secondsCell(r.seconds)]),
    'no sprint time in range',
  );
  total('sprints-table', 'Total in range', sprints.total_seconds, 2);
  bars(
    $('tasks-chart'),
    [
      { label: 'actual (all time)', cls: 's-active' },
      { label: 'estimate', cls: 's-estimate' },
    ],
    rows.map((r) => {
      const actual = r.total_seconds ?? r.seconds;
      return {
        label: r.key,
        title: `${r.key}${r.label ? ` ${r.label}` : ''}: ${duration(actual)} tracked in all${r.estimate_minutes != null ? ` against ${minutes(r.estimate_minutes)}` : ', no estimate'}`,
        values: [actual / 60, r.estimate_minutes ?? 0],
        texts: [
          duration(actual),
          r.estimate_minutes != null
            ? `${minutes(r.estimate_minutes)}${r.variance_percent != null ? ` (${r.variance_percent > 0 ? '+' : ''}${r.variance_percent}%)` : ''}`
            : 'no estimate',
        ],
      };
    }),
    `No task has tracked time from ${since} to ${until}. When someone works on a task (fragctl task activate CODE), its time appears here beside its estimate.`,
  );
}

// ---- Sprint burndown ----------------------------------------------------------------------

async function renderBurndown(): Promise<void> {
  const select = $<HTMLSelectElement>('burndown-sprint');
  if (!select.options.length) {
    const list = await rpc('sprint.list', {});
    const all = (list as { sprints: { code: string; status: string }[] }).sprints;
    for (const s of [...all.filter((s) => s.status === 'active'), ...all.filter((s) => s.status !== 'active')]) {
      select.append(new Option(`${s.code} (${s.status})`, s.code));
    }
    select.addEventListener('change', () => void renderBurndown().catch(report));
  }
  const el = $('burndown-chart');
  if (!select.value) {
    charts.get('burndown-chart')?.destroy();
    $('burndown-note').textContent = '';
    el.replaceChildren(
      emptyNote(
        'No sprint yet. Create one (fragctl sprint create CODE TITLE) and give its tasks estimates: its burndown, the estimates still open each day against the ideal line, appears here.',
      ),
    );
    return;
  }
  const b = await rpc('sprint.burndown', { sprint: select.value, tz });
  $('burndown-note').textContent =
    `${b.title}: ${minutes(b.total_estimate_minutes)} estimated` +
    (b.unestimated.length ? `; without an estimate: ${b.unestimated.join(', ')}` : '');
  fill(
    'burndown-table',
    b.days.map((d) => [
      cell(d.date),
      cell(String(d.remaining_minutes)),
      cell(String(d.ideal_minutes)),
      cell(String(d.spent_minutes)),
    ]),
  );
  charts.get('burndown-chart')?.destroy();
  charts.delete('burndown-chart');
  if (b.total_estimate_minutes === 0 || b.days.length < 2) {
    el.replaceChildren(
      emptyNote(
        b.total_estimate_minutes === 0
          ? `${b.sprint} has no estimated task yet. Give its tasks estimates (fragctl task edit CODE --estimate 60): the estimates still open each day will burn down here against the ideal line.`
          : `${b.sprint} started today. From its second day on, the estimates still open each day burn down here against the ideal line.`,
      ),
    );
    return;
  }
  el.replaceChildren();
  const xs = b.days.map((_d, i) => i);
  charts.set(
    'burndown-chart',
    new uPlot(
      {
        width: Math.max(260, el.clientWidth || 600),
        height: 220,
        scales: { x: { time: false }, y: { range: fromZero } },
        axes: [
          {
            stroke: css('--fg'),
            // A label every few days so they never run together.
            splits: () => xs.filter((i) => i % Math.max(1, Math.ceil(xs.length / 8)) === 0),
            values: (_u, t) => t.map((i) => (b.days[i] ? shortDay(b.days[i].date) : '')),
            grid: { show: false },
          },
          {
            stroke: css('--fg'),
            grid: { stroke: css('--line') },
            label: 'minutes',
            values: (_u, t) => t.map((v) => minutes(Math.round(v))),
            size: 60,
          },
        ],
        // A plain legend of what each line is (no "Value: --" before the cursor moves).
        legend: { live: false },
        series: [
          { label: 'day' },
          { label: 'estimates still open', stroke: css('--crash'), width: 2 },
          { label: 'ideal', stroke: css('--idle'), dash: [6, 4] },
          { label: 'time spent', stroke: css('--active') },
        ],
      },
      [
        xs,
        b.days.map((d) => d.remaining_minutes),
        b.days.map((d) => d.ideal_minutes),
        b.days.map((d) => d.spent_minutes),
      ],
      el,
    ),
  );
}

// ---- People and agents --------------------------------------------------------------------

async function renderActors(): Promise<void> {
  const range = currentRange();
  const r = await rpc('actors.list', { tz, since: range.since, until: range.until });
  if (range !== shown) return; // another range was chosen meanwhile: its read fills the table
  $('actors-range').textContent =
    `${range.since} to ${range.until} (as ${fragctl('actors', '--since', range.since, '--until', range.until)}): ${duration(r.total_seconds)}${tokenCount(r.tokens) ? `, ${tokens(r.tokens)} tokens, ${cost(r.cost)}` : ''}.`;
  // Who worked in the range: time or tokens in it (an open session without either is in Now).
  const rows = r.actors.filter((a) => a.seconds > 0 || tokenCount(a.tokens) > 0);
  fill(
    'actors-table',
    rows.map((a) => [
      cell(a.actor, { 'data-key': a.actor }),
      cell(a.kind === 'agent' ? 'agent' : 'person'),
      secondsCell(a.seconds),
      cell(String(a.sessions)),
      cell(tokenCount(a.tokens) ? tokens(a.tokens) : '—', { 'data-tokens': String(tokenCount(a.tokens)) }),
      cell(tokenCount(a.tokens) ? cost(a.cost) : '—'),
      cell(dayTime(a.last_seen), { 'data-at': a.last_seen }),
      cell(a.now ? `${a.now.status}${a.now.task ? ` on ${a.now.task}` : ''}` : '—'),
    ]),
    'no time in range',
  );
  total('actors-table', 'Total in range', r.total_seconds, 8);
  bars(
    $('actors-chart'),
    [{ label: 'time in range', cls: 's-active' }],
    rows.map((a) => ({
      label: `${a.actor}${a.kind === 'agent' ? ' (agent)' : ''}`,
      title: `${a.actor}, ${a.kind === 'agent' ? 'an agent' : 'a person'}: ${duration(a.seconds)} in ${a.sessions} session${a.sessions === 1 ? '' : 's'}${tokenCount(a.tokens) ? `, ${tokens(a.tokens)} tokens (${cost(a.cost)})` : ''}; last seen ${dayTime(a.last_seen)}`,
      values: [a.seconds],
      texts: [
        `${duration(a.seconds)} · ${a.sessions} session${a.sessions === 1 ? '' : 's'}${tokenCount(a.tokens) ? ` · ${tokens(a.tokens)} tokens · ${cost(a.cost)}` : ''}`,
      ],
    })),
    `Nobody tracked time from ${range.since} to ${range.until}. Each person and agent who works in the range appears here with their time, sessions, tokens and cost.`,
  );
}

/** The interval list's actors: everyone with a session (not only the range's). */
async function renderActorChoice(): Promise<void> {
  const all = await rpc('session.list', { limit: 1000 });
  const actorSelect = $<HTMLSelectElement>('intervals-actor');
  const names = [...new Set(all.sessions.map((s) => s.actor))].sort();
  const keep = actorSelect.value;
  actorSelect.replaceChildren(...names.map((n) => new Option(n, n)));
  if (keep && names.includes(keep)) actorSelect.value = keep;
}

/** The newest messages between actors (docs/claims.md): a read that marks nothing read. */
async function renderMessages(): Promise<void> {
  const { messages } = await rpc('message.list', { limit: 20 });
  fill(
    'messages-table',
    messages.map((m) => [
      cell(clock(m.sent_at)),
      cell(m.from.actor),
      cell(m.recipient === m.to ? m.to : `${m.recipient ?? ''} (${m.to})`),
      cell(
        `${m.kind === 'handoff' ? `handoff of ${m.task ?? ''}: ` : ''}${m.text.length > 200 ? `${m.text.slice(0, 199)}…` : m.text}`,
      ),
      cell(m.acknowledged_at ? 'acknowledged' : m.read_at ? `read (${m.read_via ?? ''})` : 'unread'),
    ]),
    'no messages',
  );
}

// ---- Team: the other machines, read from the team store (sync on only) -----------------

/** Whether sync.status said enabled at the last look; the team section and its polling follow it. */
let teamOn = false;
/**
 * sync.status said sync is off. Turning it on needs a daemon restart, which ends this
 * page's login, so the answer holds for the page's life: it is not asked again.
 */
let teamOff = false;
let teamBusy: Promise<void> | null = null;

/** A term and its value in the sync state list; the value's field name in data-field for readers and tests. */
function stateItem(term: string, field: string, value: string, attrs: Record<string, string> = {}): HTMLElement[] {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dd.dataset.field = field;
  for (const [k, v] of Object.entries(attrs)) dd.setAttribute(k, v);
  return [dt, dd];
}

const whenOrNever = (iso: string | null | undefined) => (iso ? dayTime(iso) : 'never');

function renderSyncState(s: ResultOf<'sync.status'>): void {
  const age = s.oldest_unpushed_age_seconds;
  $('team-state').replaceChildren(
    ...stateItem('Team', 'team', s.team ?? ''),
    ...stateItem('This machine', 'machine', s.machine ?? ''),
    ...stateItem('Team store', 'connected', s.connected ? 'connected' : 'not connected', {
      'data-connected': String(!!s.connected),
    }),
    ...stateItem('Queue', 'queue', `${s.queue} change${s.queue === 1 ? '' : 's'} to push`, {
      'data-count': String(s.queue),
    }),
    ...stateItem('Oldest unpushed', 'oldest', age == null ? '—' : `${age.toFixed(1)} s old`),
    ...stateItem('Last push', 'last-push', whenOrNever(s.last_push_at)),
    ...stateItem('Last pull', 'last-pull', whenOrNever(s.last_pull_at)),
    // As fragctl sync status says them: a task this machine holds that another has too.
    ...(s.claim_conflicts?.length
      ? stateItem(
          'Claims in question',
          'conflicts',
          s.claim_conflicts
            .map((c) =>
              c.taken_over
                ? `taken over: ${c.task} was taken by ${c.holder_actor} on ${c.holder_machine}; the session here that still has it should let go (${fragctl('task', 'deactivate')})`
                : `conflict: ${c.task} is held here and by ${c.holder_actor} on ${c.holder_machine}; one of them must let go`,
            )
            .join('; '),
        )
      : []),
    // Redacted by the daemon: no password reaches the page.
    ...stateItem(
      'Last error',
      'last-error',
      s.last_error ? `${s.last_error.message} (${whenOrNever(s.last_error.at)}, ${s.failures ?? 0} in a row)` : '—',
    ),
  );
}

/** The team store's answers: time by the chosen grouping, the machines, the claims. */
async function renderTeamData(): Promise<void> {
  const by = $<HTMLSelectElement>('team-by').value as 'person' | 'machine' | 'actor' | 'task';
  const range = currentRange();
  const { since, until } = range;
  const code = teamTaskCode();
  const [r, claims, task] = await Promise.all([
    rpc('team.report', { by, tz, since, until }),
    rpc('team.claims', {}),
    code ? rpc('task.show', { code, updates_limit: TEAM_TASK_UPDATES }) : null,
  ]);
  // Another range was chosen meanwhile: the read it started (teamSoon reads once more) fills the section.
  if (range !== shown) return;
  $('team-range').textContent =
    `Team ${r.team}, ${r.since} to ${r.until} (as ${fragctl('report', '--team', '--by', r.by, '--since', since, '--until', until)}): ${duration(r.total_seconds)} in all.`;
  $('team-key-h').textContent = by[0].toUpperCase() + by.slice(1);
  fill(
    'team-table',
    r.rows.map((row) => [
      cell(row.key, { 'data-key': row.key }),
      secondsCell(row.seconds),
      cell(String(row.intervals)),
      cell(String(row.machines)),
      cell(String(row.actors)),
      ...spendCells(row),
    ]),
    'no team time in range',
  );
  // The agents' tokens and their cost, as the team report sums and prices them (exactly underneath).
  const spend = $('team-spend');
  spend.textContent = tokenCount(r.tokens)
    ? `The team's agents: ${tokens(r.tokens)} tokens, ${cost(r.cost)}${r.cost.exact_usd ? ` (exactly $${r.cost.exact_usd})` : ''}, at the prices of ${r.prices.date} on this machine.`
    : 'No agent tokens in range on any machine.';
  spend.dataset.tokens = String(tokenCount(r.tokens));
  spend.dataset.exactUsd = r.cost.exact_usd ?? '';
  spend.dataset.unpriced = String(r.cost.unpriced_tokens);
  renderTeamTask(task);
  bars(
    $('team-chart'),
    [{ label: `time by ${by}`, cls: 's-estimate' }],
    r.rows.map((row) => ({
      label: row.key,
      title: `${row.key}: ${duration(row.seconds)}`,
      values: [row.seconds],
      texts: [duration(row.seconds)],
    })),
    `The team has no tracked time from ${since} to ${until}. Time any machine of the team tracks in the range appears here.`,
  );
  fill(
    'team-machines',
    r.machines.map((m) => [
      cell(m.machine + (m.machine === claims.machine ? ' (this machine)' : ''), { 'data-key': m.machine }),
      cell(whenOrNever(m.last_push_at), { 'data-at': m.last_push_at ?? '' }),
      cell(whenOrNever(m.last_pull_at), { 'data-at': m.last_pull_at ?? '' }),
    ]),
    'no machine has pushed yet',
  );
  fill(
    'team-claims',
    claims.claims.map((c) => [
      cell(c.task, { 'data-key': c.task }),
      cell(c.machine + (c.mine ? ' (this machine)' : ''), { 'data-machine': c.machine }),
      cell(c.actor),
      cell(c.session ?? '—'),
      cell(dayTime(c.since), { 'data-at': c.since }),
    ]),
    'no task is claimed on any machine',
  );
  $('team').dataset.range = `${since}/${until}`;
}

/** The task whose other machines' work the team section shows: the one in focus, else the person's paused one. */
const teamTaskCode = (): string | null => focusSession()?.active.task ?? myPaused()?.active.task ?? null;
const TEAM_TASK_UPDATES = 5;

/** A team row's tokens and cost cells; the exact figures in data-tokens and data-exact-usd. */
function spendCells(row: ResultOf<'team.report'>['rows'][number]): HTMLTableCellElement[] {
  const n = tokenCount(row.tokens);
  return [
    cell(n ? tokens(row.tokens) : '—', { 'data-tokens': String(n) }),
    cell(n ? cost(row.cost) : '—', {
      'data-exact-usd': row.cost.exact_usd ?? '',
      'data-unpriced': String(row.cost.unpriced_tokens),
    }),
  ];
}

/**
 * The other machines on the task in focus, as task show reads them from the team store:
 * their time on it and its subtasks, and their latest updates and notes.
 */
function renderTeamTask(t: ResultOf<'task.show'> | null): void {
  const box = $('team-task');
  box.hidden = !t;
  if (!t) return;
  box.dataset.key = t.task.code;
  box.dataset.fresh = String(t.team_fresh);
  $('team-task-h').textContent = `${t.task.code} on the other machines`;
  const time = $('team-task-time');
  time.textContent =
    (t.time_elsewhere.length
      ? `Time there: ${t.time_elsewhere.map((m) => `${m.machine} ${duration(m.seconds)}`).join(', ')}.`
      : 'No time on it on another machine.') +
    (t.team_fresh ? '' : ' (As of the last pull: the team store did not answer just now.)');
  time.dataset.elsewhere = JSON.stringify(Object.fromEntries(t.time_elsewhere.map((m) => [m.machine, m.seconds])));
  const items = t.updates_elsewhere.map((u) => {
    const li = document.createElement('li');
    li.dataset.machine = u.machine;
    li.dataset.at = u.at;
    li.dataset.kind = u.kind;
    li.textContent = `${dayTime(u.at)} · ${u.machine}${u.person ? ` (${u.person})` : ''} · ${u.kind}: ${u.message ?? ''}`;
    return li;
  });
  fillList('team-task-updates', items, 'No update or note on it from another machine.');
}

/**
 * The team section: shown only when sync is on (then the team store is asked; with sync
 * off it is not). When the store does not answer, the section says so and why; the rest of
 * the page is not held up by it.
 */
async function renderTeam(): Promise<void> {
  if (teamOff) return;
  const s = await rpc('sync.status', {});
  teamOn = s.enabled;
  teamOff = !s.enabled;
  $('team').hidden = !s.enabled;
  $('team-link').hidden = !s.enabled;
  if (!s.enabled) return;
  renderSyncState(s);
  const error = $('team-error');
  try {
    await renderTeamData();
    error.hidden = true;
    error.textContent = '';
    $('team-data').hidden = false;
    $('team').dataset.state = 'ok';
  } catch (err) {
    const e = err as RpcError;
    error.textContent = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    error.hidden = false;
    // Numbers the store can no longer vouch for are not left standing as if current.
    $('team-data').hidden = true;
    $('team').dataset.state = 'unavailable';
  }
  $('team').dataset.updated = new Date().toISOString();
}

let teamAgain = false;
/**
 * One team read at a time: a reason to read (an event, a poll, the select) that comes while
 * one is running makes one more read after it, not one per reason.
 */
function teamSoon(): Promise<void> {
  if (teamBusy) {
    teamAgain = true;
    return teamBusy;
  }
  teamBusy = (async () => {
    do {
      teamAgain = false;
      await renderTeam();
    } while (teamAgain);
  })().finally(() => (teamBusy = null));
  return teamBusy;
}

/**
 * Other machines' changes arrive by pull and make no event here: while the page is
 * visible and sync is on, the team section reads again every few seconds.
 */
const TEAM_POLL_MS = 5000;
function pollTeam(): void {
  window.setInterval(() => {
    if (teamOn && document.visibilityState === 'visible') teamSoon().catch(report);
  }, TEAM_POLL_MS);
  document.addEventListener('visibilitychange', () => {
    if (teamOn && document.visibilityState === 'visible') teamSoon().catch(report);
  });
}

// ---- Intervals and corrections ------------------------------------------------------------

type Call = (method: string, params: Record<string, unknown>) => Promise<unknown>;
/** The correction methods come with issue 13; called by name so the page builds either way. */
const call = rpc as unknown as Call;

interface IntervalRow {
  ref: string;
  id: number;
  start: string;
  end: string | null;
  seconds: number;
  task: string | null;
  annotation: string | null;
}

async function renderIntervals(): Promise<void> {
  const actor = $<HTMLSelectElement>('intervals-actor').value || undefined;
  let list: { intervals: IntervalRow[]; matched: number };
  try {
    list = (await call('interval.list', { actor, limit: 200 })) as typeof list;
  } catch (err) {
    $('intervals-note').textContent = (err as Error).message;
    return;
  }
  // An interval that lasted no time (a switch within the same instant) is not work: not listed as such.
  const work = list.intervals.filter((iv) => iv.seconds > 0 || iv.end === null);
  const hidden = list.intervals.length - work.length;
  $('intervals-note').textContent =
    `${list.matched} intervals; the newest ${Math.min(50, work.length)} with time shown` +
    (hidden ? ` (${hidden} of no length left out; they can still be corrected below)` : '') +
    '. Corrections go through the same methods as fragctl interval.';
  fill(
    'intervals-table',
    work
      .slice(0, 50)
      .map((iv) => [
        cell(`#${iv.id}`, { 'data-id': String(iv.id) }),
        cell(dayTime(iv.start)),
        cell(iv.end ? dayTime(iv.end) : 'running'),
        secondsCell(iv.seconds),
        cell(iv.task ?? 'no task'),
        cell(iv.annotation ?? ''),
      ]),
    'No interval yet: each stretch of work on a task is listed here, newest first, and can be corrected.',
  );
  const select = $<HTMLSelectElement>('correct-ref');
  const keep = select.value;
  select.replaceChildren(
    ...list.intervals.map(
      (iv) =>
        new Option(`#${iv.id} ${dayTime(iv.start)} ${iv.task ?? 'no task'} (${duration(iv.seconds)})`, `#${iv.id}`),
    ),
  );
  if (keep) select.value = keep;
}

/** A datetime-local value (the reader's local time) as an instant with its offset. */
const instant = (v: string) => (v ? new Date(v).toISOString() : undefined);

async function correct(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const out = $('correct-result');
  const actor = $<HTMLSelectElement>('intervals-actor').value || undefined;
  const ref = $<HTMLSelectElement>('correct-ref').value;
  const verb = $<HTMLSelectElement>('correct-verb').value;
  const value = (id: string) => $<HTMLInputElement>(id).value;
  const params: Record<string, unknown> = { actor, ref };
  if (verb === 'edit')
    Object.assign(params, { start: instant(value('correct-start')), end: instant(value('correct-end')) });
  if (verb === 'split') params.at = instant(value('correct-at'));
  if (verb === 'annotate') params.text = value('correct-text');
  try {
    await call(`interval.${verb}`, params);
    out.className = '';
    out.textContent = `${verb}: done`;
  } catch (err) {
    out.className = 'error';
    const e = err as RpcError;
    out.textContent = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  }
  await refresh();
}

// ---- Live ---------------------------------------------------------------------------------

function report(err: unknown): void {
  const live = $('live');
  live.textContent = `error: ${(err as Error).message}`;
  live.className = '';
}

async function refresh(): Promise<void> {
  // First the daemon's today: the named ranges count from it.
  await renderToday();
  const range = currentRange();
  // The team section reads a remote store (a connection can take seconds to fail): it
  // renders on its own, and this machine's views do not wait for it.
  teamSoon().catch(report);
  await Promise.all([renderActors(), renderActorChoice()]);
  // Messages render on their own: a failure there leaves the range's views alone.
  renderMessages().catch(report);
  await Promise.all([renderNow(), renderTasks(), renderIntervals()]);
  renderWho();
  await Promise.all([renderSummary(), renderWork()]);
  rangeShown(range);
}

let pending: number | undefined;
/** Many events arrive in one burst (a switch is several); one read after the burst. */
function soon(): void {
  if (pending !== undefined) return;
  pending = window.setTimeout(() => {
    pending = undefined;
    refresh()
      .then(() => {
        $('live').dataset.updated = new Date().toISOString();
      })
      .catch(report);
  }, 100);
}

/** The newest events, shown as they arrive (text only: nothing from the stream becomes markup). */
function feed(e: { type: string; session: string | null; at: string; data: Record<string, unknown> }): void {
  const list = $('feed');
  const li = document.createElement('li');
  const what = e.type === 'activity.logged' ? String(e.data.kind) : e.type;
  const message = typeof e.data.message === 'string' ? `: ${e.data.message}` : '';
  li.textContent = `${clock(e.at)} ${e.session ?? ''} ${what}${message}`;
  li.dataset.type = e.type;
  list.querySelector('li.empty')?.remove();
  list.prepend(li);
  while (list.children.length > 10) list.lastElementChild!.remove();
}

function connect(): void {
  const events = new EventSource(`/dashboard/events?key=${encodeURIComponent(KEY)}`);
  const live = $('live');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'on';
    soon();
  });
  events.addEventListener('fragd', (ev: MessageEvent<string>) => {
    feed(JSON.parse(ev.data) as { type: string; session: string | null; at: string; data: Record<string, unknown> });
    soon();
  });
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = '';
  });
}

async function start(): Promise<void> {
  $<HTMLFormElement>('correct').addEventListener('submit', (ev) => void correct(ev));
  wireWork();
  $('intervals-actor').addEventListener('change', () => void renderIntervals().catch(report));
  $('team-by').addEventListener('change', () => void teamSoon().catch(report));
  const rangeForm = $<HTMLFormElement>('range');
  rangeForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    applyChoice().catch(report);
  });
  // A named range shows at once; "From … to …" waits for its days and Show (or Enter).
  $('range-preset').addEventListener('change', () => {
    const custom = $<HTMLSelectElement>('range-preset').value === 'custom';
    $('range-custom').hidden = !custom;
    if (custom) {
      rangeError(null);
      // Start from the days shown, so a small change is a small edit.
      const from = $<HTMLInputElement>('range-from');
      const to = $<HTMLInputElement>('range-to');
      if (!from.value && !to.value) {
        from.value = shown.since;
        to.value = shown.until;
      }
    } else applyChoice().catch(report);
  });
  // Back and forward step through the choices made on the page.
  window.addEventListener('popstate', () => {
    choiceFromUrl();
    renderRanged().catch(report);
  });
  // A named range needs no today to be valid, and a custom one is checked on its own days.
  choiceFromUrl();
  await refresh();
  await Promise.all([renderYear(), renderBurndown()]);
  document.body.dataset.ready = 'true';
  connect();
  pollTeam();
  // Canvas charts take their colours when drawn: a switch to dark or light draws them again.
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  document.body.dataset.scheme = scheme.matches ? 'dark' : 'light';
  // The burndown is a canvas drawn to its card's width: drawn again when the width changes.
  let resized: number | undefined;
  window.addEventListener('resize', () => {
    window.clearTimeout(resized);
    resized = window.setTimeout(() => void renderBurndown().catch(report), 150);
  });
  scheme.addEventListener('change', () => {
    Promise.all([renderBurndown(), teamOn ? teamSoon() : undefined])
      .then(() => (document.body.dataset.scheme = scheme.matches ? 'dark' : 'light'))
      .catch(report);
  });
}

start().catch(report);
