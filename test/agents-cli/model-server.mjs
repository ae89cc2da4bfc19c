// A scripted model server on 127.0.0.1 for driving the real agent CLIs offline: it speaks
// the wire format each vendor's CLI uses (Anthropic Messages with SSE streaming, OpenAI
// Responses with SSE streaming, Gemini generateContent/streamGenerateContent), answers each
// step of a conversation from a script (a tool call or a text), and reports known usage.
//
// A step is chosen from the conversation the request carries (how many model turns it
// already holds), not from the order requests arrive: a retried request gets the same
// answer, and a resumed conversation goes on where it was. Requests that are not the
// conversation itself (title or topic helpers, counting tokens) get a short text with zero
// usage and are logged apart. `served` keeps the usage of each step answered once per step.
//
// Plain JavaScript so that the tests (TypeScript) and bench/ (node) share it; types in
// model-server.d.mts.
import { createServer } from 'node:http';

/**
 * @typedef {{ input: number, output: number, cache_read?: number, cache_write?: number }} StepUsage
 * @typedef {{ tool?: { name: string, input: Record<string, unknown> }, text?: string, usage: StepUsage }} Step
 */

const sse = (res, chunks) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const [event, data] of chunks) res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  res.end();
};

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function bodyOf(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return { _raw: text };
  }
}

// ---------------------------------------------------------------------------------------
// Anthropic Messages (Claude Code).

function anthropic(res, req, body, step, n, main) {
  const id = `msg_fragd_${main ? step.conversation : 'side'}_${n}`;
  const u = step.usage;
  const usage = {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cache_write ?? 0,
    cache_read_input_tokens: u.cache_read ?? 0,
    output_tokens: u.output,
  };
  const block = step.tool
    ? { type: 'tool_use', id: `toolu_fragd_${n}`, name: step.tool.name, input: step.tool.input }
    : { type: 'text', text: step.text ?? 'done' };
  const stop = step.tool ? 'tool_use' : 'end_turn';
  const message = { id, type: 'message', role: 'assistant', model: body.model ?? 'claude-test', content: [block] };
  if (!body.stream) return json(res, 200, { ...message, stop_reason: stop, stop_sequence: null, usage });
  const start = step.tool ? { ...block, input: {} } : { type: 'text', text: '' };
  const delta = step.tool
    ? { type: 'input_json_delta', partial_json: JSON.stringify(step.tool.input) }
    : { type: 'text_delta', text: block.text };
  sse(res, [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    ],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: start }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: u.output } },
    ],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

/** The conversation's step: how many assistant turns the request already holds. */
const anthropicStep = (body) => (body.messages ?? []).filter((m) => m.role === 'assistant').length;
/** Claude Code's own conversation offers tools; its helpers (titles, topics) do not. */
const anthropicMain = (body) => Array.isArray(body.tools) && body.tools.length > 0;

// ---------------------------------------------------------------------------------------
// OpenAI Responses (Codex).

