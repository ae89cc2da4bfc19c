// The MCP server through the SDK's own client over stdio: the real `fragctl mcp` process
// against a real daemon.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FRAGCTL, startDaemon, TestDaemon, tempHome } from '../support/daemon.js';
import { methods } from '../../shared/protocol/methods.js';
import { coordinateSpec, resolveOpTools } from '../../client/mcp/tools.js';

let d: TestDaemon;
let mcp: Client;

async function connectMcp(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FRAGCTL, 'mcp', ...args],
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'fragd-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: { type: string; text: string }[] };
const call = async (name: string, args: Record<string, unknown> = {}, client = mcp) =>
  (await client.callTool({ name, arguments: args })) as ToolAnswer;

beforeAll(async () => {
  d = await startDaemon();
  await d.json(['project', 'create', 'AI', 'Agent work']);
  await d.json(['sprint', 'create', '1', 'First', '--project', 'AI']);
  await d.json(['task', 'create', 'T-1', 'Parser', '--sprint', '1']);
  await d.json(['task', 'create', 'T-2', 'Docs', '--sprint', '1']);
  mcp = await connectMcp(d.env, ['--actor', 'claude']);
});
afterAll(async () => {
  await mcp?.close();
  await d.dispose();
});

describe('fragctl mcp', () => {
  it('lists the tools with short descriptions and schemas derived from the protocol table', async () => {
    const { tools } = await mcp.listTools();
    const names = tools.map((t) => t.name);
    const expected = [
      'session_start',
      'session_end',
      'session_status',
      'session_resume',
      'session_pause',
      'sprint_activate',
      'sprint_complete',
      'next',
      'task_list',
      'task_show',
      'task_create',
      'task_edit',
      'bulk_complete',
      'artifact_add',
      'task_activate',
      'task_deactivate',
      'update',
      'note',
      'log',
      'done',
      'validate',
      'report',
      'time_report',
      'time_correct',
      'plan',
      'coordinate',
    ];
    expect([...names].sort()).toEqual([...expected].sort());
    for (const t of tools) {
      expect(t.description!.length).toBeLessThanOrEqual(140);
      // Plan tools (task_list … task_edit) act on the plan, time_correct on the agent's own time, not on a session.
      const sessionless = [
        'session_start',
        'time_report',
        'time_correct',
        'plan',
        'coordinate',
        'task_list',
        'task_show',
        'task_create',
      ];
      if (![...sessionless, 'task_edit'].includes(t.name))
        expect(Object.keys(t.inputSchema.properties ?? {})).toContain('session_key');
      // The server supplies who and where from; the agent cannot set them.
      expect(Object.keys(t.inputSchema.properties ?? {})).not.toContain('source');
    }
    const update = tools.find((t) => t.name === 'update')!;
    expect(update.inputSchema.required).toEqual(['message']);
    expect(update.inputSchema.properties).toHaveProperty('event_id');
    const log = tools.find((t) => t.name === 'log')!;
    expect((log.inputSchema.properties as any).level.enum).toEqual(['debug', 'info', 'warn', 'error']);
    // done is task.complete: the agent can name a task and override the gate.
    expect(Object.keys(tools.find((t) => t.name === 'done')!.inputSchema.properties ?? {}).sort()).toEqual([
      'code',
      'force',
      'session_key',
      'summary',
    ]);
    expect(Object.keys(tools.find((t) => t.name === 'time_report')!.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['by', 'since', 'until', 'actor', 'session_key']),
    );
    // One tool for every correction: the op picks it; times are ISO 8601 with an offset, said in the schema.
    const correct = tools.find((t) => t.name === 'time_correct')!;
    expect(correct.inputSchema.required).toEqual(['op']);
    expect((correct.inputSchema.properties as any).op.enum).toEqual([
      'list',
      'track',
      'edit',
      'split',
      'join',
      'move',
      'delete',
      'annotate',
      'undo',
      'undo_list',
    ]);
    expect((correct.inputSchema.properties as any).start.description).toMatch(/ISO 8601 with offset/);
    expect(Object.keys(correct.inputSchema.properties ?? {})).not.toContain('actor');
    // The whole list stays small in an agent's context (about 4k tokens), measured as the
    // JSON the real SDK client received.
    const size = JSON.stringify(tools).length;
    console.log(`MCP tools/list: ${tools.length} tools, ${size} characters of JSON`);
    expect(size).toBeLessThan(16_000);
    // coordinate: the reservation ops only once their methods are in the protocol table
    // (resolveOpTools leaves an op out without its method, and the arguments only it takes).
    const coordinate = tools.find((t) => t.name === 'coordinate')!;
    const ops = (coordinate.inputSchema.properties as any).op.enum as string[];
    expect(ops).toEqual(expect.arrayContaining(['send', 'inbox', 'ack', 'handoff']));
    for (const [op, method, arg] of [
      ['reserve', 'reservation.create', 'exclusive'],
      ['release', 'reservation.release', 'paths'],
      ['reservations', 'reservation.list', 'path'],
    ] as const) {
      expect(ops.includes(op)).toBe(method in methods);
      if (!(method in methods)) expect(Object.keys(coordinate.inputSchema.properties ?? {})).not.toContain(arg);
    }
    // With every op of coordinate (the reservations' too), the list still fits the budget:
    // its schema with all its arguments, in place of the one served now.
    const whole = resolveOpTools([
      {
        ...coordinateSpec(),
        ops: Object.fromEntries(
          Object.entries(coordinateSpec().ops).map(([k, o]) => [k, { ...o, method: 'message.send' as const }]),
        ),
      },
    ])[0];
    const wholeSchema = { ...z.toJSONSchema(whole.inputSchema, { target: 'draft-7' }) };
    const grown = JSON.stringify(wholeSchema).length - JSON.stringify(coordinate.inputSchema).length;
    console.log(`MCP tools/list with the reservation ops: about ${size + grown} characters`);
    expect(size + grown).toBeLessThan(16_000);
  });

  it('runs a whole task flow: start, activate, update ×2, done, deactivate, end', async () => {
    const start = await call('session_start');
    expect(start.isError).toBeFalsy();
    const key = start.structuredContent.session.key;
    expect(start.structuredContent.session).toMatchObject({ actor: 'claude', source: 'mcp', status: 'active' });
    expect(start.structuredContent.instructions.next_actions.length).toBeGreaterThan(0);
    expect(JSON.parse(start.content[0].text).session.key).toBe(key);

    const sprint = await call('sprint_activate', { code: '1' });
    expect(sprint.structuredContent.sprint.code).toBe('SPRINT-1');

    const act = await call('task_activate', { code: 'T-1' });
    expect(act.structuredContent.stack.map((f: any) => f.code)).toEqual(['AI', 'SPRINT-1', 'T-1']);
    expect(act.structuredContent.task.status).toBe('in_progress');
    expect(act.structuredContent.instructions.context_reminder).toContain('T-1');

    for (const message of ['tokenizer written', 'parser handles nesting']) {
      const u = await call('update', { message });
      expect(u.isError).toBeFalsy();
      expect(u.structuredContent.activity).toMatchObject({
        kind: 'update',
        source: 'mcp',
        message,
        context: { task: 'T-1' },
      });
      expect(u.structuredContent.instructions).toBeDefined();
    }
    const note = await call('note', { message: 'chose a Pratt parser' });
    expect(note.structuredContent.activity.kind).toBe('note');
    const log = await call('log', { message: 'tests green', level: 'info', kind: 'test' });
    expect(log.isError).toBeFalsy();

    const status = await call('session_status');
    expect(status.structuredContent.session).toMatchObject({ key, active: { task: 'T-1' } });
    expect(status.structuredContent.session.counters.updates).toBe(2);
    // A read carries the instructions too (from session.instructions).
    expect(status.structuredContent.instructions.context_reminder).toContain(key);

    const check = await call('validate');
    expect(check.isError).toBeFalsy();
    expect(check.structuredContent.task.code).toBe('T-1');
    expect(check.structuredContent.validation.valid).toBe(false); // no summary yet
    expect(check.structuredContent.instructions).toBeDefined();

    // The validation gate speaks to the agent: what is missing, and what to do.
    const blocked = await call('done', { summary: 'too short' });
    expect(blocked.isError).toBe(true);
    expect(blocked.structuredContent.error.data).toMatchObject({ error: 'validation_failed', code: 'T-1' });
    expect(blocked.structuredContent.error.data.required_actions.length).toBeGreaterThan(0);
    expect(blocked.structuredContent.error.data.instructions.next_actions.length).toBeGreaterThan(0);
    expect(blocked.content[0].text).toMatch(/cannot be completed: .*summary/);
    expect((await call('session_status')).structuredContent.session.active.task).toBe('T-1');

    // Requirements met (two updates, a long enough summary): done completes without force.
    const summary = 'tokenizer and parser written, nesting covered by tests';
    const finished = await call('done', { summary });
    expect(finished.isError).toBeFalsy();
    expect(finished.structuredContent.task).toMatchObject({ code: 'T-1', status: 'completed', summary });
    expect(finished.structuredContent.validation.valid).toBe(true);
    expect(finished.structuredContent.forced_over).toEqual([]);
    expect(finished.structuredContent.instructions).toBeDefined();

    await call('task_activate', { code: 'T-2' });
    const off = await call('task_deactivate', { summary: 'handing docs over to a person' });
    expect(off.structuredContent.task.code).toBe('T-2');
    expect(off.structuredContent.stack.map((f: any) => f.code)).toEqual(['AI', 'SPRINT-1']);

    const report = await call('report');
    expect(report.isError).toBeFalsy();
    expect(report.structuredContent.report.tasks_completed.map((t: any) => t.code)).toEqual(['T-1']);
    expect(report.structuredContent.instructions).toBeDefined();

    // time_report: actor and session_key are filters, not the agent's identity; the
    // instructions are still the agent's own, and say for which session.
    const times = await call('time_report', { by: 'task', session_key: key });
    expect(times.isError).toBeFalsy();
    expect(times.structuredContent).toMatchObject({ by: 'task', actor: null });
    expect(times.structuredContent.rows.map((r: any) => r.key)).toEqual(expect.arrayContaining(['T-1', 'T-2']));
    expect(times.structuredContent.instructions_session).toBe(key);
    expect(times.structuredContent.instructions.context_reminder).toContain(key);
    const nobody = await call('time_report', { actor: 'nobody' });
    expect(nobody.structuredContent).toMatchObject({
      actor: 'nobody',
      rows: [],
      total_seconds: 0,
      instructions_session: key,
    });
    expect(nobody.structuredContent.instructions.next_actions.length).toBeGreaterThan(0);

    const end = await call('session_end', { summary: 'parser done' });
    expect(end.structuredContent.session).toMatchObject({ key, status: 'completed', summary: 'parser done' });
    // Without a session of its own the agent gets the report alone.
    const after = await call('time_report', { by: 'task' });
    expect(after.isError).toBeFalsy();
    expect(after.structuredContent.rows.length).toBeGreaterThan(0);
    expect(after.structuredContent).not.toHaveProperty('instructions');
    expect(after.structuredContent).not.toHaveProperty('instructions_session');

    // The daemon recorded it all as the agent's, from mcp.
    const hist = await d.json(['session', 'history', '--session', key]);
    const updates = hist.body.activities.filter((a: any) => a.kind === 'update');
    expect(updates.map((a: any) => a.source)).toEqual(['mcp', 'mcp']);
    expect(hist.body.activities.filter((a: any) => a.kind === 'task.force_complete')).toEqual([]);
  });

  it('plans projects and sprints with one plan tool; codes are checked by the daemon', async () => {
    const plan = (await mcp.listTools()).tools.find((t) => t.name === 'plan')!;
    // The agent's copy of a code keeps its length, not its pattern (the daemon names the rule).
    expect((plan.inputSchema.properties as any).code).toEqual({ type: 'string', maxLength: 64 });
    const made = await call('plan', { op: 'project_create', code: 'WEB', title: 'Web client' });
    expect(made.isError).toBeFalsy();
    expect(made.structuredContent.project).toMatchObject({ code: 'WEB', title: 'Web client' });
    const sprint = await call('plan', {
      op: 'sprint_create',
      code: '7',
      title: 'Forms',
      project: 'WEB',
      goal: 'sign-up form validates',
      labels: ['frontend'],
    });
    expect(sprint.isError).toBeFalsy();
    expect(sprint.structuredContent.sprint).toMatchObject({ code: 'SPRINT-7', labels: ['frontend'] });
    const projects = await call('plan', { op: 'projects' });
    expect(projects.structuredContent.projects.map((p: any) => p.code)).toEqual(['AI', 'WEB']);
    const sprints = await call('plan', { op: 'sprints', project: 'WEB' });
    expect(sprints.structuredContent.sprints.map((p: any) => p.code)).toEqual(['SPRINT-7']);
    const shown = await call('plan', { op: 'sprint', code: '1' });
    expect(shown.structuredContent.tasks.map((t: any) => t.code)).toEqual(['T-1', 'T-2']);
    expect(shown.structuredContent.spend.total).toBeDefined();
    const project = await call('plan', { op: 'project', code: 'WEB' });
    expect(project.structuredContent.sprints.map((p: any) => p.code)).toEqual(['SPRINT-7']);
    // Bad input: a code the daemon refuses, an op's missing argument, an argument the op does not take.
    const bad = await call('plan', { op: 'project_create', code: 'no spaces', title: 'x' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/code/i);
    const missing = await call('plan', { op: 'sprint' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0].text).toMatch(/needs code/);
    const extra = await call('plan', { op: 'projects', code: 'WEB' });
    expect(extra.isError).toBe(true);
    expect(extra.content[0].text).toMatch(/does not take code/);
    // The project is the plan everyone sees, not the agent's alone.
    const created = await d.json(['project', 'show', 'WEB']);
    expect(created.body.project.code).toBe('WEB');
  });

  it('reads the current session as a resource, with instructions', async () => {
    const started = await call('session_start');
    const key = started.structuredContent.session.key;
    await call('task_activate', { code: 'T-2' });
    const { resources } = await mcp.listResources();
    expect(resources.map((r) => r.uri)).toContain('fragd://session/current');
    const read = await mcp.readResource({ uri: 'fragd://session/current' });
    const body = JSON.parse((read.contents[0] as { text: string }).text);
    expect(body.session).toMatchObject({ key, actor: 'claude', active: { task: 'T-2' } });
    expect(body.instructions.next_actions.length).toBeGreaterThan(0);
    const byKey = await mcp.readResource({ uri: `fragd://session/${key}` });
    expect(JSON.parse((byKey.contents[0] as { text: string }).text).session.key).toBe(key);
  });

  it('targets another session with session_key; pause and resume by key', async () => {
    const human = await d.json(['session', 'start']);
    const humanKey = human.body.session.key;
    const other = await call('session_status', { session_key: humanKey });
    expect(other.structuredContent.session).toMatchObject({ key: humanKey, actor: 'human' });
    await d.json(['session', 'pause', '--session', humanKey, '--reason', 'meeting']);
    const resumed = await call('session_resume', { session_key: humanKey });
    expect(resumed.isError).toBeFalsy();
    expect(resumed.structuredContent.session).toMatchObject({ key: humanKey, status: 'active' });
  });

  it('returns daemon errors as tool errors with the actionable message and data', async () => {
    const missing = await call('task_activate', { code: 'NOPE-9' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0].text).toMatch(/task NOPE-9 not found/);
    expect(missing.structuredContent.error).toMatchObject({
      code: -32002,
      data: { error: 'not_found', code: 'NOPE-9' },
    });

    const badKey = await call('session_status', { session_key: 'bogus' });
    expect(badKey.isError).toBe(true);
    expect(badKey.structuredContent.error.data.error).toBe('invalid_params');

    const noSession = await call('update', { message: 'hello' }, await connectMcp(d.env, ['--actor', 'nobody']));
    expect(noSession.isError).toBe(true);
    expect(noSession.structuredContent.error.data).toMatchObject({ error: 'no_active_session', actor: 'nobody' });
    expect(noSession.content[0].text).toMatch(/hint: start one/);

    // Arguments the tool schema refuses never reach the daemon; the agent still gets an error.
    const invalid = await mcp.callTool({ name: 'update', arguments: { message: 42 } }).then(
      (r) => r as ToolAnswer,
      (e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }),
    );
    expect(invalid.isError).toBe(true);
    expect(invalid.content[0].text).toMatch(/message/);
  });

  it('keeps working after the daemon restarts', async () => {
    await d.stop();
    await d.start();
    const status = await call('session_status');
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent.session.actor).toBe('claude');
  });
});

