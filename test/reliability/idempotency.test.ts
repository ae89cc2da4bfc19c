// Issue 9, item 7: an event id makes a retry idempotent for its writer only. Before, an
// agent's `activity.note {event_id: "1"}` after a human's note with event id "1" was
// silently dropped and answered with the human's note (message included): event ids were
// unique across the whole database.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { migrations } from '../../daemon/store/migrations.js';
import { openDatabase } from '../../daemon/store/database.js';
import { startDaemon, tempHome, type TestDaemon } from '../support/daemon.js';
import { scale } from './scale.js';

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('event ids are scoped to the writer and the kind of call', () => {
  it('two writers with the same event id are both recorded; each replay of a writer is deduplicated', async () => {
    const human = (await c.call('session.start', { actor: 'human', source: 'cli' })).session.key;
    const agent = (await c.call('session.start', { actor: 'claude', source: 'mcp' })).session.key;
    const writers = scale(5, 40);

    const first = await c.call('activity.note', { actor: 'human', message: "the human's note", event_id: '1' });
    expect(first.duplicate).toBe(false);
    const second = await c.call('activity.note', { actor: 'claude', message: "claude's note", event_id: '1' });
    expect(second.duplicate).toBe(false);
    expect(second.activity.message).toBe("claude's note");
    expect(second.activity.id).not.toBe(first.activity.id);

    // The same writer replaying: the first answer again, nothing new written.
    const replay = await c.call('activity.note', { actor: 'claude', message: 'a retry', event_id: '1' });
    expect(replay).toMatchObject({ duplicate: true, activity: { id: second.activity.id, message: "claude's note" } });
    const humanReplay = await c.call('activity.note', { actor: 'human', message: 'a retry', event_id: '1' });
    expect(humanReplay).toMatchObject({ duplicate: true, activity: { id: first.activity.id } });

    // Another kind of call by the same writer is another event.
    const update = await c.call('activity.update', { actor: 'claude', message: 'an update', event_id: '1' });
    expect(update.duplicate).toBe(false);
    const log = await c.call('activity.log', { actor: 'claude', message: 'a log line', event_id: '1' });
    expect(log.duplicate).toBe(false);
    // A second actor writing into claude's session (by key) is a writer of its own.
    const visitor = await c.call('activity.note', {
      session: agent,
      actor: 'reviewer',
      message: 'visit',
      event_id: '1',
    });
    expect(visitor.duplicate).toBe(false);

    // Many writers, each sending its event "x" several times (concurrently): one row each.
    const many = await Promise.all(
      Array.from({ length: writers }, (_, i) => `bot${i}`).map(async (actor) => {
        const key = (await c.call('session.start', { actor, source: 'mcp' })).session.key;
        const answers = await Promise.all(
          [0, 1, 2].map(() =>
            c.call('activity.note', { session: key, actor, message: `from ${actor}`, event_id: 'x' }),
          ),
        );
        return { key, answers };
      }),
    );
    for (const { key, answers } of many) {
      expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.activity.id)).size).toBe(1);
      const notes = (await c.call('session.history', { session: key })).activities.filter((a) => a.kind === 'note');
      expect(notes).toHaveLength(1);
    }

    const humanNotes = (await c.call('session.history', { session: human })).activities.filter(
      (a) => a.kind === 'note',
    );
    expect(humanNotes.map((a) => a.message)).toEqual(["the human's note"]);
    const agentNotes = (await c.call('session.history', { session: agent })).activities
      .filter((a) => a.kind === 'note')
      .map((a) => a.message);
    expect(agentNotes).toEqual(["claude's note", 'visit']);
  });

  it('a database from before keeps its rows, ids, git links and replays; two writers may then share an id', () => {
    const home = tempHome();
    const path = join(home, 'fragments.db');
    // The schema just before the migration that scopes event ids (found by what it does,
    // not by its number).
    const at = migrations.findIndex((m) => m.includes('activities_event'));
    expect(at).toBeGreaterThan(0);
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    for (let v = 0; v < at; v++) old.exec(migrations[v]);
    old.pragma(`user_version = ${at}`);
    old.exec(`
      INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, last_activity_at)
        VALUES (1, 'SESSION-001', 'human', 'u', 'cli', 'work', 'active', 0, 0),
               (2, 'SESSION-002', 'claude', 'u', 'mcp', 'work', 'active', 0, 0);
      INSERT INTO activities (id, session_id, kind, message, event_id, at) VALUES
        (7, 1, 'note', 'human note', '1', 1),
        (8, 2, 'update', 'agent update', 'u-1', 2),
        (9, 1, 'git.commit', 'abc subject', 'git.commit:r:abc', 3),
        (10, 1, 'note', 'no id', NULL, 4),
        (11, 2, 'agent.prompt', 'a prompt', 'agent:rec-1', 5);
      INSERT INTO git_commits (repo, sha, session_id, activity_id, at) VALUES ('/r', 'abc', 1, 9, 3);
    `);
    old.close();

    const db = openDatabase(path);
    try {
      const rows = db.prepare('SELECT id, message, event_id, event_scope FROM activities ORDER BY id').all();
      expect(rows).toEqual([
        { id: 7, message: 'human note', event_id: '1', event_scope: 'activity.note|SESSION-001|human' },
        { id: 8, message: 'agent update', event_id: 'u-1', event_scope: 'activity.update|SESSION-002|claude' },
        { id: 9, message: 'abc subject', event_id: 'git.commit:r:abc', event_scope: 'git' },
        { id: 10, message: 'no id', event_id: null, event_scope: null },
        { id: 11, message: 'a prompt', event_id: 'agent:rec-1', event_scope: 'agent' },
      ]);
      expect(db.prepare('SELECT activity_id FROM git_commits').pluck().get()).toBe(9);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // The same writer's id is still taken; another writer's is not.
      const insert = db.prepare(
        "INSERT INTO activities (session_id, kind, message, event_id, event_scope, at) VALUES (?, 'note', 'x', '1', ?, 5)",
      );
      expect(() => insert.run(1, 'activity.note|SESSION-001|human')).toThrow(/UNIQUE/);
      expect(() => insert.run(2, 'activity.note|SESSION-002|claude')).not.toThrow();
    } finally {
      db.close();
    }
  });
});
