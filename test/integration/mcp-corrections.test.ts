// An agent corrects its own tracked time over MCP (time_correct), through the real MCP SDK
// client and the real `fragctl mcp` against a real daemon on the system clock: it lists,
// tracks, splits, annotates, deletes and undoes; refusals reach it as tool errors with the
// daemon's message and a hint that names its tools, never a fragctl command.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let mcp: Client;

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: { type: string; text: string }[] };
const correct = async (args: Record<string, unknown>) =>
  (await mcp.callTool({ name: 'time_correct', arguments: args })) as ToolAnswer;
const tool = async (name: string, args: Record<string, unknown> = {}) =>
  (await mcp.callTool({ name, arguments: args })) as ToolAnswer;
/** The agent's intervals as list shows them (without the instructions, which follow the session). */
const listed = async (range: Record<string, string> = {}) => {
  const r = await correct({ op: 'list', ...range });
  expect(r.isError, r.content[0].text).toBeFalsy();
  const { instructions: _i, now: _n, ...rest } = r.structuredContent;
  return rest;
};
const span = (v: any) => [v.ref, v.task, Date.parse(v.start), v.end === null ? null : Date.parse(v.end), v.annotation];
const at = (s: string) => Date.parse(s);
const REF = expect.stringMatching(/^@\d+$/);
/** The later half of the split interval, which the overlap test runs into. */
let laterRef = '@0';
/** An instant as an agent in UTC+02:00 writes it, `minutes` from now. */
const fromNow = (minutes: number) =>
  new Date(Date.now() + minutes * 60_000 + 2 * 3600_000).toISOString().replace(/\.\d+Z$/, '+02:00');

beforeAll(async () => {
  d = await startDaemon();
  await d.json(['task', 'create', 'T-1', 'Parser']);
  await d.json(['task', 'create', 'T-2', 'Docs']);
  await d.json(['task', 'create', 'T-3', 'Review']);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FRAGCTL, 'mcp', '--actor', 'claude'],
    env: Object.fromEntries(Object.entries(d.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stderr: 'pipe',
  });
  mcp = new Client({ name: 'fragd-test-corrections', version: '1.0.0' });
  await mcp.connect(transport);
});
afterAll(async () => {
  await mcp?.close();
  await d?.dispose();
});

