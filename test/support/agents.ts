// Replaying a coding agent's conversation through the real hook entry
// (dist/fragd-agent-hook.sh), with payloads shaped as the agents' docs show them
// (test/fixtures/agents/<agent>/<event>.json, their _source stripped).
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, ROOT, runProcess, until, type RunResult, type TestDaemon } from './daemon.js';

export const AGENT_HOOK = join(DIST, 'fragd-agent-hook.sh');

export function fixture(agent: string, event: string): Record<string, unknown> {
  const { _source, ...payload } = JSON.parse(
    readFileSync(join(ROOT, 'test/fixtures/agents', agent, `${event}.json`), 'utf8'),
  ) as Record<string, unknown>;
  if (typeof _source !== 'string') throw new Error(`fixture ${agent}/${event} names no source`);
  return payload;
}

/** Runs the hook script as the agent would: argv, the payload on stdin, the event's time for the test clock. */
export function runHook(
  d: TestDaemon,
  agent: string,
  event: string,
  payload: Record<string, unknown>,
  at: number,
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return runProcess(
    AGENT_HOOK,
    [agent, event],
    { ...d.env, FRAGD_AGENT_HOOK_TIME: String(at), ...env },
    JSON.stringify(payload),
  );
}

const pending = (d: TestDaemon) => {
  try {
    return readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
};

/** One conversation of one agent: each event its fixture with this conversation's ids. */
export class Conversation {
  constructor(
    readonly d: TestDaemon,
    readonly agent: string,
    readonly ids: { session_id: string; cwd: string; transcript_path: string },
  ) {}

  /** Sends one event at `at` and waits until fragd has taken it in (the spool is empty again). */
  async send(
    event: string,
    at: number,
    extra: Record<string, unknown> = {},
    env: NodeJS.ProcessEnv = {},
  ): Promise<RunResult> {
    const r = await runHook(
      this.d,
      this.agent,
      event,
      { ...fixture(this.agent, event), ...this.ids, ...extra },
      at,
      env,
    );
    if (r.code !== 0) throw new Error(`hook ${event} exited ${r.code}: ${r.stderr}`);
    await until(`fragd to ingest ${this.agent} ${event}`, () => pending(this.d) === 0);
    return r;
  }
}

/** A Claude Code transcript line of an assistant message (as the transcript JSONL records it). */
export function claudeAssistantLine(
  id: string,
  at: number,
  usage: { input: number; output: number; cache_creation: number; cache_read: number },
  text = 'ok',
): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    type: 'assistant',
    uuid: `${id}-${Math.random().toString(16).slice(2)}`,
    timestamp: new Date(at).toISOString(),
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text }],
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        cache_creation_input_tokens: usage.cache_creation,
        cache_read_input_tokens: usage.cache_read,
      },
    },
  });
}

export const appendLines = (path: string, lines: string[]) => appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
