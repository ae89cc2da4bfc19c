// How MCP tool arguments become method params: the server supplies who and where from.
import { describe, expect, it } from 'vitest';
import {
  callForOp,
  coordinateSpec,
  opToolSpecs,
  paramsFor,
  resolveOpTools,
  resolveTools,
  ToolArgsError,
  type ToolSpec,
} from '../../client/mcp/tools.js';
import { methods } from '../../shared/protocol/methods.js';

const tool = (name: string) => resolveTools().find((t) => t.name === name)!;

describe('resolveTools', () => {
  it('maps each tool to a method of the table, and skips tools whose methods are missing', () => {
    for (const t of resolveTools()) expect(Object.hasOwn(methods, t.method)).toBe(true);
    const specs: ToolSpec[] = [
      { name: 'ghost', choices: [{ method: 'no.such.method' }] },
      {
        name: 'fallback',
        choices: [{ method: 'no.such.method' }, { method: 'task.deactivate', fixed: { complete: true } }],
      },
    ];
    const resolved = resolveTools(specs);
    expect(resolved.map((t) => t.name)).toEqual(['fallback']);
    expect(resolved[0].method).toBe('task.deactivate');
    // A fixed param is not the agent's to set.
    expect(Object.keys(resolved[0].inputSchema.shape)).not.toContain('complete');
  });

  it('drops session/actor/source from inputs and adds session_key', () => {
    const update = tool('update');
    const keys = Object.keys(update.inputSchema.shape);
    expect(keys).toEqual(expect.arrayContaining(['message', 'session_key']));
    expect(keys).not.toEqual(expect.arrayContaining(['session']));
    expect(keys).not.toContain('actor');
    expect(keys).not.toContain('source');
    expect(Object.keys(tool('session_start').inputSchema.shape)).not.toContain('session_key');
  });

  it('refuses unknown arguments (strict), as the daemon would', () => {
    expect(tool('update').inputSchema.safeParse({ message: 'x', actor: 'someone-else' }).success).toBe(false);
  });
});

describe('paramsFor', () => {
  const who = { actor: 'claude' };

  it('supplies actor and source, and the session only when one is named', () => {
    expect(paramsFor(tool('update'), { message: 'hi' }, who)).toEqual({
      message: 'hi',
      actor: 'claude',
      source: 'mcp',
    });
    expect(paramsFor(tool('update'), { message: 'hi', session_key: 'SESSION-004' }, who)).toEqual({
      message: 'hi',
      session: 'SESSION-004',
      actor: 'claude',
      source: 'mcp',
    });
  });

  it('uses the configured session by default, an explicit session_key over it', () => {
    const pinned = { actor: 'claude', session: 'SESSION-002' };
    expect(paramsFor(tool('session_status'), {}, pinned).session).toBe('SESSION-002');
    expect(paramsFor(tool('session_status'), { session_key: '7' }, pinned).session).toBe('7');
  });

  it('session_start gets the actor, never a session', () => {
    expect(paramsFor(tool('session_start'), { type: 'review' }, { actor: 'claude', session: 'SESSION-002' })).toEqual({
      type: 'review',
      actor: 'claude',
      source: 'mcp',
    });
  });

  it('leaves filters alone for a report over actors', () => {
    const t = resolveTools([
      { name: 'time_report', choices: [{ method: 'report' }, { method: 'session.list' }], targetIsFilter: true },
    ])[0];
    expect(paramsFor(t, { actor: 'human' }, who)).toEqual({ actor: 'human' });
    expect(paramsFor(t, {}, { actor: 'claude', session: 'SESSION-002' })).toEqual({});
  });
});

