// The events the daemon publishes to subscribers (`events.subscribe`, `fragctl watch`, the
// MCP server, the dashboard): one table of event type → data shape. `DaemonEvent` is derived
// from it, so every `call.events.push({...})` in the daemon is checked against the table and
// docs/protocol.md documents each event's data from it.
import type { SessionStatus } from './views.js';

/** What changed about a session in a `session.changed` event. */
export type SessionChange = 'started' | 'paused' | 'resumed' | 'completed' | 'abandoned';

export interface EventData {
  /** A session started, paused, resumed or ended. */
  'session.changed': {
    change: SessionChange;
    /** The session's status after the change. */
    status: SessionStatus;
    /** Why it paused (only on `change: "paused"`). */
    reason?: string | null;
  };
  /** The session's context stack changed (push, pop, switch, or a completed item popped), or an undo changed it. */
  'context.changed':
    | {
        /** The codes of the stack after the change, bottom (project) first. */
        stack: string[];
      }
    | {
        /** After `undo`: what was undone (read the stack with `context.show`). */
        undo: string;
      };
  /** An activity was recorded (by a client, a hook, or the daemon itself). */
  'activity.logged': {
    /** The activity's id (as in `session.history`). */
    id: number;
    kind: string;
    message: string | null;
  };
  /** The tick paused a session that saw no activity for longer than the idle limit (docs/time.md). */
  'session.idle_paused': {
    paused_at: string;
    last_activity_at: string;
    idle_seconds: number;
  };
  /** A paused session became active again; how long it was interrupted and why it resumed. */
  'session.resumed': {
    interrupted_seconds: number;
    /** What resumed it: a command, activity after an idle pause, … */
    cause: string;
  };
  /** A project, sprint or task was created, edited or completed, a plan was imported, or intervals were corrected. */
  'item.changed':
    | { kind: 'project' | 'sprint' | 'task'; code: string; change: 'created' | 'edited' | 'completed' }
    | { kind: 'plan'; change: 'imported'; filename: string }
    | {
        /** The correction (docs/corrections.md): track, edit, split, join, move, delete or annotate. */
        intervals: string;
      };
  /** Team sync: a pull brought the other machines' work items or changed who holds what there (docs/team-sync.md). */
  'sync.pulled': {
    /** Work items (projects, sprints, tasks) applied here by this pull. */
    items: number;
    /** Whether the other machines' claims differ from the last pull's. */
    claims_changed: boolean;
  };
  /** The last event of a subscriber that did not read: its connection closes after it (docs/limits.md). */
  'subscription.dropped': {
    reason: 'slow_subscriber';
    /** Bytes queued for the subscriber when it was dropped. */
    unsent_bytes: number;
    /** The per-subscriber budget it exceeded. */
    budget_bytes: number;
    hint: string;
  };
}

export type EventType = keyof EventData;

/** One published event: its type, the session it concerns (null for global ones), when, and its data. */
export type DaemonEvent = {
  [T in EventType]: { type: T; session: string | null; at: string; data: EventData[T] };
}[EventType];
