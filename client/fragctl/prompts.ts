// Every question fragctl asks in a terminal. Nothing here decides a business rule: the
// daemon says what is missing (ValidationFailed data, estimate_check, suggestions) and
// these prompts only let a person answer it. Without a terminal, or with --json, nothing
// prompts and the daemon's answer (with its requirements) is printed as it is.
import { ErrorCode } from '../../shared/errors.js';
import { parseMinutes } from '../../shared/format.js';
import type { EstimateCheck, ValidationFailedData, ValidationView } from '../../shared/protocol/completion.js';
import type { FragClient } from '../lib/client.js';
import { RpcError } from '../lib/client.js';
import { CliError, formatOf, print, type GlobalArgs } from './runner.js';
import { Exit } from './exit-codes.js';
import { terminalSafe } from '../../shared/terminal.js';

/** A terminal on both ends and a person-readable format. */
export const interactive = (argv: GlobalArgs): boolean =>
  !!process.stdin.isTTY && !!process.stdout.isTTY && formatOf(argv) !== 'json';

const say = (line: string) => print(line);

/** Ctrl-C or end of input at a prompt: the command stops and nothing is changed (exit 130). */
export class Cancelled extends CliError {
  constructor() {
    super('cancelled: nothing was changed', Exit.cancelled, 'cancelled');
  }
}

// Loaded on first use: the hot commands (status, update…) share modules with this file
// and must not pay for the prompt library.
const inquirer = () => import('@inquirer/prompts');

/**
 * Asks one question. Ctrl-C or end of input throws Cancelled: every prompt either gets an
 * answer or stops its command before anything it would decide is changed — never an empty
 * answer in its place (that is how Ctrl-C at `session end`'s final note used to end the
 * session). The prompt library reports Ctrl-C itself (ExitPromptError); end of input is
 * Ctrl-D (a 0x04 byte, the terminal being in raw mode) or the end of stdin, which it
 * ignores: those abort the prompt through its signal (AbortPromptError).
 */
async function ask<T>(prompt: (context: { signal: AbortSignal }) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onData = (chunk: Buffer | string) => {
    if (String(chunk).includes('\x04')) controller.abort();
  };
  const onEnd = () => controller.abort();
  process.stdin.on('data', onData);
  process.stdin.once('end', onEnd);
  try {
    return await prompt({ signal: controller.signal });
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError' || (err as Error)?.name === 'AbortPromptError')
      throw new Cancelled();
    throw err;
  } finally {
    process.stdin.off('data', onData);
    process.stdin.off('end', onEnd);
    // Our listener kept stdin flowing: let the process end when nothing else reads it.
    if (process.stdin.listenerCount('data') === 0) process.stdin.pause();
  }
}

export const checklistLines = (v: ValidationView): string[] =>
  v.checklist.map(
    (c) =>
      `  ${c.done ? '✓' : c.severity === 'error' ? '✗' : '!'} ${terminalSafe(c.item).padEnd(26)} ${terminalSafe(c.detail)}`,
  );

const isValidationFailure = (err: unknown): err is RpcError =>
  err instanceof RpcError && err.code === ErrorCode.ValidationFailed;

export interface CompletionOptions {
  summary?: string;
  force?: boolean;
}

/** What a completion prompt can do besides retrying: post an update on the active task. */
export interface CompletionHelpers {
  postUpdate?: (message: string) => Promise<unknown>;
}

type Choice = 'summary' | 'update' | 'force' | 'skip' | 'cancel';

