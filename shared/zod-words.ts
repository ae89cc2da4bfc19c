// Validation messages in fragctl's words instead of the schema library's ("Invalid input",
// "Too small: expected string to have >=1 characters"): each says what is allowed — the
// values of a choice, the kind of value, the bounds — so a person or an agent can fix the
// input without reading the schema. Installed once, for every zod schema of the process
// (the protocol table and the plan parser both import this module); a schema's own message
// (a regex's rule, a custom check) still wins.
import { z } from 'zod';

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object with named fields',
  date: 'a date',
};

const kindOf = (input: unknown): string =>
  input === null
    ? 'null'
    : Array.isArray(input)
      ? 'a list'
      : typeof input === 'string'
        ? 'text'
        : typeof input === 'number'
          ? 'a number'
          : typeof input === 'boolean'
            ? 'true or false'
            : typeof input === 'object'
              ? 'an object'
              : typeof input;

const plural = (n: number | bigint, one: string) => `${n} ${one}${Number(n) === 1 ? '' : 's'}`;

type Issue = z.core.$ZodRawIssue;

function bound(iss: Issue & { origin?: string }, word: 'at least' | 'at most', n: number | bigint): string {
  switch (iss.origin) {
    case 'string':
      return `${word} ${plural(n, 'character')}`;
    case 'array':
    case 'set':
      return `${word} ${plural(n, 'item')}`;
    default:
      return `${word} ${n}`;
  }
}

/** The message for one issue, or undefined to keep zod's (never reached for our schemas' kinds). */
export function fragdMessage(iss: Issue): string | undefined {
  switch (iss.code) {
    case 'invalid_value':
      return `one of ${iss.values.map(String).join(', ')}`;
    case 'invalid_type':
      return iss.input === undefined
        ? `required (${KIND[iss.expected] ?? iss.expected})`
        : `must be ${KIND[iss.expected] ?? iss.expected}, not ${kindOf(iss.input)}`;
    case 'too_small':
      return bound(iss, 'at least', iss.minimum);
    case 'too_big':
      return bound(iss, 'at most', iss.maximum);
    case 'unrecognized_keys':
      return `unknown field${iss.keys.length === 1 ? '' : 's'}: ${iss.keys.join(', ')}`;
    case 'invalid_union': {
      // Each alternative says what it would take: "one of urgent, high, normal, low or a number…".
      const ways = [...new Set(iss.errors.map((branch) => branch[0]?.message).filter(Boolean))];
      return ways.length ? ways.join(', or ') : undefined;
    }
    case 'invalid_format':
      return `not in the expected form${'format' in iss && iss.format !== 'regex' ? ` (${String(iss.format)})` : ''}`;
    default:
      return undefined;
  }
}

z.config({ customError: fragdMessage });
