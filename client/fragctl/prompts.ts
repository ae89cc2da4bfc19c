// Every question fragctl asks in a terminal. Nothing here decides a business rule: the
// daemon says what is missing (ValidationFailed data, estimate_check, suggestions) and
// these prompts only let a person answer it. Without a terminal, or with --json, nothing
// prompts and the daemon's answer (with its requirements) is printed as it is.
import { ErrorCode } from '../../shared/errors.js';
import { parseMinutes } from '../../shared/format.js';
import type { EstimateCheck, ValidationFailedData, ValidationView } from '../../shared/protocol/completion.js';
import type { FragClient } from '../lib/client.js';
import { RpcError } from '../lib/client.js';
import { formatOf, type GlobalArgs } from './runner.js';

/** A terminal on both ends and a person-readable format. */
export const interactive = (argv: GlobalArgs): boolean =>
  !!process.stdin.isTTY && !!process.stdout.isTTY && formatOf(argv) !== 'json';

const say = (line: string) => void process.stdout.write(line + '\n');

// Loaded on first use: the hot commands (status, update…) share modules with this file
// and must not pay for the prompt library.
const inquirer = () => import('@inquirer/prompts');

/** Ctrl-C inside a prompt means "cancel", not a crash. */
async function ask<T>(prompt: () => Promise<T>, onAbort: T): Promise<T> {
  try {
    return await prompt();
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError' || (err as Error)?.name === 'AbortPromptError') return onAbort;
    throw err;
  }
}

export const checklistLines = (v: ValidationView): string[] =>
  v.checklist.map((c) => `  ${c.done ? '✓' : c.severity === 'error' ? '✗' : '!'} ${c.item.padEnd(26)} ${c.detail}`);

const isValidationFailure = (err: unknown): err is RpcError =>
  err instanceof RpcError && err.code === ErrorCode.ValidationFailed;

export interface CompletionOptions {
  summary?: string;
  force?: boolean;
}

type Choice = 'summary' | 'force' | 'skip' | 'cancel';

async function askWhatNow(
  code: string,
  v: ValidationView,
  allowSkip: boolean,
): Promise<{ choice: Choice; summary?: string }> {
  say(`${code} cannot be completed yet:`);
  for (const line of checklistLines(v)) say(line);
  const summaryMissing = v.checklist.some((c) => c.rule === 'summary' && !c.done);
  const min = Number(v.details.summary_min_chars ?? 20);
  const choices: { name: string; value: Choice }[] = [
    ...(summaryMissing ? [{ name: 'Add the summary now', value: 'summary' as const }] : []),
    { name: 'Close anyway (--force: recorded with the errors it overrides)', value: 'force' },
    ...(allowSkip ? [{ name: `Skip ${code}`, value: 'skip' as const }] : []),
    { name: allowSkip ? 'Cancel all' : 'Cancel', value: 'cancel' },
  ];
  const { select, input } = await inquirer();
  const choice = await ask(() => select<Choice>({ message: `What now for ${code}?`, choices }), 'cancel');
  if (choice !== 'summary') return { choice };
  const summary = await ask(
    () =>
      input({
        message: `Summary of ${code} (at least ${min} characters):`,
        validate: (value) => value.trim().length >= min || `at least ${min} characters (${value.trim().length} so far)`,
      }),
    '',
  );
  return summary ? { choice, summary: summary.trim() } : { choice: 'cancel' };
}

/**
 * Runs a completion; when the daemon refuses it and a person is at the terminal, asks
 * what to do (add the summary / close anyway / cancel) and tries again. A cancel rethrows
 * the refusal, so the command ends with the ValidationFailed exit code.
 */
export async function completeWithPrompts<T>(
  argv: GlobalArgs,
  attempt: (opts: CompletionOptions) => Promise<T>,
  initial: CompletionOptions = {},
): Promise<T> {
  const opts = { ...initial };
  for (;;) {
    try {
      return await attempt(opts);
    } catch (err) {
      if (!isValidationFailure(err) || !interactive(argv)) throw err;
      const data = err.data as unknown as ValidationFailedData;
      const { choice, summary } = await askWhatNow(data.code, data.validation, false);
      if (choice === 'cancel' || choice === 'skip') {
        say('cancelled: nothing was changed');
        throw err;
      }
      if (choice === 'force') opts.force = true;
      if (summary) opts.summary = summary;
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
  const answer = await ask(
    () =>
      input({
        message: `${check.task} took ${check.actual_minutes} min against an estimate of ${check.estimate_minutes} min (${sign}${check.variance_percent}%). New estimate (90 or 1h30m, empty keeps it):`,
        validate: (v) => v.trim() === '' || parseMinutes(v) !== null || 'minutes (90) or a duration (1h30m)',
      }),
    '',
  );
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
  return ask(
    () => confirm({ message: `Resume ${top.code} “${top.title}” (${top.last_worked})?`, default: true }),
    false,
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
  const note = await ask(() => input({ message: `Final note for ${key ?? 'the session'} (empty to skip):` }), '');
  return note.trim() || undefined;
}
