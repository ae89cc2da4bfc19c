// What an agent's SessionStart hook hands back (on start, resume, clear and compaction):
// where its fragd session stands, from what fragd stored: the session key, the stack, the
// last step, the active task's open requirements and next actions. Nothing invented, at
// most AGENT_CONTEXT_MAX characters, in the form the agent injects into its context.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Call } from '../app.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { workFrame } from '../sessions/stack.js';
import { instructionsFor } from '../answers.js';
import { lastStep } from '../sessions/session-report.js';
import { rulesOf, taskFacts } from '../work/completion.js';
import { validateTaskCompletion } from '../work/validation.js';
import type { RepoPlace } from './repo.js';

export const AGENT_CONTEXT_MAX = 2000;

/** The lines of the context, most important first, so a cut at the limit drops the least useful. */
export function contextLines(call: Call, s: SessionRow, place: RepoPlace | null): string[] {
  const stack = parseStack(s);
  const lines = [`fragd session ${s.key} (${s.actor}, ${s.status}${s.pause_reason ? `: ${s.pause_reason}` : ''})`];
  lines.push(
    stack.length
      ? `Stack: ${stack.map((f) => `${f.type} ${f.code} “${f.title}”`).join(' › ')}`
      : 'Stack: empty (no project or task)',
  );
  const work = workFrame(stack);
  const instructions = instructionsFor(call, 'recovery', s, undefined, { last_step: lastStep(call, s)?.line ?? null });
  const last = lastStep(call, s);
  if (last) lines.push(`Last step: ${last.line}`);
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
        ? `Branch ${place.branch} names ${place.task}, which fragd does not know.`
        : `No task is mapped from ${place.branch ? `branch ${place.branch}` : 'this checkout'}${place.project ? '' : ' and no project from this repository'}.`,
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
  return lines;
}

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
 * JSON only on stdout, with hookSpecificOutput.additionalContext.
 */
export function hookOutput(agent: string, event: string, text: string): string {
  if (!text) return '';
  return JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: text } });
}

/**
 * Queues lines for the agent's context at its next prompt: the prompt hook prints this file
 * (in the agent's hook output form) and removes it, with no Node start (client/agents/
 * fragd-agent-hook.sh). Lines queued before that prompt are kept together.
 */
export function queuePromptContext(call: Call, agent: string, chatId: string | null, lines: string[]): void {
  const db = call.app.sql.db.name;
  if (!lines.length || !chatId || !/^[A-Za-z0-9_-]{1,128}$/.test(chatId) || !db || db === ':memory:') return;
  const dir = join(dirname(db), 'spool', 'context');
  const file = join(dir, chatId);
  const event = agent === 'gemini' ? 'BeforeAgent' : 'UserPromptSubmit';
  let before: string[] = [];
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { hookSpecificOutput?: { additionalContext?: string } };
    before = (old.hookSpecificOutput?.additionalContext ?? '').split('\n').filter(Boolean);
  } catch {
    // none queued (or unreadable: replaced)
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, hookOutput(agent, event, boundedText([...before, ...lines])), { mode: 0o600 });
  renameSync(tmp, file);
}
