// Token usage, where an agent records it: Claude Code's transcript (JSONL at
// transcript_path; assistant lines carry message.usage, one line per content block, so one
// message id may appear on several lines) and Codex's rollout file (JSONL; event_msg lines
// of payload.type token_count carry info.last_token_usage and the cumulative
// info.total_token_usage; the model is on the turn_context line that opens each turn), and
// Gemini CLI's chat file (JSONL; "gemini" lines carry tokens).
// Reading is incremental: the offset of the last complete line
// read is kept per file, and every usage is stored once per message id (a restart, a
// rewritten file or a compaction that shortens it starts over without counting twice).
import { isAbsolute } from 'node:path';
import type { Call } from '../app.js';
import { readSafely } from '../../../shared/safety/safe-file.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { SessionRow } from '../rows.js';

/** At most this much of a transcript is read at once (the rest on the next read or event). */
const READ_MAX = 16 * 1024 * 1024;
const READS_PER_EVENT = 4;

export interface Usage {
  message_id: string;
  model: string | null;
  input: number;
  output: number;
  cache_creation: number;
  cache_read: number;
  at: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
const obj = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const time = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : null;
};

/** Claude Code: an assistant line with message.usage. */
export function claudeUsage(line: Record<string, unknown>): Usage | null {
  const message = obj(line.message);
  const usage = obj(message?.usage);
  if (!message || !usage || typeof message.id !== 'string') return null;
  return {
    message_id: message.id,
    model: typeof message.model === 'string' ? message.model : null,
    input: num(usage.input_tokens),
    output: num(usage.output_tokens),
    cache_creation: num(usage.cache_creation_input_tokens),
    cache_read: num(usage.cache_read_input_tokens),
    at: time(line.timestamp),
  };
}

/**
 * Codex: a token_count event. Its input_tokens include the cached reads
 * (cached_input_tokens) and, since 0.171, the cache writes (cache_write_input_tokens), so
 * input is what is left of it. The cumulative total names the event, so the same count
 * written twice is one usage.
 */
export function codexUsage(line: Record<string, unknown>, file: string): Usage | null {
  const payload = obj(line.payload);
  if (line.type !== 'event_msg' || payload?.type !== 'token_count') return null;
  const info = obj(payload.info);
  const last = obj(info?.last_token_usage);
  const total = obj(info?.total_token_usage);
  if (!last || !total) return null;
  const cached = num(last.cached_input_tokens);
  const written = num(last.cache_write_input_tokens);
  return {
    message_id: `codex:${file}:${num(total.total_tokens)}:${num(total.input_tokens)}:${num(total.output_tokens)}`,
    model: null,
    input: Math.max(0, num(last.input_tokens) - cached - written),
    output: num(last.output_tokens),
    cache_creation: written,
    cache_read: cached,
    at: time(line.timestamp),
  };
}

/**
 * Gemini CLI (0.61): its chat file (JSONL at transcript_path) has a line per model message,
 * type "gemini", with tokens {input, output, cached, thoughts, tool, total}; the same id is
 * written again when the message's tool calls finish. input includes the cached part;
 * thoughts are billed as output and tool-use prompts as input, so they are added there.
 */
export function geminiUsage(line: Record<string, unknown>): Usage | null {
  const tokens = obj(line.tokens);
  if (line.type !== 'gemini' || !tokens || typeof line.id !== 'string') return null;
  const cached = num(tokens.cached);
  return {
    message_id: `gemini:${line.id}`,
    model: typeof line.model === 'string' ? line.model : null,
    input: Math.max(0, num(tokens.input) - cached) + num(tokens.tool),
    output: num(tokens.output) + num(tokens.thoughts),
    cache_creation: 0,
    cache_read: cached,
    at: time(line.timestamp),
  };
}

const READERS: Record<string, (line: Record<string, unknown>, file: string) => Usage | null> = {
  claude: claudeUsage,
  codex: codexUsage,
  gemini: geminiUsage,
};

export function usageOf(dialect: string, line: Record<string, unknown>, file: string): Usage | null {
  return READERS[dialect]?.(line, file) ?? null;
}

