// Gates that canned text cannot pass (issue 12): an agent that runs every suggested command
// word for word, round after round, never gets a task completed; the gate says why it
// refuses template text, the title and a repeated update; the worker's own words pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitWords } from '../../daemon/app/instructions/mcp-hints.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['sprint', 'create', '1', 'gates']);
  await d.json(['task', 'create', 'G-1', 'Parser for the config files', '--sprint', '1', '--estimate', '75']);
  await d.json(['task', 'create', 'G-2', 'Second task', '--sprint', '1']);
});
afterAll(() => d?.dispose());

type Instr = {
  suggested_commands: string[];
  next_actions: string[];
  templates?: { template: string[]; holes: Record<string, string>; rendered: string }[];
};
const HOLE = /^\{(\w+)\}$/;

describe('an agent following suggestions literally', () => {
  it('runs every suggested command word for word for five rounds and completes nothing', async () => {
    const env = { FRAGMENTS_ACTOR: 'literal' };
    const first = await d.json(['session', 'start'], { env });
    let pending: string[] = [...first.body.instructions.suggested_commands, 'fragctl task complete G-1'];
    const ran: string[] = [];
    let templates = 0;
    for (let round = 0; round < 5 && pending.length; round++) {
      const next: string[] = [];
      for (const cmd of pending) {
        const words = splitWords(cmd);
        expect(words[0]).toBe('fragctl');
        ran.push(cmd);
        const r = await d.fragctl([...words.slice(1), '--json'], { env });
        let body: any = null;
        try {
          body = JSON.parse(r.stdout);
        } catch {
          body = null;
        }
        const i: Instr | undefined = body?.instructions ?? body?.error?.data?.instructions;
        for (const c of i?.suggested_commands ?? []) if (!ran.includes(c) && !next.includes(c)) next.push(c);
        // Templates as a literal agent would run them: holes left unfilled, or filled with
        // the hole's own description.
        for (const t of i?.templates ?? []) {
          templates++;
          for (const fill of [(h: string) => `<${h}>`, (h: string) => t.holes[h]]) {
            const argv = t.template.map((w) => (HOLE.test(w) ? fill(HOLE.exec(w)![1]) : w));
            await d.fragctl(argv.slice(1), { env });
          }
        }
      }
      // Also retry completion each round, as an agent told to finish would.
      pending = [...next, 'fragctl task complete G-1'];
    }
    expect(ran.length).toBeGreaterThan(5);
    expect(templates).toBeGreaterThan(3);
    for (const code of ['G-1', 'G-2']) {
      const t = await d.json(['task', 'show', code]);
      expect(t.body.task.status, `${code} after: ${ran.join(' | ')}`).not.toBe('completed');
    }
    // The literal agent leaves; the task it held is free again.
    await d.json(['session', 'end'], { env });
  }, 120_000); // a few hundred fragctl processes: slow on a shared machine
});

describe('the gate on summaries and updates', () => {
  it('refuses template text, the title and a repeated update, saying why; own words pass', async () => {
    const env = { FRAGMENTS_ACTOR: 'careful' };
    await d.json(['session', 'start'], { env });
    await d.json(['task', 'activate', 'G-2'], { env });
    const canned = await d.json(['update', 'What I just did.'], { env });
    expect(canned.code).toBe(6);
    expect(canned.body.error.message).toMatch(/update refused: it repeats the text of a suggested command/);
    const title = await d.json(['update', 'second TASK'], { env });
    expect(title.body.error.message).toMatch(/repeats the title of G-2/);
    const first = await d.json(['update', 'wrote the tokenizer'], { env });
    expect(first.code).toBe(0);
    // The answer counts the task's updates against the gate (issue 26).
    expect(first.body.task_updates).toEqual({ task: 'G-2', count: 1, required: 2, more_needed: 1 });
    expect(first.body.instructions.next_actions[0]).toBe('G-2 has 1 update: 1 more before it can complete.');
    expect((await d.fragctl(['update', 'wrote the lexer tables'], { env })).stdout).toMatch(
      /update logged on G-2 \(2 updates\)/,
    );
    const again = await d.json(['update', 'Wrote the tokenizer!'], { env });
    expect(again.body.error.message).toMatch(/repeats an earlier update of G-2/);
    expect((await d.json(['update', 'added tests for nesting'], { env })).code).toBe(0);
    // Stock phrases and filler are refused for what they are, not as copied suggestions (issue 26).
    const wip = await d.json(['update', 'wip'], { env });
    expect(wip.code).toBe(6);
    expect(wip.body.error.message).toMatch(/update refused: "wip" is a stock phrase that says nothing about the work/);
    expect(wip.body.error.data).toMatchObject({ reason: 'canned_text', kind: 'stock_phrase' });
    const stock = await d.json(['update', 'progress update'], { env });
    expect(stock.body.error.data.kind).toBe('stock_phrase');
    const repeated = await d.json(['update', 'done done done done'], { env });
    expect(repeated.body.error.data.kind).toBe('repeated_words');
    expect((await d.json(['update', 'fix off-by-one in tick grace'], { env })).code).toBe(0);
    // A summary that is a template, the title or an earlier update is refused by the gate.
    for (const summary of [
      'what was done, how, and what is left',
      'Second task',
      'added tests for nesting',
      'done done done done done done',
      'made some more progress on the task',
    ]) {
      const r = await d.json(['done', summary], { env });
      expect(r.code, summary).toBe(6);
      expect(JSON.stringify(r.body.error)).toMatch(/the summary is refused/);
    }
    // The retry suggested after a refused done keeps the summary that was given.
    await d.json(['task', 'activate', 'G-1'], { env });
    const early = await d.json(['done', 'config parser done, tested on the sample files'], { env });
    expect(early.code).toBe(6);
    expect(early.body.error.data.instructions.suggested_commands.at(-1)).toMatch(
      /^fragctl task complete --session SESSION-\d+ G-1 --summary 'config parser done, tested on the sample files'$/,
    );
    await d.json(['task', 'activate', 'G-2'], { env });
    const ok = await d.json(['done', 'tokenizer and nesting tests in place; docs still to write'], { env });
    expect(ok.code).toBe(0);
    expect(ok.body.task.status).toBe('completed');
  });
});
