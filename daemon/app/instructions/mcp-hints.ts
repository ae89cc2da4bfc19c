// Instructions for a call that came over MCP name MCP tools, not fragctl commands: an agent
// without a shell cannot run `fragctl task activate T-1`, it calls `task_activate
// {"code":"T-1"}`. The daemon knows the call's source (call.source), so the translation
// happens once, here, on the finished instructions.
import type { CommandTemplate, Instructions } from '../../../shared/protocol/views.js';
import { quoteArg } from '../../../shared/command.js';
import { parseMinutes } from '../../../shared/format.js';

/** Splits a command line quoted by shellQuote (bare words and '…' with '\'' escapes). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else if (ch === ' ') {
      if (cur !== null) words.push(cur);
      cur = null;
    } else {
      cur = (cur ?? '') + ch;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

interface Rule {
  /** The fragctl words the command starts with. */
  words: string[];
  tool: string;
  /** Where positionals go, in order. */
  positionals?: string[];
  /** --flag → argument name (boolean flags map to true). */
  flags?: Record<string, string>;
  /** Arguments the tool call always carries (the op of time_correct). */
  fixed?: Record<string, unknown>;
}

/** A correction verb of fragctl as an op of the time_correct tool. */
const correction = (words: string[], op: string, positionals?: string[]): Rule => ({
  words,
  tool: 'time_correct',
  fixed: { op },
  positionals,
});

const RULES: Rule[] = [
  { words: ['task', 'activate'], tool: 'task_activate', positionals: ['code'] },
  { words: ['task', 'deactivate'], tool: 'task_deactivate' },
  { words: ['task', 'complete'], tool: 'done', positionals: ['code'] },
  { words: ['task', 'show'], tool: 'task_show', positionals: ['code'] },
  { words: ['task', 'list'], tool: 'task_list' },
  { words: ['task', 'edit'], tool: 'task_edit', positionals: ['code'], flags: { estimate: 'estimate_minutes' } },
  { words: ['task', 'create'], tool: 'task_create', positionals: ['code', 'title'] },
  { words: ['done'], tool: 'done', positionals: ['summary'] },
  { words: ['update'], tool: 'update', positionals: ['message'] },
  { words: ['note'], tool: 'note', positionals: ['message'] },
  { words: ['next'], tool: 'next' },
  { words: ['session', 'start'], tool: 'session_start' },
  { words: ['session', 'status'], tool: 'session_status' },
  { words: ['session', 'resume'], tool: 'session_resume', positionals: ['session_key'] },
  { words: ['session', 'pause'], tool: 'session_pause' },
  { words: ['session', 'end'], tool: 'session_end' },
  { words: ['sprint', 'activate'], tool: 'sprint_activate', positionals: ['code'] },
  { words: ['sprint', 'complete'], tool: 'sprint_complete', positionals: ['code'] },
  { words: ['sprint', 'show'], tool: 'task_list', positionals: ['sprint'] },
  { words: ['sprint', 'list'], tool: 'task_list' },
  correction(['intervals'], 'list'),
  correction(['track'], 'track'),
  correction(['interval', 'edit'], 'edit', ['ref']),
  correction(['interval', 'split'], 'split', ['ref', 'at']),
  correction(['interval', 'join'], 'join', ['ref', 'with']),
  correction(['interval', 'move'], 'move', ['ref', 'task']),
  correction(['interval', 'delete'], 'delete', ['ref']),
  correction(['interval', 'annotate'], 'annotate', ['ref', 'text']),
  correction(['undo'], 'undo'),
  // Messages and handoff: ops of the coordinate tool (docs/claims.md).
  { words: ['inbox', 'ack'], tool: 'coordinate', fixed: { op: 'ack' }, positionals: ['ids'] },
  { words: ['inbox'], tool: 'coordinate', fixed: { op: 'inbox' } },
  { words: ['send'], tool: 'coordinate', fixed: { op: 'send' }, positionals: ['to', 'text'] },
  { words: ['handoff'], tool: 'coordinate', fixed: { op: 'handoff' }, positionals: ['task'], flags: { note: 'text' } },
];

const camel = (flag: string) => flag.replace(/-/g, '_');

