// A fast start for `fragctl mcp`: an agent starts the server and waits for its tool list
// before its first turn, and loading the MCP SDK costs several times node's own start. So
// `initialize` and `tools/list` are answered from dist/mcp-start.json, which the build
// recorded from this very server (scripts/mcp-start.mjs), and the SDK server is loaded only
// for the first other message; it then gets every message so far (the answers already
// given are not sent twice) and serves the rest. Without the file, or for a client that
// frames messages otherwise, the server starts as before.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MCP_START_FILE = 'mcp-start.json';

export interface McpStart {
  /** fragd's version the file was recorded with. */
  version: string;
  /** Protocol versions the SDK accepts; the first is its latest. */
  versions: string[];
  /** The initialize result (its protocolVersion is set per client, as the SDK does). */
  initialize: Record<string, unknown>;
  tools: Record<string, unknown>;
}

/** The recorded answers beside this bundle, when they are this version's. */
export function recordedStart(version: string): McpStart | null {
  const file = join(dirname(fileURLToPath(import.meta.url)), MCP_START_FILE);
  if (!existsSync(file)) return null;
  try {
    const start = JSON.parse(readFileSync(file, 'utf8')) as McpStart;
    return start.version === version && Array.isArray(start.versions) && start.tools ? start : null;
  } catch {
    return null;
  }
}

type Message = JSONRPCMessage & { id?: string | number; method?: string; params?: Record<string, unknown> };

/**
 * Answers what it can from `start`; on the first message it cannot, calls `handover` with
 * every message received so far, the ids already answered, and the input from there on (a
 * stream this keeps feeding from stdin, so nothing read or still to come is lost).
 */
export function fastFront(
  start: McpStart,
  handover: (pending: Message[], answered: Set<string | number>, input: PassThrough) => void,
): void {
  const received: Message[] = [];
  const answered = new Set<string | number>();
  let buf = '';
  let input: PassThrough | null = null;
  const write = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);
  const finish = (rest: string) => {
    input = new PassThrough();
    if (rest) input.write(rest);
    handover(received, answered, input);
  };
  process.stdin.on('data', (chunk: Buffer) => {
    if (input) return void input.write(chunk);
    buf += chunk.toString('utf8');
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      let msg: Message;
      try {
        msg = JSON.parse(line) as Message;
      } catch {
        // Not ours to judge: the SDK answers it as it would have.
        return finish(`${line}\n${buf}`);
      }
      received.push(msg);
      if (msg.method === 'initialize' && msg.id !== undefined) {
        const asked = typeof msg.params?.protocolVersion === 'string' ? msg.params.protocolVersion : '';
        const protocolVersion = start.versions.includes(asked) ? asked : start.versions[0];
        write({ jsonrpc: '2.0', id: msg.id, result: { ...start.initialize, protocolVersion } });
        answered.add(msg.id);
      } else if (msg.method === 'tools/list' && msg.id !== undefined && !msg.params?.cursor) {
        write({ jsonrpc: '2.0', id: msg.id, result: start.tools });
        answered.add(msg.id);
      } else if (msg.method !== 'notifications/initialized') {
        // (initialized needs no answer; the SDK server gets it with the rest.)
        return finish(buf);
      }
    }
  });
  // The client closed before asking anything the records cannot answer: the server starts
  // all the same and ends as it always does on end of input.
  process.stdin.once('end', () => {
    if (!input) finish(buf);
    input!.end();
  });
}
