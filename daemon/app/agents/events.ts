// The agents' hook events, in each agent's own words, and what they mean to fragd. Sources:
// Claude Code's hooks reference (code.claude.com/docs/en/hooks), Codex's hooks
// (developers.openai.com/codex/hooks, codex-rs/hooks/schema), Gemini CLI's hooks reference
// (geminicli.com/docs/hooks/reference). test/fixtures/agents/ keeps payloads from them.

export type AgentEventKind =
  | 'start'
  | 'prompt'
  | 'tool_before'
  | 'tool_after'
  | 'stop'
  | 'subagent_start'
  | 'subagent_stop'
  | 'compact_before'
  | 'compact_after'
  | 'permission'
  | 'notification'
  | 'end';

export const AGENT_EVENTS: Record<string, Record<string, AgentEventKind>> = {
  claude: {
    SessionStart: 'start',
    UserPromptSubmit: 'prompt',
    PreToolUse: 'tool_before',
    PostToolUse: 'tool_after',
    Stop: 'stop',
    SubagentStart: 'subagent_start',
    SubagentStop: 'subagent_stop',
    PreCompact: 'compact_before',
    Notification: 'notification',
    SessionEnd: 'end',
  },
  codex: {
    SessionStart: 'start',
    UserPromptSubmit: 'prompt',
    PreToolUse: 'tool_before',
    PostToolUse: 'tool_after',
    PermissionRequest: 'permission',
    Stop: 'stop',
    SubagentStart: 'subagent_start',
    SubagentStop: 'subagent_stop',
    PreCompact: 'compact_before',
    PostCompact: 'compact_after',
  },
  gemini: {
    SessionStart: 'start',
    BeforeAgent: 'prompt',
    BeforeTool: 'tool_before',
    AfterTool: 'tool_after',
    AfterAgent: 'stop',
    PreCompress: 'compact_before',
    Notification: 'notification',
    SessionEnd: 'end',
  },
};

/** Events whose hook must answer with context (the others are spooled and answer nothing). */
export const ANSWERING_EVENTS = new Set(['SessionStart']);

/** An agent's own name for an event → its meaning; an agent fragd does not know speaks any of the three. */
export function eventKind(agent: string, event: string): AgentEventKind | null {
  const own = AGENT_EVENTS[agent];
  if (own) return own[event] ?? null;
  for (const table of Object.values(AGENT_EVENTS)) if (table[event]) return table[event];
  return null;
}

/** The dialect of an agent name ("claude-work" speaks claude when configured so; else by prefix). */
export function dialectOf(agent: string): 'claude' | 'codex' | 'gemini' | null {
  for (const d of ['claude', 'codex', 'gemini'] as const) if (agent === d || agent.startsWith(`${d}-`)) return d;
  return null;
}

export const AGENT_NAME = /^[\w.@-]{1,64}$/;
export const EVENT_NAME = /^[A-Za-z]{1,64}$/;
