// The hook events fragd installs for each coding agent, spelled exactly as that agent's
// documentation spells them, with the page each list was taken from. `fragctl agent install`
// writes one hook per event; the hook entry (dist/fragd-agent-hook.sh) receives the name
// as its second argument.

export const AGENTS = ['claude', 'codex', 'gemini'] as const;
export type Agent = (typeof AGENTS)[number];

export const isAgent = (name: string): name is Agent => (AGENTS as readonly string[]).includes(name);

export interface AgentEvents {
  /** Events installed, in the order they are written to the settings file. */
  events: readonly string[];
  /** Where the event names come from. */
  doc: string;
}

export const AGENT_EVENTS: Record<Agent, AgentEvents> = {
  // SessionStart covers its sources startup/resume/clear/compact (no matcher: every source);
  // Notification tells when Claude waits for the person (a permission, an idle prompt).
  claude: {
    events: [
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PostToolUse',
      'Stop',
      'SubagentStart',
      'SubagentStop',
      'PreCompact',
      'Notification',
      'SessionEnd',
    ],
    doc: 'https://docs.claude.com/en/docs/claude-code/hooks',
  },
  // SessionEnd: Codex runs it when the main thread ends (reason "other"); it pauses the
  // conversation, which `codex exec resume` continues.
  codex: {
    events: [
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PostToolUse',
      'PermissionRequest',
      'Stop',
      'SubagentStart',
      'SubagentStop',
      'PreCompact',
      'PostCompact',
      'SessionEnd',
    ],
    doc: 'https://developers.openai.com/codex/hooks',
  },
  // Gemini's names for the same moments: BeforeAgent = a prompt, AfterAgent = the stop,
  // BeforeTool/AfterTool = tool use, PreCompress = compaction.
  gemini: {
    events: [
      'SessionStart',
      'BeforeAgent',
      'BeforeTool',
      'AfterTool',
      'AfterAgent',
      'PreCompress',
      'Notification',
      'SessionEnd',
    ],
    doc: 'https://geminicli.com/docs/hooks/reference',
  },
};
