// What an answer's `instructions` are built from, and the one way a domain asks for them.
// The builder (instructions/instructions.ts) reads the work layers above most of its callers
// (what next, dependencies), so it is handed down on the App at assembly instead of imported:
// sessions, time and work call instructionsFor here and never import upward.
import type { InstructionBuilder } from './app.js';

export type { InstructionBuilder, InstructionExtra, ItemRef, Template } from './app.js';

/**
 * The instructions for an answer, from the builder the daemon was assembled with. Plain
 * progress answers are memoized for the batch (batch-memo.ts); each answer gets its own copy.
 */
export const instructionsFor: InstructionBuilder = (call, template, s, item, extra) => {
  if (!s || item || extra) return call.app.instructions(call, template, s, item, extra);
  const key = `${template}\0${call.source}\0${s.id}\0${s.status}\0${s.pause_reason ?? ''}\0${s.stack}`;
  const shared = call.app.memo.get(key, () => call.app.instructions(call, template, s));
  return {
    ...shared,
    next_actions: [...shared.next_actions],
    suggested_commands: [...shared.suggested_commands],
    ...(shared.templates ? { templates: shared.templates.map((t) => ({ ...t })) } : {}),
  };
};