describe('time_correct: one tool, its op picks the method', () => {
  const tc = resolveOpTools().find((t) => t.name === 'time_correct')!;
  const who = { actor: 'claude', session: 'SESSION-002' };

  it('maps every op onto a method of the table, always as the agent itself', () => {
    expect(tc.name).toBe('time_correct');
    for (const o of Object.values(tc.ops)) expect(Object.hasOwn(methods, o.method)).toBe(true);
    expect(callForOp(tc, { op: 'list' }, who)).toEqual({
      method: 'interval.list',
      params: { limit: 20, actor: 'claude', source: 'mcp' },
    });
    expect(callForOp(tc, { op: 'track', start: 'S', end: 'E', task: 'T-1', text: 'train' }, who)).toEqual({
      method: 'interval.track',
      params: { start: 'S', end: 'E', task: 'T-1', annotation: 'train', actor: 'claude', source: 'mcp' },
    });
    expect(callForOp(tc, { op: 'join', ref: '@1', with: '@2', adjust: true }, who).params).toEqual({
      refs: ['@1', '@2'],
      adjust: true,
      actor: 'claude',
      source: 'mcp',
    });
    expect(callForOp(tc, { op: 'move', ref: '@1', task: null }, who).params).toMatchObject({ task: null });
    expect(callForOp(tc, { op: 'undo' }, who)).toEqual({ method: 'undo', params: { actor: 'claude', source: 'mcp' } });
  });

  it('refuses what an op does not take or lacks, naming what it takes', () => {
    const refused = (args: Record<string, unknown>) => {
      try {
        callForOp(tc, args, who);
      } catch (e) {
        expect(e).toBeInstanceOf(ToolArgsError);
        return `${(e as ToolArgsError).message} | ${(e as ToolArgsError).hint}`;
      }
      throw new Error('not refused');
    };
    expect(refused({ op: 'split', ref: '@1' })).toBe('time_correct op split needs at | split takes ref, at');
    expect(refused({ op: 'edit', ref: '@1' })).toBe(
      'time_correct op edit needs start or end | edit takes ref, start, end, adjust',
    );
    expect(refused({ op: 'delete', ref: '@1', at: 'x' })).toMatch(/^time_correct op delete does not take at/);
    expect(refused({ op: 'undo', ref: '@1' })).toMatch(/undo takes no other argument$/);
    // The agent cannot act as someone else: actor is no argument of the tool.
    expect(tc.inputSchema.safeParse({ op: 'undo', actor: 'human' }).success).toBe(false);
  });

  it('leaves out an op whose method this build lacks', () => {
    const spec = {
      ...opToolSpecs[0],
      ops: { ...opToolSpecs[0].ops, ghost: { method: 'no.such' as never, takes: [] } },
    };
    const [t] = resolveOpTools([spec]);
    expect(Object.keys(t.ops)).not.toContain('ghost');
    expect(t.inputSchema.safeParse({ op: 'ghost' }).success).toBe(false);
  });
});

describe('coordinate: messages, handoff and (once their methods exist) reservations', () => {
  const co = resolveOpTools().find((t) => t.name === 'coordinate')!;
  const who = { actor: 'claude', session: 'SESSION-002' };

  it('sends as the agent in its own session; handoff takes the note as text', () => {
    expect(callForOp(co, { op: 'send', to: 'task:T-1', text: 'hi' }, who)).toEqual({
      method: 'message.send',
      params: { to: 'task:T-1', text: 'hi', session: 'SESSION-002', actor: 'claude', source: 'mcp' },
    });
    expect(callForOp(co, { op: 'handoff', to: 'codex', text: 'yours' }, { actor: 'claude' })).toEqual({
      method: 'task.handoff',
      params: { to: 'codex', note: 'yours', actor: 'claude', source: 'mcp' },
    });
    expect(callForOp(co, { op: 'handoff', task: 'T-1', to: 'codex', text: 'yours' }, who).params).toMatchObject({
      code: 'T-1',
    });
    expect(callForOp(co, { op: 'inbox' }, who).params).toMatchObject({ limit: 20 });
    expect(() => callForOp(co, { op: 'ack' }, who)).toThrow(/needs ids or all/);
  });

  it('offers the reservation ops, and the arguments only they take, only when the table has their methods', () => {
    const reservations = {
      reserve: 'reservation.create',
      release: 'reservation.release',
      reservations: 'reservation.list',
    };
    for (const [op, method] of Object.entries(reservations))
      expect(Object.keys(co.ops).includes(op)).toBe(method in methods);
    if (!('reservation.create' in methods))
      for (const arg of ['exclusive', 'ttl_minutes']) expect(Object.keys(co.inputSchema.shape)).not.toContain(arg);
    // As if the methods existed (here: an existing method in their place), they are offered with their arguments.
    const spec = coordinateSpec();
    const [whole] = resolveOpTools([
      {
        ...spec,
        ops: Object.fromEntries(
          Object.entries(spec.ops).map(([k, o]) => [k, { ...o, method: 'message.send' as const }]),
        ),
      },
    ]);
    expect(Object.keys(whole.ops)).toEqual(['send', 'inbox', 'ack', 'handoff', 'reserve', 'release', 'reservations']);
    expect(Object.keys(whole.inputSchema.shape)).toEqual(
      expect.arrayContaining(['paths', 'exclusive', 'ttl_minutes', 'path']),
    );
  });
});
