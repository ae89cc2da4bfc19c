// From a frame's text to its answer's text, as JSON-RPC 2.0 says to the letter (section 4
// "Request object", 5 "Response object", 6 "Batch"): every element is checked as a request
// object before anything runs, every error carries `data.error`, an id is answered exactly
// as sent (its very digits: 12345678901234567890 stays so), notifications get no answer,
// and no answer is larger than a client can read (MAX_ANSWER_BYTES), a batch included.
// The socket and HTTP /rpc both answer through here; calls themselves go to the
// dispatcher's envelope.
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { ErrorCode, errorNameByCode } from '../../shared/errors.js';
import { MAX_ANSWER_BYTES, MAX_BATCH_LENGTH } from '../../shared/limits.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';
import type { Dispatcher } from './dispatcher.js';
import { toRpcError } from './dispatcher.js';
import type { Connection } from './handler-types.js';

/** One element of a frame, checked: a call to run, or the answer it gets without running. */
type Checked =
  | { kind: 'call'; method: MethodName; params: unknown; id: string | undefined; mutates: boolean }
  | { kind: 'answer'; text: string | null };

export interface FrameWork {
  /** The answer's text (without newline), or null when nothing is answered. */
  answer: Promise<string | null>;
  /** The frame holds a write: its answer waits for a commit, so the next frame need not wait for it. */
  writes: boolean;
}

/** Room kept in a batch's answer for the errors that replace answers past the cap. */
const ERROR_ROOM = MAX_BATCH_LENGTH * 600;

export class FrameAnswerer {
  constructor(
    private readonly dispatcher: Dispatcher,
    /** Rewrites a request's params before it runs (HTTP fills the session from its headers). */
    private readonly adapt: (method: MethodName, params: unknown) => unknown = (_m, p) => p,
  ) {}

  /** A connection closed: the dispatcher settles what it leaves behind (an MCP client's time). */
  connectionClosed(conn: Connection): void {
    this.dispatcher.connectionClosed(conn);
  }

  /** Answers one frame's text. */
  start(text: string, conn: Connection): FrameWork {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (err) {
      return settled(
        errorText(
          'null',
          ErrorCode.ParseError,
          `parse error: ${(err as Error).message}; send one JSON text per line`,
          {},
        ),
      );
    }
    return this.startParsed(payload, text, conn);
  }

  /** Answers an already parsed message; `text` is its source, for ids answered digit for digit. */
  startParsed(payload: unknown, text: string | null, conn: Connection): FrameWork {
    const ids = exactIds(payload, text);
    if (!Array.isArray(payload)) {
      const checked = this.check(payload, ids[0]);
      if (checked.kind === 'answer') return settled(checked.text);
      return { answer: this.single(checked, conn), writes: checked.mutates };
    }
    if (payload.length === 0) return settled(invalid('null', 'an empty batch is not a request', {}));
    if (payload.length > MAX_BATCH_LENGTH) {
      return settled(
        invalid(
          'null',
          `a batch of ${payload.length} calls is refused: at most ${MAX_BATCH_LENGTH} per batch; split it`,
          { reason: 'batch_too_long', limit: MAX_BATCH_LENGTH, length: payload.length },
        ),
      );
    }
    const checked = payload.map((p, i) => this.check(p, ids[i]));
    return {
      answer: this.batch(checked, conn),
      writes: checked.some((c) => c.kind === 'call' && c.mutates),
    };
  }

