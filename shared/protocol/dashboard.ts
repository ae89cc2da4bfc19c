// The local dashboard (docs/dashboard.md): its login, and the read views that no other
// method gives (a day's timeline per actor, a sprint's burndown). The page reads everything
// else through the same methods as the CLI (report, session.list, intervals.*).
import { z } from 'zod';
import { method } from './define.js';
import { code } from './common.js';

const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date looks like 2026-03-29 (YYYY-MM-DD, local day)');
const tz = z.string().trim().min(1).max(100);

/** What an actor was doing in one stretch of the day. */
export type DayState = 'active' | 'paused' | 'idle' | 'waiting' | 'crash';

export interface DaySegment {
  from: string;
  to: string;
  state: DayState;
  /** The task worked on (active) or left (the gaps), when any. */
  task: string | null;
  session: string;
}

export interface DayTimeline {
  date: string;
  tz: string;
  /** Local midnight to local midnight (the real instants). */
  range: { from: string; to: string };
  now: string;
  actors: {
    actor: string;
    kind: 'person' | 'agent';
    active_seconds: number;
    segments: DaySegment[];
  }[];
}

export interface Burndown {
  sprint: string;
  title: string;
  tz: string;
  /** Sum of the estimates of the sprint's tasks (completed or not, cancelled left out). */
  total_estimate_minutes: number;
  /** Tasks without an estimate count as 0 here; they are named so the page can say so. */
  unestimated: string[];
  days: {
    date: string;
    /** Estimates of the tasks still open at the end of the day. */
    remaining_minutes: number;
    /** The straight line from the total on the first day to 0 on the last. */
    ideal_minutes: number;
    /** Time tracked on the sprint's tasks up to the end of the day. */
    spent_minutes: number;
  }[];
}

export const dashboardMethods = {
  'dashboard.login': method<{ url: string; expires_at: string; expires_in_seconds: number }>()({
    summary:
      'A one-time login URL for the local dashboard (valid once, for 60 s): the page exchanges it for a session cookie. Needs http.enabled.',
    params: z.object({}).strict().optional(),
    errors: ['invalid_state'],
    mutates: false,
  }),
  'time.day': method<DayTimeline>()({
    summary:
      'One local day per actor: active stretches and the gaps between them (paused, idle, waiting for a person, crash), from the intervals.',
    params: z.object({ date: day.optional(), tz: tz.optional() }).strict().optional(),
    errors: ['invalid_params'],
    mutates: false,
  }),
  'sprint.burndown': method<Burndown>()({
    summary:
      "A sprint's burndown per local day from its start: estimates of open tasks, the ideal line, and time spent.",
    params: z.object({ sprint: code, tz: tz.optional() }).strict(),
    errors: ['not_found', 'invalid_params'],
    mutates: false,
  }),
} as const;
