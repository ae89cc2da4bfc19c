// `fragctl mcp` answers initialize and tools/list from what the build recorded of the same
// server (dist/mcp-start.json) before it loads the MCP SDK: the answers must be exactly the
// SDK server's own, for every protocol version a client may ask, and whatever comes next
// must reach the real server (tested in mcp.test.ts through the SDK client).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, runNode, tempHome, FRAGCTL } from '../support/daemon.js';

let home: string;
beforeAll(() => {
  home = tempHome();
});
afterAll(() => undefined);

async function handshake(version: string, env: NodeJS.ProcessEnv) {
  const lines = [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    { jsonrpc: '2.0', id: 3, method: 'ping' },
  ];
  const r = await runNode(
    FRAGCTL,
    ['mcp', '--no-autostart'],
    { ...process.env, FRAGMENTS_HOME: home, FRAGMENTS_NO_AUTOSTART: '1', ...env },
    lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
  );
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: number })
    .sort((a, b) => a.id - b.id);
}

describe('fragctl mcp fast start', () => {
  it('the build recorded the answers', () => {
    expect(existsSync(join(DIST, 'mcp-start.json'))).toBe(true);
  });

  for (const version of ['2025-06-18', '2024-11-05', '1999-01-01'])
    it(`answers initialize (${version}) and tools/list exactly as the SDK server does, then serves the rest`, async () => {
      const fast = await handshake(version, {});
      const sdk = await handshake(version, { FRAGD_MCP_FAST_START: '0' });
      expect(fast).toEqual(sdk);
      expect(fast.map((m) => m.id)).toEqual([1, 2, 3]);
    });
});
