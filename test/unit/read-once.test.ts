// A call loads the session it is about once and hands that row down; the functions below
// keep it current instead of reading it again (docs/architecture.md, "One call"). Counted on
// the path of an agent's hook events, which used to re-read the session up to eight times.
import { afterEach, describe, expect, it } from 'vitest';
import { newCall } from '../../daemon/app/app.js';
import { applyAgentEvent } from '../../daemon/app/agents/agents.js';
import { createProject, createTask } from '../../daemon/app/work/items.js';
import { getSession } from '../../daemon/app/sessions/lookup.js';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { TestRepo } from '../support/git.js';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

const T0 = 1_800_000_000_000;
const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An in-memory store whose reads of whole session rows are counted. */
function countingApp() {
  const sql = new Sql(openDatabase(':memory:'));
  const reads = { sessionRows: 0 };
  const get = sql.get.bind(sql);
  const all = sql.all.bind(sql);
  // A read of a row the call already knows (by key or id): what handing the row down saves.
  const isSessionRead = (q: string) => /^\s*SELECT \* FROM sessions WHERE (key|id) = \?\s*$/.test(q);
  sql.get = (q: string, ...a: unknown[]) => {
    if (isSessionRead(q)) reads.sessionRows++;
    return get(q, ...a);
  };
  sql.all = (q: string, ...a: unknown[]) => {
    if (isSessionRead(q)) reads.sessionRows++;
    return all(q, ...a);
  };
  const app = assembleApp({ sql, clock: new ManualClock(T0), config: defaultConfig() });
  return { app, sql, reads };
}

describe('an agent hook event never reads its session row again', () => {
  it('start, prompt, tool, stop: the row found for the conversation is handed down and kept current', () => {
    const { app, sql, reads } = countingApp();
    const repo = TestRepo.create({});
    cleanup.push(dirname(repo.dir));
    repo.commit('a.txt', 'x', 'init');
    repo.git(['checkout', '-q', '-b', 'feature/T-1-read-once']);
    const c = newCall(app);
    sql.db.transaction(() => {
      createProject(c, { code: 'P', title: 'project' });
      createTask(c, { code: 'T-1', title: 'task one', project: 'P' });
    })();
    const event = (name: string, at: number, payload: Record<string, unknown>) => {
      reads.sessionRows = 0;
      const r = sql.db.transaction(() =>
        applyAgentEvent(newCall(app, 'hook'), {
          agent: 'claude',
          event: name,
          payload: { session_id: 'chat-1', cwd: repo.dir, ...payload },
          at,
          eventId: null,
        }),
      )();
      return { r, reads: reads.sessionRows };
    };

    // A start reads the new row once (and the claim looks its task's holder up by id); the
    // task activation reuses the row. Before, a start read its row by key 8 times, a prompt
    // 3 times, a tool call once and a stop twice.
    const start = event('SessionStart', T0, { source: 'startup' });
    expect(start.r.outcome).toBe('ingested');
    expect(start.reads).toBeLessThanOrEqual(2);
    const prompt = event('UserPromptSubmit', T0 + 1_000, { prompt: 'go' });
    expect(prompt.reads).toBe(0);
    expect(event('PreToolUse', T0 + 2_000, { tool_name: 'Bash', tool_input: { command: 'ls' } }).reads).toBe(0);
    const stop = event('Stop', T0 + 3_000, {});
    expect(stop.reads).toBe(0);

    // The row handed down was kept current: it equals what the store holds.
    // (total_active_seconds, kept by the interval triggers, is no field of the row type.)
    const held = stop.r.session!;
    const { total_active_seconds: _held, ...kept } = held as typeof held & { total_active_seconds?: number };
    const { total_active_seconds: _stored, ...stored } = getSession(newCall(app), held.key) as typeof held & {
      total_active_seconds?: number;
    };
    expect(kept).toEqual(stored);
    expect(JSON.parse(held.stack).map((f: { code: string }) => f.code)).toEqual(['P', 'T-1']);
    expect(held.status).toBe('paused');
  });
});
