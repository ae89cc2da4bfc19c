// How MCP tool arguments become method params: the server supplies who and where from.
import { describe, expect, it } from 'vitest';
import { paramsFor, resolveTools, type ToolSpec } from '../../client/mcp/tools.js';
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
