// The dashboard's date range (docs/dashboard.md): which local days the ranged views (tasks,
// sprints, people and agents, the team's time) cover. A choice is a named range ("this
// week") or two days; it lives in the page's query string, so a link or a reload keeps it
// and the browser's back and forward step through the choices. Named ranges are kept by
// name, not as days: a link to "this week" still means this week next week.
// Pure day arithmetic on YYYY-MM-DD keys, at noon UTC so no DST switch skips or doubles a
// day; "today" is the daemon's local day in the reader's zone (time.day), as the rest of
// the page counts it. No DOM here: unit-tested (test/unit/dashboard-range.test.ts).

export const PRESETS = [
  'last-7-days',
  'this-week',
  'last-week',
  'this-month',
  'last-month',
  'last-30-days',
  'custom',
] as const;
export type Preset = (typeof PRESETS)[number];

/** What the page showed before there was a choice, and shows without one: report's default. */
export const DEFAULT_PRESET: Preset = 'last-7-days';

export interface RangeChoice {
  preset: Preset;
  /** Custom only: the first and last local day, as typed (checked by resolveRange). */
  from?: string;
  to?: string;
}

/** The days (the page names a named range by its option's text). */
export type ResolvedRange =
  { ok: true; since: string; until: string } | { ok: false; message: string; field?: 'from' | 'to' };

const DAY_MS = 86_400_000;
const noon = (key: string) => Date.parse(`${key}T12:00:00Z`);
const keyOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (key: string, n: number) => keyOf(noon(key) + n * DAY_MS);

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(noon(value)) && keyOf(noon(value)) === value;
}

/** Monday of the ISO week holding the day (fragctl report --by week counts ISO weeks too). */
function monday(key: string): string {
  const weekday = (new Date(noon(key)).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(key, -weekday);
}

/** The local days a choice covers, counted from today; or why it cannot be shown. */
export function resolveRange(choice: RangeChoice, today: string): ResolvedRange {
  const named = (since: string, until: string): ResolvedRange => ({ ok: true, since, until });
  switch (choice.preset) {
    case 'last-7-days':
      return named(addDays(today, -6), today);
    case 'last-30-days':
      return named(addDays(today, -29), today);
    case 'this-week':
      return named(monday(today), today);
    case 'last-week': {
      const thisMonday = monday(today);
      return named(addDays(thisMonday, -7), addDays(thisMonday, -1));
    }
    case 'this-month':
      return named(`${today.slice(0, 8)}01`, today);
    case 'last-month': {
      const lastDay = addDays(`${today.slice(0, 8)}01`, -1);
      return named(`${lastDay.slice(0, 8)}01`, lastDay);
    }
    case 'custom': {
      const { from = '', to = '' } = choice;
      if (!from) return { ok: false, field: 'from', message: 'Choose the first day of the range ("From").' };
      if (!isDay(from))
        return { ok: false, field: 'from', message: `"From" ${from} is not a calendar date (YYYY-MM-DD).` };
      if (!to) return { ok: false, field: 'to', message: 'Choose the last day of the range ("To").' };
      if (!isDay(to)) return { ok: false, field: 'to', message: `"To" ${to} is not a calendar date (YYYY-MM-DD).` };
      if (from > to)
        return {
          ok: false,
          field: 'from',
          message: `The range starts on ${from}, after it ends on ${to}: choose a "From" day on or before the "To" day (or swap them).`,
        };
      return named(from, to);
    }
  }
}

/** The choice a query string holds (?range=last-week, ?range=custom&from=…&to=…); none → the default. */
export function choiceFromQuery(search: string): RangeChoice | { unknown: string } {
  const q = new URLSearchParams(search);
  const name = q.get('range');
  if (name === null || name === '') return { preset: DEFAULT_PRESET };
  if (!(PRESETS as readonly string[]).includes(name)) return { unknown: name };
  const preset = name as Preset;
  if (preset !== 'custom') return { preset };
  return { preset, from: q.get('from') ?? '', to: q.get('to') ?? '' };
}

/** The query string for a choice: empty for the default, so the plain page URL stays plain. */
export function queryFromChoice(choice: RangeChoice): string {
  if (choice.preset === DEFAULT_PRESET) return '';
  const q = new URLSearchParams({ range: choice.preset });
  if (choice.preset === 'custom') {
    q.set('from', choice.from ?? '');
    q.set('to', choice.to ?? '');
  }
  return `?${q.toString()}`;
}
