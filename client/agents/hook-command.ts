// The one command that every agent's hook settings call (the interface between the hook
// entry and `fragctl agent install`): `fragd-agent-hook.sh <agent> <event>`, with the
// agent's JSON payload on stdin. The script is copied by scripts/build.mjs to
// dist/fragd-agent-hook.sh (mode 755), beside fragctl.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const AGENT_HOOK_SCRIPT = 'fragd-agent-hook.sh';

/**
 * The absolute path of the hook script: FRAGD_AGENT_HOOK, else beside this bundle (dist/),
 * else dist/ of the checkout (when running from source, as the unit tests do).
 */
export function agentHookPath(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.FRAGD_AGENT_HOOK,
    fileURLToPath(new URL(`./${AGENT_HOOK_SCRIPT}`, import.meta.url)),
    fileURLToPath(new URL(`../../dist/${AGENT_HOOK_SCRIPT}`, import.meta.url)),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `cannot find ${AGENT_HOOK_SCRIPT} (looked in ${candidates.join(', ')}); run npm run build or set FRAGD_AGENT_HOOK`,
    );
  return found;
}

/** The argv an agent's settings run for one event: [<abs script>, agent, event]. */
export function agentHookArgv(agent: string, event: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [agentHookPath(env), agent, event];
}
