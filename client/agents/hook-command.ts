// The command an agent's hook configuration runs: fragd's hook entry script, shipped in the
// same dist/ directory as the running fragctl bundle, with the agent and the event as its
// arguments and the agent's JSON payload on stdin. Absolute, so it works without PATH.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_HOOK_SCRIPT = 'fragd-agent-hook.sh';

/** The dist/ directory of the running fragctl (its chunks sit next to fragctl.js). */
export const distDir = (): string => dirname(fileURLToPath(import.meta.url));

/** [<abs dist>/fragd-agent-hook.sh, agent, event]. */
export function agentHookArgv(agent: string, event: string): string[] {
  return [join(distDir(), AGENT_HOOK_SCRIPT), agent, event];
}