async function askWhatNow(
  code: string,
  v: ValidationView,
  allowSkip: boolean,
  helpers: CompletionHelpers = {},
): Promise<{ choice: Choice; summary?: string; update?: string }> {
  say(`${code} cannot be completed yet:`);
  for (const line of checklistLines(v)) say(line);
  const failing = (rule: string) => v.checklist.some((c) => c.rule === rule && !c.done);
  const min = Number(v.details.summary_min_chars ?? 20);
  // What fixes the refusal comes first, so Enter never forces: --force is last, never the default.
  const choices: { name: string; value: Choice }[] = [
    ...(failing('updates') && helpers.postUpdate ? [{ name: 'Post an update now', value: 'update' as const }] : []),
    ...(failing('summary') ? [{ name: 'Write the summary now', value: 'summary' as const }] : []),
    ...(allowSkip ? [{ name: `Skip ${code}`, value: 'skip' as const }] : []),
    { name: allowSkip ? 'Cancel all' : 'Cancel', value: 'cancel' },
    { name: 'Close anyway (--force: recorded with the errors it overrides)', value: 'force' },
  ];
  const { select, input } = await inquirer();
  const choice = await ask((ctx) =>
    select<Choice>({ message: `What now for ${terminalSafe(code)}?`, choices, default: choices[0].value }, ctx),
  );
  if (choice === 'update') {
    const update = await ask((ctx) =>
      input(
        {
          message: `Update on ${terminalSafe(code)} (what you did, in your own words):`,
          validate: (value) => value.trim().length > 0 || 'say what you did',
        },
        ctx,
      ),
    );
    return { choice, update: update.trim() };
  }
  if (choice !== 'summary') return { choice };
  const summary = await ask((ctx) =>
    input(
      {
        message: `Summary of ${terminalSafe(code)} (at least ${min} characters):`,
        validate: (value) => value.trim().length >= min || `at least ${min} characters (${value.trim().length} so far)`,
      },
      ctx,
    ),
  );
  return summary ? { choice, summary: summary.trim() } : { choice: 'cancel' };
}

/**
 * Runs a completion; when the daemon refuses it and a person is at the terminal, asks
 * what to do (post an update / write the summary / cancel / close anyway) and tries again.
 * A cancel rethrows the refusal, so the command ends with the ValidationFailed exit code.
 */
export async function completeWithPrompts<T>(
  argv: GlobalArgs,
  attempt: (opts: CompletionOptions) => Promise<T>,
  initial: CompletionOptions = {},
  helpers: CompletionHelpers = {},
): Promise<T> {
  const opts = { ...initial };
  for (;;) {
    try {
      return await attempt(opts);
    } catch (err) {
      if (!isValidationFailure(err) || !interactive(argv)) throw err;
      const data = err.data as unknown as ValidationFailedData;
      const { choice, summary, update } = await askWhatNow(data.code, data.validation, false, helpers);
      if (choice === 'cancel' || choice === 'skip') {
        say('cancelled: nothing was changed');
        throw err;
      }
      if (choice === 'force') opts.force = true;
      if (summary) opts.summary = summary;
      if (update) {
        // A refused update (canned text…) is said and the question asked again.
        try {
          await helpers.postUpdate!(update);
          say(`update posted on ${data.code}`);
        } catch (e) {
          if (!(e instanceof RpcError)) throw e;
          say(terminalSafe(e.message));
        }
      }
    }
  }
}

export type BulkEntry = { code: string; summary?: string; force?: boolean };

/** Bulk completion: on a refusal, asks per blocked task, then retries with the answers. */
export async function bulkCompleteWithPrompts<T>(
  argv: GlobalArgs,
  codes: string[],
  attempt: (entries: BulkEntry[]) => Promise<T>,
): Promise<T | null> {
  let entries: BulkEntry[] = codes.map((code) => ({ code }));
  for (;;) {
    try {
      return await attempt(entries);
    } catch (err) {
      if (!isValidationFailure(err) || !interactive(argv)) throw err;
      const data = err.data as unknown as ValidationFailedData;
      for (const b of data.blocked ?? [
        { code: data.code, validation: data.validation, required_actions: data.required_actions },
      ]) {
        const { choice, summary } = await askWhatNow(b.code, b.validation, true);
        if (choice === 'cancel') {
          say('cancelled: nothing was changed');
          throw err;
        }
        const same = (e: BulkEntry) => e.code.toUpperCase() === b.code.toUpperCase();
        if (choice === 'skip') entries = entries.filter((e) => !same(e));
        else
          entries = entries.map((e) =>
            same(e) ? { ...e, ...(choice === 'force' ? { force: true } : {}), ...(summary ? { summary } : {}) } : e,
          );
      }
      if (entries.length === 0) {
        say('every task was skipped: nothing was changed');
        return null;
      }
    }
  }
}

