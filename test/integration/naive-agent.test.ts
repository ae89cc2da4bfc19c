// An agent that runs only what the answers give it (DESIGN.md §10): each step it takes the
// first template of the last answer's instructions (its holes filled with words of its own,
// long and varied enough for the gates) or else the first suggested command, exactly as
// written; a read that gives no instructions moves it to the next one. On a 10-task plan with
// dependencies, over fragctl (a real shell running the commands) and over MCP (the SDK's
// client calling the tools the answers name), it completes every task.
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, runProcess, startDaemon, type TestDaemon } from '../support/daemon.js';
import { dependentPlan } from '../support/plans.js';
import { quoteArg } from '../../shared/command.js';

let d: TestDaemon;
let bin: string;

interface Template {
  template: string[];
  holes: Record<string, string>;
  tool?: { name: string; arguments: Record<string, unknown> };
}
interface Instructions {
  suggested_commands: string[];
  templates?: Template[];
}

const VERBS = ['reworked', 'measured', 'simplified', 'documented', 'tested', 'profiled', 'renamed', 'split'];
const THINGS = ['the parser', 'its cache', 'the error paths', 'the config loader', 'the CLI output', 'the schema'];
let said = 0;
/** Words of the agent's own: never a hole's description, never twice the same. */
const ownWords = (hole: string) => {
  said++;
  const v = VERBS[said % VERBS.length];
  const t = THINGS[(said * 7) % THINGS.length];
  return hole === 'summary'
    ? `finished: ${v} ${t}, checked it end to end (step ${said}), nothing is left over`
    : `${v} ${t} and ran the suite again, step ${said} of the work`;
};
const fill = (w: string) => w.replace(/^\{(\w+)\}$/, (_, hole: string) => ownWords(hole));

const openTasks = (prefix: string): string[] => {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db
      .prepare<[string], { code: string }>("SELECT code FROM tasks WHERE code LIKE ? || '-%' AND status <> 'completed'")
      .all(prefix)
      .map((r) => r.code);
  } finally {
    db.close();
  }
};

/** The loop: run what the instructions give, first templates then commands, until nothing is left to run. */
async function naiveLoop(
  first: Instructions,
  run: (step: { template?: Template; command?: string }) => Promise<Instructions | null>,
  maxSteps: number,
): Promise<number> {
  let queue: { template?: Template; command?: string }[] = [];
  const take = (i: Instructions) =>
    (queue = [
      ...(i.templates ?? []).map((template) => ({ template })),
      ...i.suggested_commands.map((command) => ({ command })),
    ]);
  take(first);
  let steps = 0;
  while (queue.length && steps < maxSteps) {
    steps++;
    const next = await run(queue.shift()!);
    if (next) take(next);
  }
  return steps;
}

beforeAll(async () => {
  d = await startDaemon();
  bin = join(d.home, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'fragctl'), `#!/bin/sh\nexec "${process.execPath}" "${FRAGCTL}" "$@"\n`);
  chmodSync(join(bin, 'fragctl'), 0o755);
});
afterAll(() => d?.dispose());

describe('a naive agent finishes its plan from the answers alone', () => {
  it('over fragctl: the commands and templates run in a shell as written', async () => {
    const plan = dependentPlan({ prefix: 'NF', tasks: 10, seed: 7, code: 'NF', projectTitle: 'naive', title: 'part' });
    writeFileSync(join(d.home, 'nf.json'), JSON.stringify(plan));
    expect((await d.fragctl(['import', join(d.home, 'nf.json')])).code).toBe(0);
    const sh = async (line: string) => {
      const r = await runProcess('/bin/sh', ['-c', `${line} --json`], { ...d.env, PATH: `${bin}:${process.env.PATH}` });
      try {
        const body = JSON.parse(r.stdout);
        return (body.instructions ?? body.error?.data?.instructions ?? null) as Instructions | null;
      } catch {
        return null;
      }
    };
    const start = await d.json(['session', 'start', '--actor', 'naive-cli']);
    const steps = await naiveLoop(
      start.body.instructions,
      ({ template, command }) => sh(command ?? template!.template.map((w) => quoteArg(fill(w))).join(' ')),
      200,
    );
    expect(openTasks('NF')).toEqual([]);
    // Two updates and a done per task, an activation, and little else.
    expect(steps).toBeLessThanOrEqual(60);
  }, 240_000);

  it('over MCP: every command, template and suggestion names a tool, and calling them finishes the plan', async () => {
    const plan = dependentPlan({ prefix: 'NM', tasks: 10, seed: 11, code: 'NM', projectTitle: 'naive', title: 'part' });
    writeFileSync(join(d.home, 'nm.json'), JSON.stringify(plan));
    expect((await d.fragctl(['import', join(d.home, 'nm.json')])).code).toBe(0);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [FRAGCTL, 'mcp', '--actor', 'naive-mcp'],
      env: Object.fromEntries(Object.entries(d.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
      stderr: 'pipe',
    });
    const mcp = new Client({ name: 'naive', version: '1.0.0' });
    await mcp.connect(transport);
    try {
      const seen: string[] = [];
      const callTool = async (name: string, args: Record<string, unknown>) => {
        const r = (await mcp.callTool({ name, arguments: args })) as { structuredContent?: any };
        const i = (r.structuredContent?.instructions ??
          r.structuredContent?.error?.data?.instructions ??
          null) as Instructions | null;
        if (i) seen.push(...i.suggested_commands, ...(i.templates ?? []).flatMap((t) => [...t.template, t.tool!.name]));
        return { i, body: r.structuredContent };
      };
      const start = await callTool('session_start', {});
      for (const t of start.body.suggestions.tasks) expect(t.command).toMatch(/^task_activate \{/);
      const steps = await naiveLoop(
        start.i!,
        async ({ template, command }) => {
          if (template) {
            const args = Object.fromEntries(
              Object.entries(template.tool!.arguments).map(([k, v]) => [k, typeof v === 'string' ? fill(v) : v]),
            );
            return (await callTool(template.tool!.name, args)).i;
          }
          const sp = command!.indexOf(' ');
          const name = sp === -1 ? command! : command!.slice(0, sp);
          return (await callTool(name, sp === -1 ? {} : JSON.parse(command!.slice(sp + 1)))).i;
        },
        200,
      );
      expect(openTasks('NM')).toEqual([]);
      expect(steps).toBeLessThanOrEqual(60);
      expect(seen.filter((c) => /\bfragctl\b/.test(c))).toEqual([]);
    } finally {
      await mcp.close();
    }
  }, 240_000);
});