  /** JSON-RPC 2.0 section 4: what makes a request object, and whether it can be run. */
  private check(p: unknown, exactId: string | undefined): Checked {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) {
      const what = p === null ? 'null' : Array.isArray(p) ? 'an array' : typeof p;
      return { kind: 'answer', text: invalid('null', `${what} is not a JSON-RPC request object`, {}) };
    }
    const r = p as Record<string, unknown>;
    const hasId = Object.hasOwn(r, 'id');
    const idOk = !hasId || typeof r.id === 'string' || typeof r.id === 'number' || r.id === null;
    const id = hasId && idOk ? (exactId ?? JSON.stringify(r.id)) : undefined;
    const refuse = (why: string, reason: string) => ({
      kind: 'answer' as const,
      text: invalid(id ?? 'null', `invalid request: ${why}`, { reason }),
    });
    if (r.jsonrpc !== '2.0') return refuse('"jsonrpc" must be exactly "2.0"', 'jsonrpc_version');
    if (typeof r.method !== 'string') return refuse('"method" must be a string', 'method_type');
    if (!idOk) return refuse('"id" must be a string, a number or null', 'id_type');
    if (Object.hasOwn(r, 'params') && (typeof r.params !== 'object' || r.params === null))
      return refuse('"params" must be an object or an array when present', 'params_type');
    if (!Object.hasOwn(methods, r.method)) {
      // A notification is never answered, not even with an error (section 4.1).
      if (id === undefined) return { kind: 'answer', text: null };
      return {
        kind: 'answer',
        text: errorText(id, ErrorCode.MethodNotFound, `no method ${JSON.stringify(r.method)}`, {
          method: r.method,
          hint: 'docs/protocol.md lists every method; fragd methods look like session.status',
        }),
      };
    }
    const method = r.method as MethodName;
    // Positional params: an empty array is "no params"; the methods take named params otherwise,
    // which the envelope says with -32602.
    const params = Array.isArray(r.params) && r.params.length === 0 ? undefined : r.params;
    try {
      return { kind: 'call', method, params: this.adapt(method, params), id, mutates: methods[method].mutates };
    } catch (err) {
      const rpc = toRpcError(err, method);
      if (id === undefined) return { kind: 'answer', text: null };
      return {
        kind: 'answer',
        text: errorText(id, rpc.code, rpc.message, (rpc.data ?? {}) as Record<string, unknown>),
      };
    }
  }

  /** Runs a call; its answer's text, or null for a notification. Never rejects. */
  private async run(c: Extract<Checked, { kind: 'call' }>, conn: Connection): Promise<string | null> {
    let text: string;
    try {
      const result = await this.dispatcher.invoke(c.method, c.params, conn);
      text = `{"jsonrpc":"2.0","id":${c.id ?? 'null'},"result":${JSON.stringify(result) ?? 'null'}}`;
    } catch (err) {
      const rpc = toRpcError(err, c.method);
      text = errorText(c.id ?? 'null', rpc.code, rpc.message, (rpc.data ?? {}) as Record<string, unknown>);
    }
    return c.id === undefined ? null : text;
  }

  private async single(c: Extract<Checked, { kind: 'call' }>, conn: Connection): Promise<string | null> {
    const text = await this.run(c, conn);
    if (text === null || !overCap(text, MAX_ANSWER_BYTES)) return text;
    return tooLarge(c.id!, c.method, byteLength(text), c.mutates);
  }

  /**
   * A batch: writes are queued together (one group commit), reads run one after another,
   * and once the answers so far fill the cap the rest are not run but answered with an error.
   */
  private async batch(checked: Checked[], conn: Connection): Promise<string | null> {
    const parts: (string | null)[] = new Array<string | null>(checked.length).fill(null);
    const writes: Promise<void>[] = [];
    const budget = MAX_ANSWER_BYTES - ERROR_ROOM;
    let used = 0;
    for (const [i, c] of checked.entries()) {
      if (c.kind === 'answer') {
        parts[i] = c.text;
        used += c.text?.length ?? 0;
        continue;
      }
      if (used > budget) {
        if (c.id !== undefined) parts[i] = budgetSpent(c.id, c.method);
        continue;
      }
      const answered = this.run(c, conn).then((t) => void (parts[i] = t));
      if (c.mutates) writes.push(answered);
      else {
        await answered;
        used += byteLength(parts[i] ?? '');
      }
    }
    await Promise.all(writes);
    // The final word on size: in order, an answer that would overflow the cap gives way to an error.
    let total = 2;
    const out: string[] = [];
    for (const [i, part] of parts.entries()) {
      if (part === null) continue;
      let text = part;
      const c = checked[i];
      if (total + byteLength(part) + 1 > budget && c.kind === 'call')
        text = tooLarge(c.id!, c.method, byteLength(part), c.mutates);
      total += byteLength(text) + 1;
      out.push(text);
    }
    return out.length ? `[${out.join(',')}]` : null;
  }
}