/**
 * Codex writes no model on its token counts: each turn opens with a turn_context line
 * naming the model the turn runs on (0.171: payload.model), which its counts are priced by.
 */
export function codexTurnModel(line: Record<string, unknown>): string | null {
  const payload = obj(line.payload);
  return line.type === 'turn_context' && typeof payload?.model === 'string' && payload.model ? payload.model : null;
}

/**
 * A line longer than this is no usage line: it is skipped rather than waited for, so a
 * transcript that grows without newlines costs each event what it gained plus at most this.
 */
export const LINE_MAX = 1024 * 1024;

export interface NewLines {
  lines: string[];
  offset: number;
  size: number;
  /** Why nothing was read: not a regular file (kind), or another user's. */
  refused?: { reason: string; kind: boolean };
}

/**
 * Reads the complete lines added to a file since `offset` (a shorter file starts over).
 * Only a regular file of this user (or root) is read, opened without blocking: a FIFO,
 * a device or a directory is refused (kind: true), another user's file ignored.
 */
export function readNewLines(path: string, offset: number): NewLines | null {
  // One byte before the offset says whether the read starts at a line's beginning.
  const before = offset > 0 ? 1 : 0;
  const r = readSafely(path, {
    max: READ_MAX + before,
    from: offset - before,
    oversize: 'truncate',
    symlinks: 'follow',
  });
  if (!r.ok)
    return r.why === 'missing'
      ? null
      : { lines: [], offset, size: 0, refused: { reason: r.reason, kind: r.why === 'kind' } };
  const { size } = r;
  if (size < offset) return readNewLines(path, 0);
  const midLine = before === 1 && r.data[0] !== 0x0a;
  const buf = r.data.subarray(before);
  const from = offset;
  if (buf.length === 0) return { lines: [], offset: from, size };
  const end = buf.lastIndexOf(0x0a);
  // An unfinished line longer than LINE_MAX is dropped: the next read starts past it, mid-line.
  const tail = buf.length - (end + 1);
  const next = tail > LINE_MAX ? from + buf.length : from + end + 1;
  if (end === -1) return { lines: [], offset: next, size };
  const lines = buf.subarray(0, end).toString('utf8').split('\n');
  // Starting mid-line (after a dropped long line), the first piece is that line's tail.
  if (midLine) lines.shift();
  return { lines, offset: next, size };
}

/**
 * The model of a Codex count with none of its own: the turn's (its turn_context line, read
 * now), else the last one this file's counts were priced by (the turn began in an earlier
 * read), else the one the hook's payload names (Codex puts `model` in every hook payload).
 */
function codexModelSource(call: Call, path: string, payloadModel: unknown) {
  let turn: string | null = null;
  let earlier: string | null | undefined;
  return {
    see: (line: Record<string, unknown>) => void (turn = codexTurnModel(line) ?? turn),
    model: (): string | null => {
      if (turn) return turn;
      // message ids of this file's counts are `codex:<path>:…`: a range of the unique index.
      earlier ??=
        call.app.sql.value<string | null>(
          `SELECT model FROM agent_tokens WHERE message_id >= ? AND message_id < ? AND model IS NOT NULL
          ORDER BY at DESC, id DESC LIMIT 1`,
          `codex:${path}:`,
          `codex:${path};`,
        ) ?? null;
      return earlier ?? (typeof payloadModel === 'string' && payloadModel ? payloadModel : null);
    },
  };
}

/**
 * Reads what is new in one transcript of a session and stores each usage once, on the task
 * (and project, sprint) the session's interval held at the message's time. `payloadModel`
 * is the model the hook's payload names, for counts that carry none (Codex's).
 */
