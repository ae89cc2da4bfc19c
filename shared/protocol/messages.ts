// Messages between actors and the handoff of a task (docs/claims.md, "Messages and handoff").
// A message goes to an actor, a task's holder (`task:CODE`) or everyone working in a project
// (`project:CODE`, or `project`: the sender's); it reaches an agent's context at its next
// prompt, and every reader's inbox. A handoff lets go of a task for one actor, with a note.
import { z } from 'zod';
import { method } from './define.js';
import { actor, code, cursor, pageLimit, sessionKey, source } from './common.js';
import type { TaskView, WithInstructions } from './views.js';

/** The longest message (and handoff note), in characters. */
export const MESSAGE_TEXT_MAX = 4000;
/** The most messages one inbox page holds. */
export const INBOX_PAGE_MAX = 100;
/** The most ids one ack names. */
export const ACK_IDS_MAX = 500;

/** One message as one recipient has it. */
export interface MessageView {
  id: number;
  /** machine: with team sync, a message sent on another machine. */
  from: { actor: string; session: string | null; machine?: string };
  /** As the sender addressed it: an actor, task:CODE, project:CODE. */
  to: string;
  /** The actor whose copy this is (the sender's own view of a send: null). */
  recipient: string | null;
  kind: 'message' | 'handoff';
  task: string | null;
  text: string;
  sent_at: string;
  /** When the recipient first saw it (in its agent's context, an inbox, MCP), and where. */
  read_at: string | null;
  read_via: 'context' | 'inbox' | 'mcp' | null;
  acknowledged_at: string | null;
}

const messageText = z.string().trim().min(1).max(MESSAGE_TEXT_MAX);
/** An actor name, task:CODE, project:CODE or project (checked in full by the daemon, which names the rule). */
const recipient = z.string().trim().min(1).max(80);
const target = { session: sessionKey.optional(), actor: actor.optional(), source: source.optional() };

export const messageMethods = {
  'message.send': method<{ message: MessageView; recipients: string[] } & WithInstructions>()({
    summary:
      "Send a message to an actor, a task's holder (task:CODE) or everyone working in a project (project:CODE, or project: yours); it reaches an agent's context at its next prompt.",
    params: z.object({ to: recipient, text: messageText, task: code.optional(), ...target }).strict(),
    errors: ['not_found', 'invalid_state', 'invalid_params'],
    mutates: true,
  }),
  'message.inbox': method<
    {
      messages: MessageView[];
      next_cursor: string | null;
      /** The inbox's actor, and how many of its messages are unread (after this page was marked read). */
      actor: string;
      unread: number;
      unacknowledged: number;
    } & WithInstructions
  >()({
    summary:
      'Your messages, newest first (unread: only those not seen yet); the ones shown are marked read unless mark_read is false.',
    params: z
      .object({
        unread: z.boolean().optional(),
        /** Acknowledged messages too (default: only those not acknowledged). */
        all: z.boolean().optional(),
        limit: pageLimit(INBOX_PAGE_MAX).optional(),
        cursor: cursor.optional(),
        mark_read: z.boolean().optional(),
        ...target,
      })
      .strict()
      .optional(),
    errors: ['invalid_params'],
    mutates: true,
  }),
  'message.list': method<{ messages: MessageView[] }>()({
    summary:
      "The newest messages of every actor (or one recipient's), one row per recipient, with read and acknowledged: a read that marks nothing (the dashboard's).",
    params: z
      .object({ recipient: actor.optional(), limit: pageLimit(INBOX_PAGE_MAX).optional() })
      .strict()
      .optional(),
    errors: [],
    mutates: false,
  }),
  'message.ack': method<{ acknowledged: number; unread: number; unacknowledged: number } & WithInstructions>()({
    summary: 'Acknowledge messages of yours by id (or all): they leave the inbox.',
    params: z
      .object({
        ids: z.array(z.number().int().min(1)).min(1).max(ACK_IDS_MAX).optional(),
        all: z.boolean().optional(),
        ...target,
      })
      .strict(),
    errors: ['not_found', 'invalid_params'],
    mutates: true,
  }),
  'task.handoff': method<{ task: TaskView; to: string; message: MessageView } & WithInstructions>()({
    summary:
      'Hand a task (default: your active one) over to another actor with a note: your claim ends, the task is held for them and their next offers it first.',
    params: z.object({ code: code.optional(), to: actor, note: messageText, ...target }).strict(),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'task_claimed'],
    mutates: true,
  }),
} as const;
