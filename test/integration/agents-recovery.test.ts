// fragd itself crashes while an agent works, and comes back after the agent has died too:
// the agent's time ends at its last event, not at the grace a person gets.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { MIN } from '../support/clock.js';
import { Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-07T09:00:00Z');
let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
});
afterAll(() => d.dispose());

it('closes a dead agent’s interval at its last event when fragd restarts', async () => {
  const claude = new Conversation(d, 'claude', {
    session_id: 'rec-1',
    cwd: d.home,
    transcript_path: join(d.home, 't.jsonl'),
  });
  await claude.send('UserPromptSubmit', T0 + MIN);
  await claude.send('PreToolUse', T0 + 2 * MIN);
  const c = await d.client();
  await c.call('debug.clock', { set_ms: T0 + 2 * MIN });
  await c.call('debug.clock', { advance_ms: 30_000, ticking: true }); // one checkpoint, at 2.5 min
  c.close();
  await d.crash();
  d.extraEnv.FRAGD_TEST_CLOCK = String(T0 + 10 * MIN);
  await d.start();
  const db = new Database(d.paths.db, { readonly: true });
  const rows = db.prepare('SELECT started_at, ended_at, end_reason FROM intervals WHERE ended_at > started_at').all();
  db.close();
  expect(rows).toEqual([{ started_at: T0 + MIN, ended_at: T0 + 2 * MIN, end_reason: 'crash' }]);
});
