// What an answer's `instructions` are built from, and the one way a domain asks for them.
// The builder (instructions/instructions.ts) reads the work layers above most of its callers
// (what next, dependencies), so it is handed down on the App at assembly instead of imported:
// sessions, time and work call instructionsFor here and never import upward.
import type { InstructionBuilder } from './app.js';

export type { InstructionBuilder, InstructionExtra, ItemRef, Template } from './app.js';

/** The instructions for an answer, from the builder the daemon was assembled with. */
export const instructionsFor: InstructionBuilder = (call, template, s, item, extra) =>
  call.app.instructions(call, template, s, item, extra);