function openaiResponses(res, body, step, n) {
  const id = `resp_fragd_${step.conversation}_${n}`;
  const u = step.usage;
  // input_tokens counts every input token, cached reads and writes included.
  const input = u.input + (u.cache_read ?? 0) + (u.cache_write ?? 0);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cache_read ?? 0, cache_write_tokens: u.cache_write ?? 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + u.output,
  };
  const item = step.tool
    ? {
        type: 'function_call',
        id: `fc_fragd_${n}`,
        call_id: `call_fragd_${n}`,
        name: step.tool.name,
        arguments: JSON.stringify(step.tool.input),
        status: 'completed',
      }
    : {
        type: 'message',
        id: `msg_fragd_${n}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: step.text ?? 'done', annotations: [] }],
      };
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model ?? 'gpt-test' };
  let seq = 0;
  const ev = (type, data) => [type, { type, sequence_number: seq++, ...data }];
  sse(res, [
    ev('response.created', { response: { ...base, status: 'in_progress', output: [] } }),
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress' } }),
    ev('response.output_item.done', { output_index: 0, item }),
    ev('response.completed', { response: { ...base, status: 'completed', output: [item], usage } }),
  ]);
}

/** Codex sends the whole conversation as input items: the step is how many of them are the model's. */
const openaiStep = (body) =>
  (Array.isArray(body.input) ? body.input : []).filter(
    (i) => i.type === 'function_call' || (i.type === 'message' && i.role === 'assistant'),
  ).length;

// ---------------------------------------------------------------------------------------
// Gemini generateContent / streamGenerateContent (Gemini CLI).

function gemini(res, url, step) {
  const u = step.usage;
  const part = step.tool
    ? { functionCall: { name: step.tool.name, args: step.tool.input } }
    : { text: step.text ?? 'done' };
  const reply = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: u.input + (u.cache_read ?? 0),
      candidatesTokenCount: u.output,
      cachedContentTokenCount: u.cache_read ?? 0,
      totalTokenCount: u.input + (u.cache_read ?? 0) + u.output,
    },
    modelVersion: 'gemini-test',
  };
  if (url.includes(':streamGenerateContent')) return sse(res, [[null, reply]]);
  return json(res, 200, reply);
}

const geminiStep = (body) => (body.contents ?? []).filter((c) => c.role === 'model').length;
/** The CLI's own conversation declares tools; its helpers (routing, next-speaker checks) do not. */
const geminiMain = (body) => Array.isArray(body.tools) && body.tools.some((t) => (t.functionDeclarations ?? []).length);

// ---------------------------------------------------------------------------------------

/** The first message of a request's conversation, as text (which conversation it is). */
const firstMessage = (body) => JSON.stringify((body.messages ?? body.contents ?? body.input ?? [])[0] ?? null);

/**
 * Starts the server. `script` is the conversation: step i answers the request that already
 * holds i model turns; past its end the model says "done". `conversations` adds others
 * (a subagent's), each chosen when its first message contains `match`. `compaction` answers
 * every request for a summary of the conversation (Claude Code's /compact and auto-compact).
 * @param {{ script: Step[], conversations?: { match: string, steps: Step[] }[], compaction?: Step }} opts
 */
/** Claude Code's compaction asks for a summary of the conversation in these words. */
const COMPACTION = 'Your task is to create a detailed summary';

export function startModelServer({ script, conversations = [], compaction }) {
  /** @type {Map<string, StepUsage>} */
  const served = new Map();
  const requests = [];
  const pick = (body) => {
    const first = firstMessage(body);
    const i = conversations.findIndex((c) => first.includes(c.match));
    return i === -1 ? { name: 'main', steps: script } : { name: `c${i}`, steps: conversations[i].steps };
  };
  let compactions = 0;
  const answer = (body, n) => {
    if (compaction && JSON.stringify(body.messages ?? []).includes(COMPACTION)) {
      const i = compactions++;
      served.set(`compaction:${i}`, compaction.usage);
      return { ...compaction, conversation: `compaction${i}` };
    }
    const { name, steps } = pick(body);
    const step = steps[n] ?? { text: 'done', usage: { input: 0, output: 0 } };
    served.set(`${name}:${n}`, step.usage);
    return { ...step, conversation: name };
  };
  const server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const url = req.url ?? '';
    requests.push({ method: req.method, url, main: false, step: -1, body: JSON.stringify(body) });
    const entry = requests[requests.length - 1];
    try {
      if (req.method === 'POST' && /\/v1\/messages\/count_tokens/.test(url))
        return json(res, 200, { input_tokens: 100 });
      if (req.method === 'POST' && /\/v1\/messages(\?|$)/.test(url)) {
        const main = anthropicMain(body);
        const n = anthropicStep(body);
        entry.main = main;
        entry.step = n;
        if (!main) return anthropic(res, req, body, { text: 'Title', usage: { input: 0, output: 0 } }, n, false);
        return anthropic(res, req, body, answer(body, n), n, true);
      }
      if (req.method === 'POST' && /\/responses(\?|$)/.test(url)) {
        const n = openaiStep(body);
        entry.main = true;
        entry.step = n;
        return openaiResponses(res, body, answer(body, n), n);
      }
      if (req.method === 'POST' && /:(streamGenerateContent|generateContent)/.test(url)) {
        const main = geminiMain(body);
        const n = geminiStep(body);
        entry.main = main;
        entry.step = n;
        if (!main)
          // The CLI's helpers ask for JSON (model routing, who speaks next): one answer fits them all.
          return gemini(res, url, {
            text: JSON.stringify({
              reasoning: 'scripted',
              model_choice: 'flash',
              complexity_reasoning: 'scripted',
              complexity_score: 1,
              next_speaker: 'user',
            }),
            usage: { input: 0, output: 0 },
          });
        return gemini(res, url, answer(body, n));
      }
      if (req.method === 'POST' && /:countTokens/.test(url)) return json(res, 200, { totalTokens: 100 });
      if (/\/models/.test(url)) return json(res, 200, { object: 'list', data: [], models: [] });
      return json(res, 404, { error: { message: `the test model server does not serve ${req.method} ${url}` } });
    } catch (err) {
      return json(res, 500, { error: { message: String(err) } });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        url: `http://127.0.0.1:${port}`,
        served,
        requests,
        /** Every usage the conversation was answered with, added up per field. */
        total() {
          const t = { input: 0, output: 0, cache_read: 0, cache_write: 0 };
          for (const u of served.values()) {
            t.input += u.input;
            t.output += u.output;
            t.cache_read += u.cache_read ?? 0;
            t.cache_write += u.cache_write ?? 0;
          }
          return t;
        },
        close: () => new Promise((r) => server.close(() => r(undefined))),
      });
    });
  });
}
