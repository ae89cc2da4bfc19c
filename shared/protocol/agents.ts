// Coding agents' hooks (Claude Code, Codex, Gemini CLI): the one method their SessionStart
// hook calls through `fragctl agent hook`, and token usage read from their transcripts.
// (agent.ts holds the methods of the MCP adapter.)
import { z } from 'zod';
import { method } from './define.js';
import { eventId, source } from './common.js';

export interface AgentHookResult {
  /** What became of the event. */
  outcome: 'ingested' | 'duplicate' | 'skipped';
  /** Why it was skipped or a duplicate. */
  reason: string | null;
  /** The fragd session of the conversation, once there is one. */
  session: string | null;
  status: string | null;
  /** The context handed back to the agent (SessionStart), at most 2,000 characters; '' for other events. */
  context: string;
  /** Exactly what the hook prints for the agent to read ('' when it prints nothing). */
  output: string;
}

export const agentsMethods = {
  'agent.hook': method<AgentHookResult>()({
    summary:
      'One hook event of a coding agent (its own event name and JSON payload); SessionStart answers with the context to inject.',
    params: z
      .object({
        agent: z.string().regex(/^[\w.@-]{1,64}$/, 'an agent is a name such as claude, codex or gemini'),
        event: z.string().regex(/^[A-Za-z]{1,64}$/, "an event is the agent's own event name, such as SessionStart"),
        payload: z.record(z.string(), z.unknown()),
        /** When the event happened (epoch ms); default now. */
        at: z.number().int().min(0).optional(),
        event_id: eventId.optional(),
        source: source.optional(),
      })
      .strict(),
    errors: [],
    mutates: true,
  }),
} as const;
