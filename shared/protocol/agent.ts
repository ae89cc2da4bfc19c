// Methods for agent adapters (the MCP server): what a read-only answer lacks to be useful
// to an agent on its own, namely the instructions a state-changing answer carries.
import { method } from './define.js';
import { T } from './common.js';
import type { WithInstructions } from './views.js';

export const agentMethods = {
  'session.instructions': method<{ session: string; status: string } & WithInstructions>()({
    summary:
      'What to do next in a session: the instructions a state-changing answer carries, for adapters that answer reads.',
    params: T,
    errors: ['no_active_session', 'not_found'],
    mutates: false,
  }),
} as const;