describe('time_correct over MCP', () => {
  it('lists, tracks, splits, annotates, deletes and undoes the agent’s own intervals', async () => {
    // A person's time is not the agent's to see or correct.
    expect((await d.json(['track', '2026-03-02T08:00:00Z', '-', '2026-03-02T09:00:00Z', 'T-1'])).code).toBe(0);
    expect((await tool('session_start')).isError).toBeFalsy();
    expect((await tool('task_activate', { code: 'T-1' })).isError).toBeFalsy();

    const first = await correct({ op: 'list' });
    expect(first.isError).toBeFalsy();
    // The session's start (no task yet) and T-1 running since its activation.
    expect(first.structuredContent).toMatchObject({ actor: 'claude', matched: 2 });
    expect(first.structuredContent.intervals).toMatchObject([
      { ref: REF, task: 'T-1', open: true },
      { ref: REF, task: null, open: false },
    ]);
    // The answer carries the agent's own instructions, in tool names.
    expect(first.structuredContent.instructions.context_reminder).toContain('T-1');

    // ISO 8601 with an offset, as an agent writes it: 09:00+01:00 is 08:00Z.
    const tracked = await correct({
      op: 'track',
      start: '2026-03-02T10:00:00+01:00',
      end: '2026-03-02T13:00:00+01:00',
      task: 'T-2',
      text: 'on the train',
    });
    expect(tracked.isError, tracked.content[0].text).toBeFalsy();
    expect(tracked.structuredContent).toMatchObject({ verb: 'track', actor: 'claude', adjusted: 0 });
    expect(tracked.structuredContent.after.map(span)).toEqual([
      [REF, 'T-2', at('2026-03-02T09:00:00Z'), at('2026-03-02T12:00:00Z'), 'on the train'],
    ]);
    const trackedRef = tracked.structuredContent.after[0].ref as string;
    expect(tracked.structuredContent.after[0].seconds).toBe(3 * 3600);
    expect(tracked.structuredContent.activity.kind).toBe('interval.correction');

    const split = await correct({ op: 'split', ref: trackedRef, at: '2026-03-02T11:30:00+01:00' });
    expect(split.isError, split.content[0].text).toBeFalsy();
    // A range in the agent's offset; one half keeps the interval's number, the other gets a new one.
    const march2 = { since: '2026-03-02T00:00:00+01:00', until: '2026-03-03T00:00:00+01:00' };
    const halves = (await listed(march2)).intervals;
    expect(halves.map(span)).toEqual([
      [REF, 'T-2', at('2026-03-02T10:30:00Z'), at('2026-03-02T12:00:00Z'), 'on the train'],
      [REF, 'T-2', at('2026-03-02T09:00:00Z'), at('2026-03-02T10:30:00Z'), 'on the train'],
    ]);
    const [later, earlier] = halves.map((v: any) => v.ref as string);
    expect([later, earlier]).toContain(trackedRef);
    expect(later).not.toBe(earlier);
    laterRef = later;

    // The refs the listing showed still name the same intervals after the split.
    const annotated = await correct({ op: 'annotate', ref: earlier, text: 'reading the spec' });
    expect(annotated.structuredContent.after.map(span)).toEqual([
      [earlier, 'T-2', at('2026-03-02T09:00:00Z'), at('2026-03-02T10:30:00Z'), 'reading the spec'],
    ]);

    const beforeDelete = await listed();
    expect(beforeDelete.matched).toBe(4);
    const deleted = await correct({ op: 'delete', ref: later });
    expect(deleted.isError, deleted.content[0].text).toBeFalsy();
    expect(deleted.structuredContent.after).toEqual([]);
    expect((await listed()).matched).toBe(3);

    const pending = await correct({ op: 'undo_list' });
    expect(pending.structuredContent.steps.map((s: any) => s.method).slice(0, 4)).toEqual([
      'interval.delete',
      'interval.annotate',
      'interval.split',
      'interval.track',
    ]);
    const undone = await correct({ op: 'undo' });
    expect(undone.isError, undone.content[0].text).toBeFalsy();
    expect(undone.structuredContent.undone).toMatchObject({ actor: 'claude', method: 'interval.delete' });
    // Restored exactly: the same intervals, ids, refs and totals as before the delete.
    expect(await listed()).toEqual(beforeDelete);

    // The person's interval was never touched, and the agent's are the agent's.
    const human = await d.json(['intervals']);
    expect(human.body.intervals.map((v: any) => [v.task, v.actor])).toEqual([['T-1', 'human']]);
    const mine = await d.json(['intervals', '--actor', 'claude']);
    expect(mine.body.matched).toBe(4);
    // And the task total follows: T-2 holds the 3 tracked hours minus nothing (the split keeps both halves).
    const report = await d.json([
      'report',
      '--by',
      'task',
      '--actor',
      'claude',
      '--since',
      '2026-03-02',
      '--until',
      '2026-03-02',
    ]);
    expect(report.body.rows.map((r: any) => [r.key, r.seconds])).toEqual([['T-2', 3 * 3600]]);
  });

  it('refuses an overlap with the daemon’s message, naming the interval, and a hint in tool words', async () => {
    const clash = await correct({
      op: 'track',
      start: '2026-03-02T12:30:00+01:00',
      end: '2026-03-02T14:00:00+01:00',
      task: 'T-3',
    });
    expect(clash.isError).toBe(true);
    expect(
      clash.content[0].text.startsWith(
        `${laterRef} (T-2, 2026-03-02T10:30:00.000Z – 2026-03-02T12:00:00.000Z) overlaps `,
      ),
    ).toBe(true);
    expect(clash.content[0].text).toMatch(/one actor's intervals never overlap\nhint: .*add adjust: true/);
    expect(clash.structuredContent.error).toMatchObject({
      code: -32006,
      data: { error: 'conflict', interval: { ref: laterRef, task: 'T-2' } },
    });
    expect(clash.structuredContent.error.data.hint).not.toMatch(/--adjust|fragctl/);
    // With adjust it trims the neighbour, as the hint says.
    const adjusted = await correct({
      op: 'track',
      start: '2026-03-02T12:30:00+01:00',
      end: '2026-03-02T14:00:00+01:00',
      task: 'T-3',
      adjust: true,
    });
    expect(adjusted.isError, adjusted.content[0].text).toBeFalsy();
    expect(adjusted.structuredContent.adjusted).toBe(1);
    expect((await correct({ op: 'undo' })).isError).toBeFalsy();
  });

  it('refuses the future, an argument its op does not take, and an interval it does not have', async () => {
    const future = await correct({ op: 'track', start: fromNow(-10), end: fromNow(60), task: 'T-3' });
    expect(future.isError).toBe(true);
    expect(future.content[0].text).toMatch(/^the interval would end in the future \(/);
    expect(future.structuredContent.error.data).toMatchObject({ error: 'invalid_state' });
    expect(future.content[0].text).toMatch(/hint: end it at now or earlier/);

    const noOffset = await correct({ op: 'split', ref: laterRef, at: '2026-03-02 11:00' });
    expect(noOffset.isError).toBe(true);
    expect(noOffset.content[0].text).toMatch(/at: an instant is ISO 8601 with Z or an offset/);

    const lacking = await correct({ op: 'split', ref: laterRef });
    expect(lacking.isError).toBe(true);
    expect(lacking.structuredContent.error).toMatchObject({
      code: -32602,
      message: 'time_correct op split needs at',
      data: { error: 'invalid_params', hint: 'split takes ref, at' },
    });

    const missing = await correct({ op: 'delete', ref: '@99' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0].text).toMatch(
      /^interval of claude @99 not found\nhint: list them with: time_correct \{"op":"list"\}/,
    );
  });

  it('refuses an undo over someone else’s later change, saying who and what to do', async () => {
    expect((await tool('task_activate', { code: 'T-3' })).isError).toBeFalsy();
    // A person completes T-3, which takes it off the agent's stack too.
    expect((await d.fragctl(['session', 'start'])).code).toBe(0);
    const done = await d.json(['task', 'complete', 'T-3', '--force', '--summary', 'reviewed by a person today']);
    expect(done.code, JSON.stringify(done.body)).toBe(0);
    const refused = await correct({ op: 'undo' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0].text).toMatch(
      /^cannot undo "task.activate code=T-3": .* was changed after it by human's "task.complete code=T-3"/,
    );
    expect(refused.structuredContent.error.data).toMatchObject({
      error: 'conflict',
      changed_by: { actor: 'human' },
      hint: 'ask human to undo theirs first, or correct it by hand (time_correct {"op":"list"}, time_correct {"op":"edit"})',
    });
  });
});
