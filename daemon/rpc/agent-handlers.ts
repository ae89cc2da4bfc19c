// Handlers of shared/protocol/agent.ts.
import type { agentMethods } from '../../shared/protocol/agent.js';
import { instructionsFor } from '../app/answers.js';
import { resolveSession } from '../app/sessions/lookup.js';
import type { HandlersFor } from './handler-types.js';

export const agentHandlers: HandlersFor<keyof typeof agentMethods> = {
  'session.instructions': (c, p) => {
    const s = resolveSession(c, p);
    // The same templates the lifecycle answers use, chosen by where the session stands.
    const template =
      s.status === 'paused' ? 'session_paused' : s.status === 'active' ? 'session_resumed' : 'session_ended';
    return { session: s.key, status: s.status, instructions: instructionsFor(c, template, s) };
  },
};