const settled = (text: string | null): FrameWork => ({ answer: Promise.resolve(text), writes: false });

/** An error response's text; `data.error` is always there, named after the code. */
export function errorText(id: string, code: number, message: string, data: Record<string, unknown>): string {
  const withName = { error: errorNameByCode[code] ?? 'internal_error', ...data };
  return `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify({ code, message, data: withName })}}`;
}

const invalid = (id: string, message: string, data: Record<string, unknown>) =>
  errorText(id, ErrorCode.InvalidRequest, message, {
    hint: 'a request is {"jsonrpc":"2.0","method":"<name>","params":{…},"id":<string|number|null>}',
    ...data,
  });

function tooLarge(id: string, method: string, bytes: number, ran: boolean): string {
  return errorText(
    id,
    ErrorCode.FrameTooLarge,
    `the answer of ${method} would be ${bytes} bytes, more than the ${MAX_ANSWER_BYTES} a frame may hold; ${
      ran ? 'the call ran, its answer is withheld' : 'nothing was changed'
    }. Ask for less: page with cursor/next_cursor, a smaller limit, or fewer calls per batch`,
    { reason: 'answer_too_large', limit_bytes: MAX_ANSWER_BYTES, answer_bytes: bytes, ran },
  );
}

function budgetSpent(id: string, method: string): string {
  return errorText(
    id,
    ErrorCode.FrameTooLarge,
    `${method} was not run: the answers before it in this batch already fill the ${MAX_ANSWER_BYTES} bytes a frame may hold; send it again in another batch`,
    { reason: 'batch_answer_budget', limit_bytes: MAX_ANSWER_BYTES, ran: false },
  );
}

/** UTF-8 bytes, counted only when the text could be near the cap (a character is at most 3 bytes). */
const byteLength = (text: string) => (text.length * 3 <= MAX_ANSWER_BYTES ? text.length : Buffer.byteLength(text));
const overCap = (text: string, cap: number) => text.length > cap / 3 && Buffer.byteLength(text) > cap;

/**
 * The ids whose digits JSON.parse may have changed (past 2^53, -0, 1.0, 1e3), as sent.
 * Most ids are small integers written plainly; only when one is not found verbatim in
 * the text is the frame read again with lossless-json to recover its digits.
 */
function exactIds(payload: unknown, text: string | null): (string | undefined)[] {
  const items = Array.isArray(payload) ? payload : [payload];
  const idOf = (p: unknown) =>
    typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as { id?: unknown }).id : undefined;
  const suspect = (id: unknown) =>
    typeof id === 'number' &&
    (!Number.isSafeInteger(id) || Object.is(id, -0) || text === null || !plainlyWritten(text, id));
  if (text === null || !items.some((p) => suspect(idOf(p)))) return [];
  let again: unknown;
  try {
    again = parseLossless(text);
  } catch {
    return []; // too deep for the lossless reader: the ids are answered as JSON.parse read them
  }
  const originals = Array.isArray(again) ? again : [again];
  return originals.map((p) => {
    const id = idOf(p);
    return isLosslessNumber(id) ? id.value : undefined;
  });
}

/** `"id":42` followed by something that ends a number: the id was written as JSON.stringify writes it. */
function plainlyWritten(text: string, id: number): boolean {
  const needle = `"id":${id}`;
  let at = text.indexOf(needle);
  while (at !== -1) {
    const next = text[at + needle.length];
    if (next === undefined || !/[0-9.eE]/.test(next)) return true;
    at = text.indexOf(needle, at + 1);
  }
  return false;
}
