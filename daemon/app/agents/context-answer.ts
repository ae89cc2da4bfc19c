// What an agent's SessionStart hook hands back (on start, resume, clear and compaction):
// where its fragd session stands, from what fragd stored: the session key, the stack, the
// last step, the active task's open requirements and next actions. Nothing invented, at
// most AGENT_CONTEXT_MAX characters, in the form the agent injects into its context.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Call } from '../app.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { workFrame } from '../sessions/stack.js';
import { instructionsFor } from '../answers.js';
import { lastStep } from '../sessions/session-report.js';
import { rulesOf, taskFacts } from '../work/completion.js';
import { validateTaskCompletion } from '../work/validation.js';
import type { RepoPlace } from './repo.js';
import { fragctl } from '../../../shared/command.js';
import { claimView, openDependencies } from '../work/claims.js';
import { terminalSafe } from '../../../shared/terminal.js';

/**
 * Text someone else wrote (a tool's command, a prompt, a title, a note, a branch name), as
 * quoted data: control and bidi characters shown as visible escapes (so it stays on its
 * line and reads in order), and inside “…” with quotes of its own turned plain, so it can
 * neither end its quote nor pass for one of fragd's own lines ("Next actions:", "- run: …").
 */
export function quoted(text: string): string {
  return `“${terminalSafe(text).replace(/[“”]/g, '"')}”`;
}

export const AGENT_CONTEXT_MAX = 2000;

/** The lines of the context, most important first, so a cut at the limit drops the least useful. */
export function contextLines(call: Call, s: SessionRow, place: RepoPlace | null): string[] {
  const stack = parseStack(s);
  const lines = [
    `fragd session ${s.key} (${s.actor}, ${s.status}${s.pause_reason ? `: ${quoted(s.pause_reason)}` : ''})`,
  ];
  lines.push(
    stack.length
      ? `Stack: ${stack.map((f) => `${f.type} ${f.code} ${quoted(f.title)}`).join(' › ')}`
      : 'Stack: empty (no project or task)',
  );
  const work = workFrame(stack);
  // "You are resuming" only for a conversation that had a prompt already (a resume, a
  // compaction, a /clear): a new one is told it started.
  const resumed = call.app.sql.value(
    'SELECT 1 FROM activities WHERE session_id = ? AND kind = ? LIMIT 1',
    s.id,
    'agent.prompt',
  );
  const last = lastStep(call, s);
  const step = last
    ? `${last.kind}${last.message ? `: ${quoted(last.message)}` : ''}${last.line.slice(last.line.lastIndexOf(' ('))}`
    : null;
  const instructions = resumed
    ? instructionsFor(call, 'recovery', s, undefined, { last_step: step })
    : instructionsFor(call, 'session_started', s);
  if (step) lines.push(`Last step: ${step}`);
  if (work) {
    const task = call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', work.id);
    if (task) {
      const v = validateTaskCompletion(taskFacts(call, task), rulesOf(call));
      if (v.requirements.length) {
        lines.push(`Open requirements of ${task.code} before it can complete:`);
        for (const r of v.requirements) lines.push(`- ${r}`);
      } else lines.push(`${task.code} meets its completion requirements.`);
    }
  } else if (place?.root) {
    lines.push(
      place.task
        ? branchTaskLine(call, s, place.branch ?? '', place.task)
        : `No task is mapped from ${place.branch ? `branch ${quoted(place.branch)}` : 'this checkout'}${place.project ? '' : ' and no project from this repository'}.`,
    );
  }
  lines.push('Next actions:');
  for (const a of instructions.next_actions) lines.push(`- ${a}`);
  for (const c of instructions.suggested_commands) lines.push(`- run: ${c}`);
  // Templates: the agent writes the <hole> in its own words (the gate refuses the hole's text).
  for (const t of instructions.templates ?? [])
    lines.push(
      `- write, in your own words: ${t.rendered} (${Object.entries(t.holes)
        .map(([k, v]) => `<${k}>: ${v}`)
        .join('; ')})`,
    );
  // Whatever a line holds, it stays one line: no text can start a line of its own.
  return lines.map((l) => terminalSafe(withSessionFlag(l, s.key)));
}

