// Handlers of shared/protocol/agents.ts (coding agents' hooks).
import type { agentsMethods } from '../../shared/protocol/agents.js';
import { ANSWERING_EVENTS } from '../app/agents/events.js';
import { applyAgentEvent, sessionStartAnswer } from '../app/agents/agents.js';
import { ingestSpool } from '../app/git/spool.js';
import type { HandlersFor } from './handler-types.js';

export const agentsHandlers: HandlersFor<keyof typeof agentsMethods> = {
  'agent.hook': (c, p) => {
    // Events the agent's hooks spooled before this one are applied first, so they keep their order.
    ingestSpool(c, undefined, { agentOnly: true });
    const r = applyAgentEvent(c, {
      agent: p.agent,
      event: p.event,
      payload: p.payload,
      at: p.at ?? c.now,
      eventId: p.event_id ?? null,
    });
    const s = r.session;
    const answer =
      s && ANSWERING_EVENTS.has(p.event) && r.outcome === 'ingested'
        ? sessionStartAnswer({ ...c, now: Math.max(c.now, p.at ?? c.now) }, p.agent, p.event, s, r.place)
        : { text: '', output: '' };
    return {
      outcome: r.outcome,
      reason: r.outcome === 'ingested' ? null : r.reason,
      session: s?.key ?? null,
      status: s?.status ?? null,
      context: answer.text,
      output: answer.output,
    };
  },
};
