// `fragctl agent hook <agent> <event>`: what an agent's SessionStart hook runs (through
// client/agents/fragd-agent-hook.sh), with the agent's JSON payload on stdin. One round
// trip to fragd, which answers with the context to inject; this prints it and nothing
// else. It never fails the agent: exit 0 always, a bounded time, and when fragd cannot
// answer the event is written to the spool (as the script writes the other events), so
// nothing is lost.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FragClient } from '../lib/client.js';
import { resolvePaths } from '../../shared/paths.js';

/** The whole hook, daemon start included, stays under this: under the 10 s that fragctl agent install gives SessionStart, so a slow answer is spooled rather than cut off. */
const DEADLINE_MS = 8_000;
const STDIN_MAX = 8 * 1024 * 1024;

function readStdin(ms: number): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      process.stdin.pause();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, ms);
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= STDIN_MAX) chunks.push(c);
    });
    process.stdin.once('end', done);
    process.stdin.once('error', done);
  });
}

/** The same record the script writes, so fragd replays the event once it runs. */
function spool(agent: string, event: string, raw: string, at: number | undefined, name: string): void {
  const dir = resolvePaths(process.env).spoolDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dir, `${name}.rec`),
    `fragd-agent 1\nagent ${agent}\nevent ${event}\ntime ${at ?? Date.now()}\npayload\n${raw}\nend\n`,
    { mode: 0o600 },
  );
}

export async function agentHook(agent: string, event: string): Promise<void> {
  const started = Date.now();
  const raw = await readStdin(3000);
  const envTime = process.env.FRAGD_AGENT_HOOK_TIME;
  const at = envTime && /^\d+$/.test(envTime) ? Number(envTime) : undefined;
  const name = `agent-${process.pid}-${started}`;
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw || '{}');
    payload =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
  } catch {
    return; // not a payload an agent sent; nothing to record or answer
  }
  let client: FragClient | null = null;
  const deadline = new Promise<'timeout'>((r) =>
    setTimeout(() => r('timeout'), DEADLINE_MS - (Date.now() - started)).unref(),
  );
  try {
    const answer = await Promise.race([
      (async () => {
        client = await FragClient.connect({ clientName: 'fragctl-agent-hook', notice: () => undefined });
        return client.call('agent.hook', {
          agent,
          event,
          payload,
          at,
          event_id: `agent:${name}`,
          source: 'hook',
        });
      })(),
      deadline,
    ]);
    if (answer === 'timeout') throw new Error('fragd did not answer in time');
    if (answer.output) process.stdout.write(`${answer.output}\n`);
    // Claude Code runs the lines a SessionStart hook appends to CLAUDE_ENV_FILE before each
    // Bash command: the agent's own fragctl commands then land in its session, not a person's.
    const envFile = process.env.CLAUDE_ENV_FILE;
    if (envFile && answer.session && /^SESSION-\d+$/.test(answer.session))
      appendFileSync(envFile, `export FRAGMENTS_SESSION=${answer.session}\n`);
  } catch {
    try {
      spool(agent, event, raw, at, name);
    } catch {
      /* nowhere to keep it: the agent must still go on */
    }
  } finally {
    (client as FragClient | null)?.close();
  }
}

export async function main(args: string[]): Promise<void> {
  const [agent = '', event = ''] = args;
  try {
    if (/^[\w.@-]{1,64}$/.test(agent) && /^[A-Za-z]{1,64}$/.test(event)) await agentHook(agent, event);
  } catch {
    /* a hook never fails the agent */
  }
  process.exitCode = 0;
  // Whatever is still pending (a daemon start's timers) must not hold the agent.
  setTimeout(() => process.exit(0), 50).unref();
}
