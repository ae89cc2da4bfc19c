// `fragctl mcp`: an MCP server over stdio for AI agents. A thin adapter: every tool is one
// protocol method called through FragClient (which starts fragd when none answers); the
// daemon decides everything. stdout carries the MCP protocol, so notices go to stderr.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Readable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult, JSONRPCMessage, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { FragClient, RpcError, DaemonUnreachable, UnsafeSocket } from '../lib/client.js';
import type { MethodName } from '../../shared/protocol/methods.js';
import { ErrorCode } from '../../shared/errors.js';
import {
  callForOp,
  paramsFor,
  resolveOpTools,
  resolveTools,
  ToolArgsError,
  type AgentIdentity,
  type ResolvedTool,
} from './tools.js';

declare const __FRAGD_VERSION__: string;
const VERSION = typeof __FRAGD_VERSION__ === 'string' ? __FRAGD_VERSION__ : '0.0.0-dev';

export const DEFAULT_AGENT_ACTOR = 'agent';

const SERVER_INSTRUCTIONS =
  'fragd tracks your work session. Flow: session_start (or session_resume with a key after a crash), task_activate, ' +
  'update as you go, done with a summary, session_end. Every answer has instructions: follow next_actions. ' +
  'session_key (SESSION-NNN) names a session; by default, yours.';

export interface McpOptions {
  who: AgentIdentity;
  env?: NodeJS.ProcessEnv;
  autoStart?: boolean;
}

/** One daemon connection, opened on first use and again after the daemon went away. */
class DaemonLink {
  private client: Promise<FragClient> | null = null;

  constructor(private readonly opts: McpOptions) {}

  get(): Promise<FragClient> {
    if (!this.client) {
      const pending = FragClient.connect({
        env: this.opts.env,
        autoStart: this.opts.autoStart,
        clientName: 'fragctl-mcp',
        notice: (m) => process.stderr.write(`fragctl mcp: ${m}\n`),
      });
      this.client = pending;
      pending.then(
        (c) => void c.closed().then(() => this.client === pending && (this.client = null)),
        () => this.client === pending && (this.client = null),
      );
    }
    return this.client;
  }

  async call(method: MethodName, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const client = await this.get();
    return (await client.call(method, params)) as Record<string, unknown>;
  }

  close(): void {
    void this.client?.then(
      (c) => c.close(),
      () => undefined,
    );
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function success(result: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: json(result) }], structuredContent: result };
}