export function readTranscript(
  call: Call,
  s: SessionRow,
  dialect: string,
  path: unknown,
  payloadModel: unknown = null,
): number {
  if (typeof path !== 'string' || !isAbsolute(path) || !(dialect in READERS)) return 0;
  const { sql } = call.app;
  const known = sql.get<{ offset: number }>('SELECT offset FROM agent_transcripts WHERE path = ?', path);
  let offset = known?.offset ?? 0;
  let r: NewLines | null = null;
  let stored = 0;
  const codex = dialect === 'codex' ? codexModelSource(call, path, payloadModel) : null;
  // A few reads per event: past a skipped oversize line the lines after it are read at once.
  for (let round = 0; round < READS_PER_EVENT; round++) {
    r = readNewLines(path, offset);
    if (!r) return stored;
    // Not a file (a FIFO, a device, a directory): the payload is refused, with why, and the
    // record set aside. Another user's file: not this user's tokens, so not counted.
    if (r.refused) {
      if (r.refused.kind)
        throw new FragError(ErrorCode.InvalidParams, `transcript ${r.refused.reason}; the record was set aside`);
      return stored;
    }
    for (const text of r.lines) {
      if (!text.trim()) continue;
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      const o = obj(line);
      if (o && codex) codex.see(o);
      const u = o && usageOf(dialect, o, path);
      if (!u) continue;
      if (codex && u.model === null) u.model = codex.model();
      stored += storeUsage(call, s, u);
    }
    const advanced = r.offset !== offset;
    offset = r.offset;
    if (!advanced || offset >= r.size) break;
  }
  if (!r) return stored;
  sql.run(
    `INSERT INTO agent_transcripts (path, session_id, offset, size, read_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (path) DO UPDATE SET session_id = excluded.session_id, offset = excluded.offset, size = excluded.size,
       read_at = CASE WHEN excluded.offset != offset THEN excluded.read_at ELSE read_at END`,
    path,
    s.id,
    r.offset,
    r.size,
    call.now,
  );
  return stored;
}

/** One usage per message id; a later line of the same message only raises its counts. */
function storeUsage(call: Call, s: SessionRow, u: Usage): number {
  const { sql } = call.app;
  const at = u.at ?? call.now;
  // The task of the moment: the session's interval running then, else the last one before it.
  const where = sql.get<{ project_id: number | null; sprint_id: number | null; task_id: number | null }>(
    `SELECT project_id, sprint_id, task_id FROM intervals WHERE session_id = ? AND started_at <= ?
        ORDER BY started_at DESC, id DESC LIMIT 1`,
    s.id,
    at,
  ) ?? { project_id: s.active_project_id, sprint_id: s.active_sprint_id, task_id: s.active_task_id };
  const res = sql.run(
    `INSERT INTO agent_tokens (session_id, actor, project_id, sprint_id, task_id, message_id, model,
        input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO UPDATE SET
       model = coalesce(model, excluded.model),
       input_tokens = max(input_tokens, excluded.input_tokens),
       output_tokens = max(output_tokens, excluded.output_tokens),
       cache_creation_tokens = max(cache_creation_tokens, excluded.cache_creation_tokens),
       cache_read_tokens = max(cache_read_tokens, excluded.cache_read_tokens)`,
    s.id,
    s.actor,
    where.project_id,
    where.sprint_id,
    where.task_id,
    u.message_id,
    u.model,
    u.input,
    u.output,
    u.cache_creation,
    u.cache_read,
    at,
  );
  return res.changes;
}

/** A subagent transcript that gained lines this recently may still gain its last message. */
const SUBAGENT_RECENT_MS = 30 * 60_000;

/**
 * Reads again the session's other transcripts (its subagents') that were still growing
 * lately: Claude Code writes a subagent's last message after SubagentStop, so it is taken
 * on the parent's next event, its Stop or its SessionEnd.
 */
export function readSubagentTranscripts(call: Call, s: SessionRow, dialect: string, main: unknown): number {
  const rows = call.app.sql.all<{ path: string }>(
    `SELECT path FROM agent_transcripts WHERE session_id = ? AND path != ? AND read_at >= ? ORDER BY read_at DESC LIMIT 20`,
    s.id,
    typeof main === 'string' ? main : '',
    call.now - SUBAGENT_RECENT_MS,
  );
  let stored = 0;
  for (const { path } of rows) stored += readTranscript(call, s, dialect, path);
  return stored;
}
