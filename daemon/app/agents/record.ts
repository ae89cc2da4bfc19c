// The spool record client/agents/fragd-agent-hook.sh writes for one hook event: a few
// header lines, the agent's payload as it came on stdin, and an end line.
import { AGENT_NAME, EVENT_NAME } from './events.js';

export const AGENT_RECORD_HEADER = 'fragd-agent 1';

export interface AgentRecord {
  /** The record's name (file name without .rec): its event id, so a replay writes nothing twice. */
  name: string;
  agent: string;
  event: string;
  payload: Record<string, unknown>;
  /** When the hook ran: the record's own time if it carries one, else the file's mtime. */
  at: number;
}

export type ParsedAgentRecord = { ok: true; record: AgentRecord } | { ok: false; incomplete: boolean; reason: string };

export const isAgentRecord = (text: string): boolean =>
  text.startsWith(AGENT_RECORD_HEADER) || AGENT_RECORD_HEADER.startsWith(text);

export function parseAgentRecord(name: string, text: string, mtime: number): ParsedAgentRecord {
  if (!text.startsWith(`${AGENT_RECORD_HEADER}\n`))
    return { ok: false, incomplete: AGENT_RECORD_HEADER.startsWith(text), reason: 'not a fragd agent record' };
  const start = text.indexOf('\npayload\n');
  if (start === -1 || !text.endsWith('\nend\n'))
    return { ok: false, incomplete: true, reason: 'no end line (the hook was still writing, or died)' };
  const fields = new Map<string, string>();
  for (const line of text.slice(AGENT_RECORD_HEADER.length + 1, start).split('\n')) {
    const sp = line.indexOf(' ');
    fields.set(sp === -1 ? line : line.slice(0, sp), sp === -1 ? '' : line.slice(sp + 1));
  }
  const agent = fields.get('agent') ?? '';
  const event = fields.get('event') ?? '';
  if (!AGENT_NAME.test(agent))
    return { ok: false, incomplete: false, reason: `bad agent name ${JSON.stringify(agent)}` };
  if (!EVENT_NAME.test(event))
    return { ok: false, incomplete: false, reason: `bad event name ${JSON.stringify(event)}` };
  const raw = text.slice(start + '\npayload\n'.length, text.length - '\nend\n'.length);
  let payload: unknown;
  try {
    payload = raw.trim() ? JSON.parse(raw) : {};
  } catch (err) {
    return { ok: false, incomplete: false, reason: `the payload is not JSON: ${(err as Error).message}` };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { ok: false, incomplete: false, reason: 'the payload is not a JSON object' };
  const time = fields.get('time') ?? '';
  const at = /^\d{10,16}$/.test(time) ? Number(time) : mtime;
  return { ok: true, record: { name, agent, event, payload: payload as Record<string, unknown>, at } };
}