describe('fragctl mcp fed by a pipe', () => {
  it('answers every request it read before stdin closed', async () => {
    const lines = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'session_start', arguments: {} } },
      // Independent of id 2: requests run concurrently, so no order is assumed between them.
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'session_status', arguments: { session_key: 'SESSION-999' } },
      },
    ];
    const r = await d.fragctl(['mcp', '--actor', 'piper'], {
      input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    });
    expect(r.code).toBe(0);
    // Answers come as calls finish, not in request order.
    const answers = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .sort((a, b) => a.id - b.id);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(answers[1].result.structuredContent.session).toMatchObject({ actor: 'piper', source: 'mcp' });
    expect(answers[2].result).toMatchObject({
      isError: true,
      structuredContent: { error: { data: { error: 'not_found' } } },
    });
  });
});

describe('fragctl mcp without a running daemon', () => {
  it('starts fragd itself on the first tool call', async () => {
    const home = new TestDaemon(tempHome(), { FRAGMENTS_NO_AUTOSTART: '0', FRAGMENTS_ACTOR: 'codex' });
    const client = await connectMcp(home.env);
    try {
      const start = await call('session_start', {}, client);
      expect(start.isError).toBeFalsy();
      expect(start.structuredContent.session.actor).toBe('codex');
    } finally {
      await client.close();
      await home.fragctl(['daemon', 'stop']);
      await home.dispose();
    }
  });
});

