// The whole flow over MCP, without a shell (issue 12): an agent plans, picks with `next`,
// works, completes and closes the sprint through MCP tools alone, and every hint it gets
// names MCP tools, not fragctl commands.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
const agents: Client[] = [];

async function connect(actor: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FRAGCTL, 'mcp', '--actor', actor],
    env: Object.fromEntries(Object.entries(d.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: `fragd-test-${actor}`, version: '1.0.0' });
  await client.connect(transport);
  agents.push(client);
  return client;
}

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: { type: string; text: string }[] };
const tool = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as ToolAnswer;

beforeAll(async () => {
  d = await startDaemon();
});
afterAll(async () => {
  for (const a of agents) await a.close();
  await d.dispose();
});

const allHints = (r: ToolAnswer) => {
  const i = r.structuredContent?.instructions ?? r.structuredContent?.error?.data?.instructions;
  return i ? [...i.suggested_commands, ...i.next_actions] : [];
};

describe('a plan worked over MCP alone', () => {
  it('create, next, claim refusal, work, done, sprint complete; hints name tools', async () => {
    const a = await connect('mcp-a');
    const b = await connect('mcp-b');
    const hints: string[] = [];
    const run = async (c: Client, name: string, args: Record<string, unknown> = {}) => {
      const r = await tool(c, name, args);
      hints.push(...allHints(r));
      return r;
    };
    await run(a, 'session_start');
    await run(b, 'session_start');
    // Plan tools: create with priority and dependencies, list what is ready.
    await d.json(['sprint', 'create', '1', 'first']);
    expect(
      (await run(a, 'task_create', { code: 'M-1', title: 'schema', sprint: '1', priority: 'high' })).isError,
    ).toBeFalsy();
    const blocked = await run(a, 'task_create', {
      code: 'M-2',
      title: 'api on the schema',
      sprint: '1',
      depends_on: ['M-1'],
    });
    // A blocked task is not offered for activation; the ready one is.
    expect(blocked.structuredContent.instructions.suggested_commands).toEqual(
      expect.arrayContaining(['task_show {"code":"M-2"}', 'task_activate {"code":"M-1"}']),
    );
    expect(blocked.structuredContent.instructions.suggested_commands).not.toContain('task_activate {"code":"M-2"}');
    const ready = await run(a, 'task_list', { ready: true });
    expect(ready.structuredContent.tasks.map((t: any) => t.code)).toEqual(['M-1']);
    const shown = await run(a, 'task_show', { code: 'M-2' });
    expect(shown.structuredContent.task).toMatchObject({ depends_on: ['M-1'], blocked_by: ['M-1'] });

    // next claims; the other agent is refused with the holder and the ways out.
    const next = await run(a, 'next', { activate: true });
    expect(next.structuredContent).toMatchObject({ activated: true, task: { code: 'M-1' } });
    const refused = await run(b, 'task_activate', { code: 'M-1' });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent.error.data).toMatchObject({
      error: 'task_claimed',
      holder: { actor: 'mcp-a' },
      ways_out: ['next', 'join', 'take_over'],
    });
    // The hint names the tool and its arguments, not fragctl and its flags.
    expect(refused.structuredContent.error.data.hint).toMatch(
      /^take another task with: the next tool; pair with mcp-a with join: true; or take it with take_over: true/,
    );
    const nothing = await run(b, 'next');
    expect(nothing.structuredContent.task).toBeNull();
    expect(nothing.structuredContent.waiting.map((w: any) => w.code).sort()).toEqual(['M-1', 'M-2']);

    await run(a, 'update', { message: 'tables and indexes written' });
    await run(a, 'update', { message: 'migration tested on a copy' });
    const art = await run(a, 'artifact_add', { path: '/work/repo/db/schema.sql' });
    expect(art.structuredContent.artifact.task).toBe('M-1');
    const done = await run(a, 'done', { summary: 'schema with tables, indexes and a tested migration' });
    expect(done.structuredContent.task.status).toBe('completed');
    // M-2 is unblocked now: b takes it through next.
    const bNext = await run(b, 'next', { activate: true });
    expect(bNext.structuredContent.task.code).toBe('M-2');
    await run(b, 'update', { message: 'endpoints for the tables' });
    await run(b, 'update', { message: 'endpoint tests pass' });
    await run(b, 'done', { summary: 'api endpoints over the schema, tested' });
    await run(a, 'session_pause', { reason: 'lunch' });
    const sprint = await run(b, 'sprint_complete', { code: '1', summary: 'schema and api delivered and tested' });
    expect(sprint.isError).toBeFalsy();

    // Every hint named MCP tools; none told the agent to run fragctl.
    expect(hints.length).toBeGreaterThan(10);
    expect(hints.filter((h) => /fragctl/.test(h))).toEqual([]);
  });
});