/** After a task ends far from its estimate, offers to record a better one. */
export async function askNewEstimate(
  argv: GlobalArgs,
  client: FragClient,
  check: EstimateCheck | null | undefined,
): Promise<number | null> {
  if (!check?.needs_new_estimate || !interactive(argv)) return null;
  const sign = check.variance_percent >= 0 ? '+' : '';
  const { input } = await inquirer();
  // The task is already completed when this asks: cancelling keeps the estimate as it is.
  let answer: string;
  try {
    answer = await ask((ctx) =>
      input(
        {
          message:
            `${terminalSafe(check.task)} took ${check.actual_minutes} min against an estimate of ${check.estimate_minutes} min (${sign}${check.variance_percent}%).` +
            // What similar completed tasks took (estimate.suggest's numbers), when there are any.
            (check.history ? ` Similar tasks: ${terminalSafe(check.history.basis)}.` : '') +
            ` New estimate (90 or 1h30m, empty keeps it):`,
          validate: (v) => v.trim() === '' || parseMinutes(v) !== null || 'minutes (90) or a duration (1h30m)',
        },
        ctx,
      ),
    );
  } catch (err) {
    if (!(err instanceof Cancelled)) throw err;
    say('estimate kept');
    return null;
  }
  const minutes = answer.trim() ? parseMinutes(answer) : null;
  if (minutes === null) return null;
  await client.call('task.edit', { code: check.task, estimate_minutes: minutes, source: 'cli' });
  say(`estimate of ${check.task} set to ${minutes} min`);
  return minutes;
}

/** Session start: offer to resume the most recently worked in-progress task. */
export async function askResume(
  argv: GlobalArgs,
  top: { code: string; title: string; last_worked: string } | undefined,
): Promise<boolean> {
  if (!top || !interactive(argv)) return false;
  const { confirm } = await inquirer();
  // The session is started when this asks: cancelling resumes nothing.
  try {
    return await ask((ctx) =>
      confirm(
        {
          message: `Resume ${terminalSafe(top.code)} “${terminalSafe(top.title)}” (${top.last_worked})?`,
          default: true,
        },
        ctx,
      ),
    );
  } catch (err) {
    if (!(err instanceof Cancelled)) throw err;
    return false;
  }
}

/**
 * session start found the actor's paused session: resume it, start another, or cancel.
 * Without a terminal nothing is asked ('offer': the answer says so and starts nothing).
 */
export async function askPausedSession(
  argv: GlobalArgs,
  offer: { key: string; line: string },
): Promise<'resume' | 'new' | 'offer'> {
  if (!interactive(argv)) return 'offer';
  const { select } = await inquirer();
  // Nothing is started while this asks: cancelling leaves the paused session as it was.
  return ask((ctx) =>
    select<'resume' | 'new'>(
      {
        message: `Found ${terminalSafe(offer.line)}. Resume it?`,
        choices: [
          { name: `Resume ${terminalSafe(offer.key)}`, value: 'resume' },
          { name: 'Start a new session (it stays paused)', value: 'new' },
        ],
        default: 'resume',
      },
      ctx,
    ),
  );
}

/** Session end: a final note, unless one was given. */
export async function askFinalNote(
  argv: GlobalArgs,
  given: string | undefined,
  key: string | undefined,
): Promise<string | undefined> {
  if (given !== undefined || !interactive(argv)) return given;
  const { input } = await inquirer();
  // Asked before anything changes: cancelling here leaves the session as it was.
  const note = await ask((ctx) =>
    input({ message: `Final note for ${terminalSafe(key ?? 'the session')} (empty to skip):` }, ctx),
  );
  return note.trim() || undefined;
}
