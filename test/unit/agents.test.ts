// The agents domain's pure parts: the spool record, the repository and branch mapping,
// incremental transcript reading, usage lines, and the bound on the context handed back.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentRecord } from '../../daemon/app/agents/record.js';
import { placeOf, taskCodeIn } from '../../daemon/app/agents/repo.js';
import {
  claudeUsage,
  codexTurnModel,
  codexUsage,
  geminiUsage,
  LINE_MAX,
  readNewLines,
} from '../../daemon/app/agents/tokens.js';
import { boundedText } from '../../daemon/app/agents/context-answer.js';
import { eventKind } from '../../daemon/app/agents/events.js';
import { defaultConfig, DEFAULT_TASK_PATTERN } from '../../daemon/config.js';

const dir = mkdtempSync(join(tmpdir(), 'fr-agents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseAgentRecord', () => {
  const rec = (payload: string, time = '', end = '\nend\n') =>
    `fragd-agent 1\nagent claude\nevent PreToolUse\ntime ${time}\npayload\n${payload}${end}`;

  it('reads the agent, the event, the payload and the time (its own, else the file’s)', () => {
    const r = parseAgentRecord('agent-1-2', rec('{"session_id":"s","n":1}\n', '1777777777777'), 5);
    expect(r).toEqual({
      ok: true,
      record: {
        name: 'agent-1-2',
        agent: 'claude',
        event: 'PreToolUse',
        payload: { session_id: 's', n: 1 },
        at: 1777777777777,
      },
    });
    const m = parseAgentRecord('x', rec('{"a":"multi\\nline"}'), 42);
    expect(m.ok && m.record.at).toBe(42);
  });

  it('waits for a record still being written, and refuses what it cannot use', () => {
    expect(parseAgentRecord('x', rec('{"a":1', '', ''), 0)).toMatchObject({ ok: false, incomplete: true });
    expect(parseAgentRecord('x', 'fragd-ag', 0)).toMatchObject({ ok: false, incomplete: true });
    expect(parseAgentRecord('x', rec('{not json'), 0)).toMatchObject({ ok: false, incomplete: false });
    expect(parseAgentRecord('x', rec('[1]'), 0)).toMatchObject({ ok: false, incomplete: false });
    expect(parseAgentRecord('x', rec('{}').replace('agent claude', 'agent a b'), 0)).toMatchObject({
      ok: false,
      incomplete: false,
    });
  });
});

describe('events', () => {
  it("maps each agent's own event names, and unknown agents by any of them", () => {
    expect(eventKind('claude', 'Stop')).toBe('stop');
    expect(eventKind('gemini', 'AfterAgent')).toBe('stop');
    expect(eventKind('codex', 'PermissionRequest')).toBe('permission');
    expect(eventKind('gemini', 'Stop')).toBeNull();
    expect(eventKind('my-agent', 'BeforeTool')).toBe('tool_before');
    expect(eventKind('claude', 'BeforeModel')).toBeNull();
  });
});

describe('repository and branch mapping', () => {
  it('finds a task code in branch names with the default pattern', () => {
    expect(taskCodeIn('feature/ABC-12-login', DEFAULT_TASK_PATTERN)).toBe('ABC-12');
    expect(taskCodeIn('T-3', DEFAULT_TASK_PATTERN)).toBe('T-3');
    expect(taskCodeIn('main', DEFAULT_TASK_PATTERN)).toBeNull();
    expect(taskCodeIn('fix/issue-7', '#?issue-(\\d+)')).toBe('7');
    expect(taskCodeIn('anything', '(')).toBeNull();
  });

  const repo = (name: string, branch: string, mapping?: string) => {
    const root = join(dir, name);
    mkdirSync(join(root, '.git'), { recursive: true });
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    writeFileSync(join(root, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
    if (mapping !== undefined) writeFileSync(join(root, '.fragd.json'), mapping);
    return root;
  };

  it('takes the project from .fragd.json at the root, from any directory inside', () => {
    const root = repo('r1', 'feature/APP-4-x', JSON.stringify({ project: 'APP' }));
    expect(placeOf(join(root, 'src', 'deep'), defaultConfig())).toEqual({
      root,
      branch: 'feature/APP-4-x',
      project: 'APP',
      task: 'APP-4',
      mapping: 'file',
      problem: null,
    });
  });

  it('falls back to the config, and a repository’s own pattern wins', () => {
    const root = repo('r2', 'wip-42');
    const config = defaultConfig();
    config.agents.repos[root] = { project: 'WEB', task_pattern: 'wip-(\\d+)' };
    expect(placeOf(root, config)).toMatchObject({ project: 'WEB', task: '42', mapping: 'config' });
  });

  it('says what is wrong with an unreadable mapping, and is quiet outside a repository', () => {
    const root = repo('r3', 'main', '{oops');
    expect(placeOf(root, defaultConfig()).problem).toMatch(/\.fragd\.json is not valid JSON/);
    expect(placeOf(null, defaultConfig())).toMatchObject({ root: null, project: null, task: null });
    expect(placeOf('/nonexistent/dir', defaultConfig()).root).toBeNull();
  });

  it('follows a worktree’s .git file to its HEAD', () => {
    const gitDir = join(dir, 'main-repo', '.git', 'worktrees', 'wt');
    mkdirSync(gitDir, { recursive: true });
    writeFileSync(join(gitDir, 'HEAD'), 'ref: refs/heads/OPS-9-deploy\n');
    const wt = join(dir, 'wt');
    mkdirSync(wt);
    writeFileSync(join(wt, '.git'), `gitdir: ${gitDir}\n`);
    expect(placeOf(wt, defaultConfig())).toMatchObject({ branch: 'OPS-9-deploy', task: 'OPS-9' });
  });
});

describe('transcripts', () => {
  it('reads complete lines only, from the offset on; a shorter file starts over', () => {
    const f = join(dir, 't.jsonl');
    writeFileSync(f, '{"a":1}\n{"b":');
    const first = readNewLines(f, 0)!;
    expect(first.lines).toEqual(['{"a":1}']);
    appendFileSync(f, '2}\n');
    const second = readNewLines(f, first.offset)!;
    expect(second.lines).toEqual(['{"b":2}']);
    expect(readNewLines(f, second.offset)!.lines).toEqual([]);
    writeFileSync(f, '{"c":3}\n');
    expect(readNewLines(f, second.offset)!.lines).toEqual(['{"c":3}']);
    expect(readNewLines(join(dir, 'missing'), 0)).toBeNull();
  });

  it('skips past an unfinished line longer than LINE_MAX, and reads the lines after it', () => {
    const f = join(dir, 'oversize.jsonl');
    writeFileSync(f, `{"a":1}\n{"big":"${'x'.repeat(LINE_MAX + 10)}`);
    const first = readNewLines(f, 0)!;
    expect(first.lines).toEqual(['{"a":1}']);
    // Past the long tail: the next read does not wait for that line to end.
    expect(first.offset).toBe(first.size);
    appendFileSync(f, '"}\n{"b":2}\n');
    expect(readNewLines(f, first.offset)!.lines).toEqual(['{"b":2}']);
    // A short unfinished line is waited for, not skipped.
    const g = join(dir, 'growing.jsonl');
    writeFileSync(g, '{"c":');
    expect(readNewLines(g, 0)).toMatchObject({ lines: [], offset: 0 });
  });

  it('takes the four counts from a Claude Code assistant line, and nothing from others', () => {
    const u = claudeUsage({
      type: 'assistant',
      timestamp: '2026-05-04T09:00:00.000Z',
      message: {
        id: 'msg_1',
        model: 'm',
        usage: { input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 5, cache_read_input_tokens: 6 },
      },
    });
    expect(u).toEqual({
      message_id: 'msg_1',
      model: 'm',
      input: 3,
      output: 4,
      cache_creation: 5,
      cache_read: 6,
      at: Date.parse('2026-05-04T09:00:00Z'),
    });
    expect(claudeUsage({ type: 'user', message: { role: 'user', content: 'hi' } })).toBeNull();
  });

  it("splits Codex's input into uncached and cached, named by the cumulative count", () => {
    const line = {
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 2, total_tokens: 12 },
          last_token_usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 2, total_tokens: 12 },
        },
      },
    };
    expect(codexUsage(line, '/r.jsonl')).toMatchObject({
      input: 6,
      cache_read: 4,
      output: 2,
      message_id: 'codex:/r.jsonl:12:10:2',
    });
    expect(codexUsage({ type: 'event_msg', payload: { type: 'token_count', info: null } }, '/r')).toBeNull();
  });

  it("takes Gemini CLI's per-message tokens: cached apart, thoughts as output, tool prompts as input", () => {
    const line = {
      id: 'm1',
      timestamp: '2026-05-04T09:00:00Z',
      type: 'gemini',
      model: 'gemini-x',
      tokens: { input: 150, output: 20, cached: 50, thoughts: 7, tool: 3, total: 180 },
    };
    expect(geminiUsage(line)).toEqual({
      message_id: 'gemini:m1',
      model: 'gemini-x',
      input: 103,
      output: 27,
      cache_creation: 0,
      cache_read: 50,
      at: Date.parse('2026-05-04T09:00:00Z'),
    });
    expect(geminiUsage({ id: 'u', type: 'user', content: [] })).toBeNull();
  });

  it("reads a Codex turn's model from its turn_context line, and nothing from other lines", () => {
    expect(codexTurnModel({ type: 'turn_context', payload: { turn_id: 't', model: 'gpt-5-codex' } })).toBe(
      'gpt-5-codex',
    );
    expect(codexTurnModel({ type: 'turn_context', payload: { model: '' } })).toBeNull();
    expect(codexTurnModel({ type: 'session_meta', payload: { model_provider: 'openai', model: 'x' } })).toBeNull();
    expect(codexTurnModel({ type: 'event_msg', payload: { type: 'token_count', info: null } })).toBeNull();
  });

  it('takes the cache writes Codex 0.171 counts inside input_tokens as cache creation', () => {
    const usage = { input_tokens: 450, cached_input_tokens: 50, cache_write_input_tokens: 300, output_tokens: 20 };
    const line = {
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: { total_token_usage: { ...usage, total_tokens: 470 }, last_token_usage: { ...usage, total_tokens: 470 } },
      },
    };
    expect(codexUsage(line, '/r.jsonl')).toMatchObject({ input: 100, cache_read: 50, cache_creation: 300, output: 20 });
  });
});

describe('boundedText', () => {
  it('never passes the limit and never cuts a line', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const t = boundedText(lines, 2000);
    expect(t.length).toBeLessThanOrEqual(2000);
    expect(t.split('\n').every((l) => lines.includes(l))).toBe(true);
    expect(boundedText(['a'.repeat(2001)], 2000)).toBe('');
  });
});
