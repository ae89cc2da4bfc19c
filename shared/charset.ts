// The characters a name may have when fragd prints it inside a command (DESIGN.md §9):
// codes of projects, sprints and tasks, actor names and activity kinds. Declared once here;
// the protocol schemas, plan import, fragctl (before connecting) and the start-up check of
// an existing database all use these. docs/security.md documents them.
//
// Why so narrow: these names end up in every suggested command and in terminal output,
// so they carry no shell syntax, no whitespace, no control or look-alike characters, and
// cannot start with "-" (which a command line would read as an option).

/** Letters, digits, "-", "_", "." — at most 64, starting with a letter or a digit (T-01, SPRINT-1, api_v2.1). */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CODE_MAX = 64;
export const CODE_RULE =
  'a code is 1 to 64 ASCII letters, digits, "-", "_" or ".", starting with a letter or a digit (such as T-01 or SPRINT-1)';

/** An actor: like a code, and "@" too (claude, alice@laptop). */
export const ACTOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const ACTOR_RULE =
  'an actor is a name such as human or claude: 1 to 64 ASCII letters, digits, "-", "_", "." or "@", starting with a letter or a digit';

/** An activity kind: lower case (edit, save, git.commit). */
export const KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,39}$/;
export const KIND_RULE = 'a kind is 1 to 40 lower-case letters, digits, "_", "." or "-", such as edit or save';

/** Why `value` is not a valid code, or null when it is. */
export const codeProblem = (value: string): string | null => (CODE_PATTERN.test(value) ? null : CODE_RULE);
export const actorProblem = (value: string): string | null => (ACTOR_PATTERN.test(value) ? null : ACTOR_RULE);
