// The one command that every agent's hook settings call (the interface between the hook
// entry and `fragctl agent install`): `fragd-agent-hook.sh <agent> <event>`, with the
// agent's JSON payload on stdin. The script is copied by scripts/build.mjs to
// dist/fragd-agent-hook.sh (mode 755), beside fragctl.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_HOOK_SCRIPT = 'fragd-agent-hook.sh';

/**
 * The absolute path of the hook script: FRAGD_AGENT_HOOK, else the one beside this bundle
 * (dist/), else dist/ of the checkout (running from source, as the unit tests do). The
 * script finds fragctl.js beside itself, so only a directory holding both will do (the
 * source script in client/agents/ is not one).
 */
export function agentHookPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FRAGD_AGENT_HOOK) return env.FRAGD_AGENT_HOOK;
  const dirs = [new URL('./', import.meta.url), new URL('../../dist/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = dirs.find((d) => existsSync(join(d, AGENT_HOOK_SCRIPT)) && existsSync(join(d, 'fragctl.js')));
  if (!found)
    throw new Error(
      `cannot find ${AGENT_HOOK_SCRIPT} beside fragctl.js (looked in ${dirs.join(', ')}); run npm run build or set FRAGD_AGENT_HOOK`,
    );
  return join(found, AGENT_HOOK_SCRIPT);
}

/** The argv an agent's settings run for one event: [<abs script>, agent, event]. */
export function agentHookArgv(agent: string, event: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [agentHookPath(env), agent, event];
}