// Last: it leaves a task handed over, which the flows above do not expect.
describe('fragctl mcp coordinate', () => {
  it('coordinate: send, inbox, ack and handoff between two agents', async () => {
    const codex = await connectMcp(d.env, ['--actor', 'codex']);
    try {
      expect((await call('session_start', {}, codex)).isError).toBeFalsy();
      await call('session_start'); // claude may have one open from the flows above
      const sent = await call('coordinate', { op: 'send', to: 'codex', text: 'I take the parser; docs are yours' });
      expect(sent.isError, JSON.stringify(sent.structuredContent)).toBeFalsy();
      expect(sent.structuredContent).toMatchObject({ recipients: ['codex'], message: { from: { actor: 'claude' } } });
      const inbox = await call('coordinate', { op: 'inbox' }, codex);
      expect(inbox.structuredContent.messages).toEqual([
        expect.objectContaining({ text: 'I take the parser; docs are yours', read_at: null }),
      ]);
      const id = inbox.structuredContent.messages[0].id;
      const read = await d.json(['inbox', '--actor', 'codex', '--all']);
      expect(read.body.messages[0].read_via).toBe('mcp');
      // An argument the op does not take is refused before the daemon is asked.
      expect((await call('coordinate', { op: 'ack', text: 'x' }, codex)).isError).toBe(true);
      const acked = await call('coordinate', { op: 'ack', ids: [id] }, codex);
      expect(acked.structuredContent).toMatchObject({ acknowledged: 1, unacknowledged: 0 });

      await d.json(['task', 'create', 'T-9', 'Parser docs', '--sprint', '1']);
      expect((await call('task_activate', { code: 'T-9' })).isError).toBeFalsy();
      const handed = await call('coordinate', {
        op: 'handoff',
        task: 'T-9',
        to: 'codex',
        text: 'the outline is in docs/parser.md; examples are left',
      });
      expect(handed.isError, JSON.stringify(handed.structuredContent)).toBeFalsy();
      expect(handed.structuredContent).toMatchObject({ task: { code: 'T-9' }, to: 'codex' });
      const next = await call('next', {}, codex);
      expect(next.structuredContent.task.code).toBe('T-9');
      expect(next.structuredContent.why).toContain('handed over to codex by claude');
      const mine = await call('coordinate', { op: 'inbox', unread: true }, codex);
      expect(mine.structuredContent.messages[0]).toMatchObject({ kind: 'handoff', task: 'T-9' });
    } finally {
      // The flows below start claude's session afresh.
      await call('session_end', {}, codex);
      await call('session_end');
      await codex.close();
    }
  });
});
