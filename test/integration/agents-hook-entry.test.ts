// The hook entry never fails or blocks the agent, fragd running or not, and loses nothing:
// what it records while fragd is down is taken in when fragd starts.
import { mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { ROOT, TestDaemon, tempHome, until } from '../support/daemon.js';
import { AGENT_HOOK, fixture, runHook } from '../support/agents.js';
import { agentHookArgv } from '../../client/agents/hook-command.js';

let d: TestDaemon;
beforeAll(() => {
  d = new TestDaemon(tempHome());
});
afterAll(() => d.dispose());

const records = () => readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec'));

it('agentHookArgv names the built script (an absolute, executable path), the agent and the event', () => {
  const argv = agentHookArgv('claude', 'PreToolUse', {});
  expect(argv[0]).toBe(join(ROOT, 'dist', 'fragd-agent-hook.sh'));
  expect(statSync(argv[0]).mode & 0o111).toBe(0o111);
  expect(argv.slice(1)).toEqual(['claude', 'PreToolUse']);
  expect(agentHookArgv('codex', 'Stop', { FRAGD_AGENT_HOOK: AGENT_HOOK })).toEqual([AGENT_HOOK, 'codex', 'Stop']);
  expect(spawnSync(argv[0], ['claude', 'Stop'], { input: '', env: { ...d.env, FRAGMENTS_HOOKS: 'off' } }).status).toBe(
    0,
  );
});

it('with fragd down: exits 0 at once, prints nothing, and spools every event, SessionStart included', async () => {
  const ids = { session_id: 'down-1', cwd: d.home, transcript_path: join(d.home, 't.jsonl') };
  const start = await runHook(
    d,
    'claude',
    'SessionStart',
    { ...fixture('claude', 'SessionStart'), ...ids },
    Date.now(),
  );
  const prompt = await runHook(
    d,
    'claude',
    'UserPromptSubmit',
    { ...fixture('claude', 'UserPromptSubmit'), ...ids },
    Date.now(),
  );
  const tool = await runHook(d, 'claude', 'PreToolUse', { ...fixture('claude', 'PreToolUse'), ...ids }, Date.now());
  // Started from a desktop or under nvm, an agent's PATH may have no node: SessionStart is spooled too.
  const bin = join(d.home, 'bin-without-node');
  mkdirSync(bin);
  for (const tool of ['cat', 'mkdir'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
  const noNode = spawnSync(AGENT_HOOK, ['claude', 'SessionStart'], {
    input: JSON.stringify({ ...fixture('claude', 'SessionStart'), ...ids, session_id: 'down-2' }),
    env: { ...d.env, PATH: bin },
  });
  expect([noNode.status, noNode.stdout.length]).toEqual([0, 0]);
  for (const r of [start, prompt, tool]) expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(records()).toHaveLength(4);
  // Garbage on stdin, an unknown event, no arguments: still exit 0, silently.
  const garbage = spawnSync(AGENT_HOOK, ['claude', 'PostToolUse'], { input: '{not json', env: d.env });
  const bare = spawnSync(AGENT_HOOK, [], { input: '{}', env: d.env });
  expect([garbage.status, bare.status, garbage.stdout.length, bare.stdout.length]).toEqual([0, 0, 0, 0]);

  await d.start();
  await until('the spool to be taken in', () => records().length === 0);
  const s = (await d.json(['status', '--actor', 'claude'])).body;
  expect(s.session).toMatchObject({ chat_session_id: 'down-1', status: 'active' });
  expect(s.recent.map((a: { kind: string }) => a.kind)).toContain('agent.tool_before');
  // The unreadable records were set aside, with the daemon still up.
  expect(readdirSync(join(d.paths.spoolDir, 'rejected')).length).toBe(2);
  expect((await d.json(['daemon', 'status'])).code).toBe(0);
});
