// The HTTP API and the MCP server: what they add over a Unix-socket round trip.
// Every figure is printed beside the socket baseline measured in the same run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  BenchDaemon,
  RawClient,
  FRAGCTL,
  ensureBuilt,
  fmt,
  latencies,
  percentile,
  row,
  throughput,
  seedWork,
} from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const N = QUICK ? 300 : 2000;

ensureBuilt();
console.log(`\n== HTTP API and MCP server (${QUICK ? 'quick' : 'full'} run, node ${process.version}) ==`);
const d = new BenchDaemon();
writeFileSync(join(d.home, 'config.json'), JSON.stringify({ http: { enabled: true, port: 0 } }));
await d.start();
try {
  const port = Number(readFileSync(join(d.home, 'http-port'), 'utf8'));
  const token = readFileSync(join(d.home, 'http-token'), 'utf8').trim();
  const c = await RawClient.open(d.socket);
  const session = await seedWork(c);

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const post = (path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(text),
            ...headers,
          },
        },
        (res) => {
          let out = '';
          res.on('data', (x) => (out += x));
          res.on('end', () => (res.statusCode < 300 ? resolve(out) : reject(new Error(`${res.statusCode} ${out}`))));
        },
      );
      req.on('error', reject);
      req.end(text);
    });

  for (let i = 0; i < 200; i++) {
    await c.call('daemon.hello', { protocol: 1 });
    await post('/rpc', { jsonrpc: '2.0', id: 1, method: 'daemon.hello', params: { protocol: 1 } });
  }

  const sockHello = await latencies(() => c.call('daemon.hello', { protocol: 1 }), N);
  const httpHello = await latencies(
    () => post('/rpc', { jsonrpc: '2.0', id: 1, method: 'daemon.hello', params: { protocol: 1 } }),
    N,
  );
  row(
    'socket daemon.hello (baseline) p50 / p99',
    `${fmt(percentile(sockHello, 50), 3)} / ${fmt(percentile(sockHello, 99), 3)} ms`,
  );
  row(
    'HTTP POST /rpc daemon.hello (keep-alive) p50 / p99',
    `${fmt(percentile(httpHello, 50), 3)} / ${fmt(percentile(httpHello, 99), 3)} ms`,
    `+${fmt(percentile(httpHello, 50) - percentile(sockHello, 50), 3)} ms p50`,
  );

  const sockUpd = await latencies((i) => c.call('activity.update', { session: session.key, message: `s${i}` }), N);
  const httpUpd = await latencies(
    (i) => post('/api/tasks/update', { message: `h${i}` }, { 'X-Session-Key': session.key }),
    N,
  );
  row('socket activity.update p50 / p99', `${fmt(percentile(sockUpd, 50), 3)} / ${fmt(percentile(sockUpd, 99), 3)} ms`);
  row(
    'HTTP POST /api/tasks/update p50 / p99',
    `${fmt(percentile(httpUpd, 50), 3)} / ${fmt(percentile(httpUpd, 99), 3)} ms`,
    `ratio p50 ${fmt(percentile(httpUpd, 50) / percentile(sockUpd, 50))}×`,
  );

  const sockTput = await throughput(
    (i) => c.call('activity.update', { session: session.key, message: `t${i}` }),
    N * 2,
    16,
  );
  const httpTput = await throughput(
    (i) => post('/api/tasks/update', { message: `u${i}` }, { 'X-Session-Key': session.key }),
    N * 2,
    16,
  );
  row('updates/s, 16 in flight: socket (one connection)', fmt(sockTput, 0));
  row(
    'updates/s, 16 in flight: HTTP (16 keep-alive connections)',
    fmt(httpTput, 0),
    `ratio ${fmt(httpTput / sockTput)}×`,
  );

  // MCP: the agent's view. Spawn time of `fragctl mcp` to a listed tool set, then tool calls.
  const spawnTimes = [];
  let mcp;
  for (let i = 0; i < (QUICK ? 3 : 10); i++) {
    const t = performance.now();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [FRAGCTL, 'mcp', '--actor', 'bench'],
      env: d.env,
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    await client.listTools();
    spawnTimes.push(performance.now() - t);
    if (mcp) await client.close();
    else mcp = client;
  }
  spawnTimes.sort((a, b) => a - b);
  row(
    'fragctl mcp: spawn → initialize → tools/list, median',
    `${fmt(percentile(spawnTimes, 50), 1)} ms`,
    `(${spawnTimes.length} runs)`,
  );
  const M = QUICK ? 100 : 500;
  for (let i = 0; i < 20; i++) await mcp.callTool({ name: 'update', arguments: { message: 'warm' } });
  const sockStatus = await latencies(() => c.call('session.status', { session: session.key }), M);
  const mcpUpd = await latencies((i) => mcp.callTool({ name: 'update', arguments: { message: `m${i}` } }), M);
  const mcpStatus = await latencies(() => mcp.callTool({ name: 'session_status', arguments: {} }), M);
  row('socket session.status (baseline) p50', `${fmt(percentile(sockStatus, 50), 3)} ms`);
  row(
    'MCP tool update (1 daemon call) p50 / p99',
    `${fmt(percentile(mcpUpd, 50), 3)} / ${fmt(percentile(mcpUpd, 99), 3)} ms`,
    `vs socket update ${fmt(percentile(mcpUpd, 50) / percentile(sockUpd, 50))}×`,
  );
  row(
    'MCP tool session_status (2 calls: status + instructions) p50',
    `${fmt(percentile(mcpStatus, 50), 3)} ms`,
    `vs socket ${fmt(percentile(mcpStatus, 50) / percentile(sockStatus, 50))}×`,
  );
  await mcp.close();
  agent.destroy();
  c.close();
} finally {
  await d.dispose();
}
