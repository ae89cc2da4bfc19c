// Messages and handoff (docs/claims.md, "Messages and handoff"): the domain stores and
// addresses them (app/messages/); the agents' layer queues them for each recipient's running
// conversation, so they reach its context at its next prompt (app/agents/message-delivery.ts).
import type { messageMethods } from '../../shared/protocol/messages.js';
import { acknowledge, inbox, listMessages, sendMessage } from '../app/messages/messages.js';
import { handOver } from '../app/messages/handoff.js';
import { deliverToActors } from '../app/agents/message-delivery.js';
import type { HandlersFor } from './handler-types.js';

export const messageHandlers: HandlersFor<keyof typeof messageMethods> = {
  'message.send': (c, p) => {
    const r = sendMessage(c, p);
    deliverToActors(c, r.recipients);
    return r;
  },
  'message.inbox': (c, p) => inbox(c, p),
  'message.list': (c, p) => listMessages(c, p),
  'message.ack': (c, p) => acknowledge(c, p),
  'task.handoff': (c, p) => {
    const r = handOver(c, p);
    deliverToActors(c, [r.to]);
    return r;
  },
};
