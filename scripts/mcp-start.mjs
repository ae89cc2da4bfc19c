// Records what `fragctl mcp` answers to initialize and tools/list into DIR/mcp-start.json,
// from the server just built, so that `fragctl mcp` answers them before it loads the MCP SDK
// (client/mcp/fast-start.ts). Run by scripts/build.mjs after bundling:
//   node scripts/mcp-start.mjs DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

const dir = resolve(process.argv[2] ?? 'dist');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const home = mkdtempSync(join(tmpdir(), 'fr-mcp-start-'));
const out = join(dir, 'mcp-start.json');
rmSync(out, { force: true });

const { FRAGMENTS_SESSION: _s, FRAGMENTS_ACTOR: _a, ...env } = process.env;
const child = spawn(process.execPath, [join(dir, 'fragctl.js'), 'mcp', '--no-autostart'], {
  env: { ...env, FRAGMENTS_HOME: home, FRAGMENTS_NO_AUTOSTART: '1', FRAGD_MCP_FAST_START: '0' },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const answers = new Map();
const done = new Promise((resolveDone, reject) => {
  let buf = '';
  const timer = setTimeout(() => reject(new Error('fragctl mcp did not answer within 60 s')), 60_000);
  child.stdout.on('data', (c) => {
    buf += c;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (msg.error) reject(new Error(`fragctl mcp answered an error: ${JSON.stringify(msg.error)}`));
      answers.set(msg.id, msg.result);
      if (msg.id === 1) {
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })}\n`);
      } else if (msg.id === 2) {
        clearTimeout(timer);
        child.stdin.end();
        resolveDone();
      }
    }
  });
  child.on('error', reject);
});
child.stdin.write(
  `${JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'fragd-build', version: pkg.version },
    },
  })}\n`,
);
try {
  await done;
} finally {
  child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
writeFileSync(
  out,
  `${JSON.stringify({ version: pkg.version, versions: SUPPORTED_PROTOCOL_VERSIONS, initialize: answers.get(1), tools: answers.get(2) })}\n`,
);
