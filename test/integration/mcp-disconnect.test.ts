// An MCP client that goes away (its agent killed) stops counting at its last call, not at
// the idle timeout: the real `fragctl mcp` process, killed with SIGKILL, against a real
// daemon on the test clock.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { MIN } from '../support/clock.js';

const T0 = Date.parse('2026-05-06T09:00:00Z');
let d: TestDaemon;

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
});
afterAll(() => d.dispose());

it('closes the interval of a killed MCP client at its last call', async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FRAGCTL, 'mcp', '--actor', 'claude'],
    env: Object.fromEntries(Object.entries(d.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
    stderr: 'pipe',
  });
  const mcp = new Client({ name: 'fragd-test', version: '1.0.0' });
  await mcp.connect(transport);
  const c = await d.client();
  await mcp.callTool({ name: 'session_start', arguments: {} });
  await c.call('debug.clock', { advance_ms: MIN });
  await mcp.callTool({ name: 'update', arguments: { message: 'parsed the config' } });
  // Four minutes pass with no call (not long enough for any idle timeout to have ticked).
  await c.call('debug.clock', { advance_ms: 4 * MIN });
  process.kill(transport.pid!, 'SIGKILL');
  const s = await until('the session to pause', async () => {
    const st = (await d.json(['status', '--actor', 'claude'])).body.session;
    return st.status === 'paused' && st;
  });
  expect(s.pause_reason).toBe(
    `disconnected: the MCP client went away after its last call at ${new Date(T0 + MIN).toISOString()}`,
  );
  const db = new Database(d.paths.db, { readonly: true });
  const rows = db.prepare('SELECT started_at, ended_at, end_reason FROM intervals ORDER BY id').all();
  db.close();
  expect(rows).toEqual([{ started_at: T0, ended_at: T0 + MIN, end_reason: 'pause' }]);
  // The next call of a client resumes it, as after an idle pause.
  await c.call('activity.note', { actor: 'claude', message: 'back' });
  expect((await d.json(['status', '--actor', 'claude'])).body.session.status).toBe('active');
  c.close();
  await mcp.close().catch(() => undefined);
});
