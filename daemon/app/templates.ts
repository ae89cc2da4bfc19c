// The second kind of suggested command (DESIGN.md §6): a template with named holes for what
// only the worker can say (an update, a summary, an estimate). Never mixed with
// suggested_commands, which run as written: an agent that runs those word for word gets no
// task past its gate, and a hole's description filled in as-is is refused by the gate
// (work/canned.ts lists these descriptions).
import { quoteArg } from '../../shared/command.js';
import type { CommandTemplate } from '../../shared/protocol/views.js';

export const HOLES = {
  update: 'what you just did, in your own words',
  summary: 'what was done, how, and what is left, in your own words',
  sprint_summary: 'what the sprint delivered and what was learned, in your own words',
  estimate: 'your own estimate of the total effort (90, 1h30m, 1.25h)',
  message: 'what you want to ask or tell them, in your own words',
} as const;

const HOLE = /^\{(\w+)\}$/;

/** A template from an argv whose holes are written `{name}`; rendered for people as `<name>`. */
export function template(argv: string[], holes: Partial<Record<keyof typeof HOLES, string>>): CommandTemplate {
  const used: Record<string, string> = {};
  for (const w of argv) {
    const m = HOLE.exec(w);
    if (m) used[m[1]] = holes[m[1] as keyof typeof HOLES] ?? HOLES[m[1] as keyof typeof HOLES] ?? m[1];
  }
  return {
    template: argv,
    holes: used,
    rendered: argv.map((w) => (HOLE.test(w) ? `<${HOLE.exec(w)![1]}>` : quoteArg(w))).join(' '),
  };
}