/** A tool error with the daemon's actionable message first, then the parseable error object. */
export function failure(err: unknown): CallToolResult {
  let error: { code: number | string; message: string; data?: unknown };
  if (err instanceof RpcError) error = { code: err.code, message: err.message, data: err.data };
  else if (err instanceof DaemonUnreachable) error = { code: 'unreachable', message: err.message };
  else if (err instanceof UnsafeSocket) error = { code: err.code, message: err.message };
  else if (err instanceof ToolArgsError)
    error = { code: ErrorCode.InvalidParams, message: err.message, data: { error: 'invalid_params', hint: err.hint } };
  else error = { code: 'internal', message: (err as Error)?.message ?? String(err) };
  const hint = (error.data as { hint?: string } | undefined)?.hint;
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.message}${hint ? `\nhint: ${hint}` : ''}\n${json({ error })}` }],
    structuredContent: { error },
  };
}

export function createMcpServer(opts: McpOptions): { server: McpServer; link: DaemonLink; tools: ResolvedTool[] } {
  const server = new McpServer({ name: 'fragd', version: VERSION }, { instructions: SERVER_INSTRUCTIONS });
  const link = new DaemonLink(opts);
  const tools = resolveTools();

  /**
   * Reads carry no instructions of their own; the daemon supplies them for the same session.
   * A report whose session/actor are filters may be about anyone's work, so it gets the
   * agent's own session's instructions, and `instructions_session` says which session that is.
   */
  const withInstructions = async (
    tool: ResolvedTool,
    params: Record<string, unknown>,
    result: Record<string, unknown>,
  ) => {
    if ('instructions' in result || (!tool.takesSession && !tool.targetIsFilter)) return result;
    const own = tool.targetIsFilter;
    const session = own ? opts.who.session : params.session;
    const target = { ...(session ? { session } : { actor: opts.who.actor }), source: 'mcp' };
    try {
      const answer = await link.call('session.instructions', target);
      return { ...result, instructions: answer.instructions, ...(own ? { instructions_session: answer.session } : {}) };
    } catch {
      // The read itself succeeded; a session that cannot be resolved simply has no next step.
      return result;
    }
  };

  /** The agent's own session's instructions (by FRAGMENTS_SESSION, else its actor's current session). */
  const ownInstructions = async (result: Record<string, unknown>) => {
    const target = { ...(opts.who.session ? { session: opts.who.session } : { actor: opts.who.actor }), source: 'mcp' };
    try {
      return { ...result, instructions: (await link.call('session.instructions', target)).instructions };
    } catch {
      // No session to speak of (an agent correcting time after its sessions ended): the answer alone.
      return result;
    }
  };

  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.inputSchema, annotations: { readOnlyHint: !tool.mutates } },
      async (args: Record<string, unknown>) => {
        const params = paramsFor(tool, args, opts.who);
        try {
          const result = await link.call(tool.method, params);
          return success(await withInstructions(tool, params, result));
        } catch (err) {
          return failure(err);
        }
      },
    );
  }

  // Op tools (time_correct): the op picks the method; the answer gets the agent's own instructions.
  for (const tool of resolveOpTools()) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.inputSchema, annotations: { readOnlyHint: false } },
      async (args: Record<string, unknown>) => {
        try {
          const { method, params } = callForOp(tool, args, opts.who);
          const result = await link.call(method, params);
          return success(await ownInstructions(result));
        } catch (err) {
          return failure(err);
        }
      },
    );
  }

  const readSession = async (uri: URL, session?: string): Promise<ReadResourceResult> => {
    const target = {
      ...(session ? { session } : opts.who.session ? { session: opts.who.session } : { actor: opts.who.actor }),
      source: 'mcp',
    };
    let body: unknown;
    try {
      const status = await link.call('session.status', target);
      const { instructions } = await link.call('session.instructions', target);
      body = { ...status, instructions };
    } catch (err) {
      // A resource read has no error flag; the error object is the content, so the agent sees why.
      body = { session: null, error: (failure(err).structuredContent as { error: unknown }).error };
    }
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: json(body) }] };
  };

  server.registerResource(
    'current-session',
    'fragd://session/current',
    {
      title: 'Current session',
      description: 'Your session now: status, stack, active time, recent activity, instructions.',
      mimeType: 'application/json',
    },
    (uri) => readSession(uri),
  );
  server.registerResource(
    'session',
    new ResourceTemplate('fragd://session/{key}', { list: undefined }),
    {
      title: 'A session by key',
      description: 'A session (SESSION-NNN): status, stack, active time, recent activity, instructions.',
      mimeType: 'application/json',
    },
    (uri, vars) => readSession(uri, String(Array.isArray(vars.key) ? vars.key[0] : vars.key)),
  );

  return { server, link, tools };
}

/** Requests received but not yet answered, so closing stdin does not drop their answers. */
function trackOutstanding(transport: StdioServerTransport) {
  const open = new Set<string | number>();
  let idle: (() => void) | null = null;
  const onmessage = transport.onmessage!;
  transport.onmessage = (msg: JSONRPCMessage) => {
    if ('method' in msg && 'id' in msg) open.add(msg.id);
    onmessage(msg);
  };
  const send = transport.send.bind(transport);
  transport.send = async (msg: JSONRPCMessage) => {
    await send(msg);
    if (!('method' in msg) && 'id' in msg && msg.id !== undefined) {
      open.delete(msg.id);
      if (open.size === 0) idle?.();
    }
  };
  return {
    /** Resolves when every request has its answer, or after `ms` (a hung call must not keep us alive). */
    settled: (ms: number) =>
      new Promise<void>((resolve) => {
        if (open.size === 0) return resolve();
        idle = resolve;
        setTimeout(resolve, ms).unref();
      }),
  };
}

/** What the fast start (fast-start.ts) received and answered before it handed over. */
export interface Handover {
  pending: JSONRPCMessage[];
  answered: Set<string | number>;
  /** The client's input from the first message not yet read on. */
  input: Readable;
}

/** Serves MCP on stdin/stdout until the client closes stdin, answering what it already asked. */
export async function runMcpStdio(opts: McpOptions, handover?: Handover): Promise<void> {
  const { server, link } = createMcpServer(opts);
  const input = handover?.input ?? process.stdin;
  const transport = new StdioServerTransport(input);
  const closed = new Promise<'closed' | 'eof'>((resolve) => {
    server.server.onclose = () => resolve('closed');
    input.once('end', () => resolve('eof'));
  });
  if (handover) {
    // The answers the fast start gave are not given twice; the server still sees every
    // message, initialize included, so its state is as if it had read them itself.
    // (Wrapped before trackOutstanding's wrapper, which must still see them answered.)
    const send = transport.send.bind(transport);
    transport.send = async (msg: JSONRPCMessage) => {
      if (!('method' in msg) && 'id' in msg && msg.id !== undefined && handover.answered.delete(msg.id)) return;
      await send(msg);
    };
  }
  await server.connect(transport);
  const outstanding = trackOutstanding(transport);
  for (const msg of handover?.pending ?? []) transport.onmessage?.(msg);
  if ((await closed) === 'eof') await outstanding.settled(30_000);
  link.close();
  await server.close().catch(() => undefined);
}