/** Why the task the branch names is not on the stack: unknown, closed, waiting, or whose it is. */
function branchTaskLine(call: Call, s: SessionRow, branch: string, code: string): string {
  const task = call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', code);
  if (!task) return `Branch ${quoted(branch)} names ${quoted(code)}, which fragd does not know.`;
  const named = `Branch ${quoted(branch)} names ${task.code} ${quoted(task.title)}`;
  if (task.status === 'completed' || task.status === 'cancelled') return `${named}, which is ${task.status}.`;
  const holder = claimView(call.app.sql, task.id);
  if (holder && holder.session !== s.key)
    // No runnable take-over here: an agent runs what its context shows (docs/claims.md).
    return `${named}, held by ${holder.actor} (${holder.session}) since ${holder.since}, last active ${holder.last_activity}: take another task (${fragctl('next', '--session', s.key)}), or pair with ${holder.actor} with --join; a person can take it over with --take-over (recorded on both sessions).`;
  const open = openDependencies(call, task.id);
  if (open.length) return `${named}, which waits for ${open.join(', ')}.`;
  return `${named}; it is not on this session's stack: ${fragctl('task', 'activate', '--session', s.key, task.code)}`;
}

/** fragctl commands that act on a session: the ones the context shows name the agent's. */
const SESSION_COMMANDS =
  /\bfragctl (update|note|done|task (?:activate|deactivate|complete)|session (?:status|pause|end))\b(?! --session)/g;

/**
 * Every command the context shows carries `--session KEY`: an agent whose shell gets no
 * FRAGMENTS_SESSION from its hooks (Gemini CLI has no way to set one) still reaches its own
 * session, never a person's. Session keys are [A-Z0-9-] only, safe unquoted.
 */
export const withSessionFlag = (line: string, key: string): string =>
  line.replace(SESSION_COMMANDS, (_, cmd: string) => `fragctl ${cmd} --session ${key}`);

/** Joins lines up to the limit; a line that does not fit is left out whole, never cut mid-way. */
export function boundedText(lines: string[], max = AGENT_CONTEXT_MAX): string {
  let out = '';
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length > max) break;
    out = next;
  }
  return out;
}

/**
 * The hook's stdout for each agent. Claude Code and Codex take hookSpecificOutput.
 * additionalContext from SessionStart's JSON (plain stdout works too); Gemini CLI wants
 * JSON only on stdout, with hookSpecificOutput.additionalContext. Codex applies
 * Codex's output schema allows those two fields only: any other field (an `env`, say)
 * makes it drop the whole answer, context included. Its shell reaches its session through
 * the `--session KEY` every command in the context carries, as Gemini's does (Claude Code
 * gets FRAGMENTS_SESSION through CLAUDE_ENV_FILE, written by the hook client).
 */
export function hookOutput(event: string, text: string): string {
  if (!text) return '';
  return JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: text } });
}

/**
 * Queues lines for the agent's context at its next prompt: the prompt hook prints this file
 * (in the agent's hook output form) and removes it, with no Node start (client/agents/
 * fragd-agent-hook.sh). Lines queued before that prompt are kept together.
 */
export function queuePromptContext(call: Call, agent: string, chatId: string | null, lines: string[]): number {
  const file = promptContextFile(call, chatId);
  if (!lines.length || !file) return 0;
  const before = takeQueued(file);
  const text = boundedText([...before, ...lines]);
  // boundedText keeps a prefix of whole lines: the new lines kept are those past the old ones.
  const kept = Math.max(0, (text ? text.split('\n').length : 0) - before.length);
  writeQueued(file, agent, text);
  return kept;
}

/**
 * Takes the queued lines away by a rename, as the prompt hook does: either the hook or fragd
 * gets them, never both, so a line is never printed at one prompt and queued again for the next.
 */
export function takeQueued(file: string): string[] {
  const taken = `${file}.${process.pid}.take`;
  try {
    renameSync(file, taken);
  } catch {
    return []; // none queued, or the prompt took them
  }
  const lines = queuedLines(taken);
  rmSync(taken, { force: true });
  return lines;
}

/** The file a conversation's next prompt prints (null: no place for one, e.g. an in-memory store). */
export function promptContextFile(call: Call, chatId: string | null): string | null {
  const db = call.app.sql.db.name;
  if (!chatId || !/^[A-Za-z0-9_-]{1,128}$/.test(chatId) || !db || db === ':memory:') return null;
  return join(dirname(db), 'spool', 'context', chatId);
}

/** The lines queued in a conversation's prompt context file (none when it was taken). */
export function queuedLines(file: string): string[] {
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { hookSpecificOutput?: { additionalContext?: string } };
    return (old.hookSpecificOutput?.additionalContext ?? '').split('\n').filter(Boolean);
  } catch {
    return []; // none queued (or unreadable: replaced)
  }
}

/** Replaces the queued context (by a rename, so the prompt hook reads all of it or none). */
export function writeQueued(file: string, agent: string, text: string): void {
  if (!text) {
    rmSync(file, { force: true });
    return;
  }
  const event = agent === 'gemini' ? 'BeforeAgent' : 'UserPromptSubmit';
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, hookOutput(event, text), { mode: 0o600 });
  renameSync(tmp, file);
}