/** The MCP tool call a fragctl command line stands for, if a tool does what it does. */
function toolCallOf(command: string): { tool: string; args: Record<string, unknown> } | null {
  const words = splitWords(command);
  if (words[0] !== 'fragctl') return null;
  const rest = words.slice(1);
  const rule = RULES.find((r) => r.words.every((w, i) => rest[i] === w));
  if (!rule) return null;
  const args: Record<string, unknown> = { ...rule.fixed };
  const pos = [...(rule.positionals ?? [])];
  const tail = rest.slice(rule.words.length);
  for (let i = 0; i < tail.length; i++) {
    const w = tail[i];
    if (w.startsWith('--')) {
      const flag = w.slice(2);
      // The agent's own session is the MCP server's default; status belongs to sprint edit.
      if (flag === 'session' || flag === 'actor') {
        i++;
        continue;
      }
      const value = tail[i + 1];
      if (value === undefined || value.startsWith('--')) args[rule.flags?.[flag] ?? camel(flag)] = true;
      else {
        const key = rule.flags?.[flag] ?? camel(flag);
        args[key] = key === 'estimate_minutes' ? (parseMinutes(value) ?? value) : value;
        i++;
      }
    } else if (pos.length) {
      const key = pos.shift()!;
      // Message ids are numbers, in a list (coordinate ack).
      args[key] = key === 'ids' && /^\d+$/.test(w) ? [Number(w)] : w;
    }
  }
  return { tool: rule.tool, args };
}

/** `fragctl task activate T-1` → `task_activate {"code":"T-1"}`; a command with no tool stays. */
export function commandForMcp(command: string): string {
  const call = toolCallOf(command);
  if (!call) return command;
  return Object.keys(call.args).length ? `${call.tool} ${JSON.stringify(call.args)}` : call.tool;
}

const HOLE = /^\{(\w+)\}$/;

/**
 * A template as an MCP tool call with its holes in the arguments: `template` is the tool
 * and its arguments as JSON, `tool` the same as an object whose `{hole}` values the agent
 * replaces with its own words (no quoting to get wrong), `rendered` shows holes as <hole>.
 */
export function templateForMcp(t: CommandTemplate): CommandTemplate {
  const call = toolCallOf(t.template.map((w) => (HOLE.test(w) ? w : quoteArg(w))).join(' '));
  if (!call) return t;
  const shown = Object.fromEntries(
    Object.entries(call.args).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/^\{(\w+)\}$/, '<$1>') : v]),
  );
  return {
    template: [call.tool, JSON.stringify(call.args)],
    holes: t.holes,
    rendered: `${call.tool} ${JSON.stringify(shown)}`,
    tool: { name: call.tool, arguments: call.args },
  };
}

/** Names inside prose ("finish it with fragctl done …") become tool names too. */
function proseForMcp(text: string): string {
  return text
    .replace(/ --(session|actor) [A-Za-z0-9._@-]+/g, '')
    .replace(/\bfragctl ((?:[a-z]+ ?){1,2})/g, (whole, cmd: string) => {
      const words = cmd.trim().split(' ');
      const rule =
        RULES.find((r) => r.words.length === 2 && r.words.every((w, i) => words[i] === w)) ??
        RULES.find((r) => r.words.length === 1 && r.words[0] === words[0]);
      if (!rule) return whole;
      const used = rule.words.join(' ');
      const name = rule.fixed ? `${rule.tool} ${JSON.stringify(rule.fixed)}` : `the ${rule.tool} tool`;
      return `${name}${cmd.slice(used.length).replace(/^(\S)/, ' $1')}`;
    });
}

/** fragctl's boolean flags that hints name; over MCP they are arguments set to true. */
const BOOLEAN_FLAGS = new Set(['adjust', 'force', 'join', 'take-over']);

/**
 * An error's hint for an MCP caller: commands become tools, and once no fragctl command is
 * left, the flags it names become the tool arguments ("add --adjust" → "add adjust: true").
 */
export function hintForMcp(hint: string): string {
  const prose = proseForMcp(hint);
  if (/\bfragctl\b/.test(prose)) return prose;
  return prose.replace(/(^|[\s(])--([a-z][a-z-]*)\b/g, (_, before: string, flag: string) =>
    BOOLEAN_FLAGS.has(flag) ? `${before}${camel(flag)}: true` : `${before}${camel(flag)}`,
  );
}

export function instructionsForMcp(i: Instructions): Instructions {
  return {
    ...i,
    next_actions: i.next_actions.map(proseForMcp),
    suggested_commands: i.suggested_commands.map(commandForMcp),
    ...(i.templates ? { templates: i.templates.map(templateForMcp) } : {}),
    context_reminder: proseForMcp(i.context_reminder),
    ...(i.required_actions ? { required_actions: i.required_actions.map(proseForMcp) } : {}),
  };
}
