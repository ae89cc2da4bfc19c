// Corrections of tracked time, undo, and carrying time in and out (docs/corrections.md).
// Times on the wire are instants (ISO 8601 with Z or an offset): fragctl parses what a
// person typed ("yesterday 14:00", "-45m") in the person's time zone, the daemon never guesses.
import { z } from 'zod';
import { method } from './define.js';
import { actor, code, source } from './common.js';
import type { ActivityView } from './views.js';

export interface IntervalView {
  /** Short id: @N, the interval's number, fixed for its life (see docs/corrections.md, "Interval ids"). */
  ref: string;
  /** Stable database id; `#ID` names the interval whatever is tracked later. */
  id: number;
  actor: string;
  session: string;
  project: string | null;
  sprint: string | null;
  task: string | null;
  task_title: string | null;
  start: string;
  /** null while the interval runs. */
  end: string | null;
  seconds: number;
  open: boolean;
  end_reason: string | null;
  annotation: string | null;
  /** Tags it was imported with (Timewarrior); empty when tracked by fragd. */
  tags: string[];
}

export interface IntervalListResult {
  actor: string;
  now: string;
  intervals: IntervalView[];
  /** Intervals matching the filter (the listing may be a page of them). */
  matched: number;
  total_seconds: number;
}

export interface CorrectionResult {
  verb: string;
  actor: string;
  /** The intervals as they were and as they are now (the activity records the same). */
  before: IntervalView[];
  after: IntervalView[];
  /** Neighbours trimmed, split or removed by --adjust. */
  adjusted: number;
  activity: ActivityView;
}

export interface UndoStepView {
  step: number;
  actor: string;
  method: string;
  label: string;
  at: string;
  changes: number;
}

export interface ImportResult {
  actor: string;
  session: string | null;
  received: number;
  added: number;
  /** Already imported (same actor and external id). */
  unchanged: number;
  skipped: { start: string; end: string | null; reason: string }[];
  tasks_created: string[];
}

const instant = z
  .string()
  .trim()
  .pipe(
    z.iso.datetime({
      offset: true,
      error: 'an instant is ISO 8601 with Z or an offset, e.g. 2026-03-29T09:30:00+02:00',
    }),
  )
  .transform((s) => Date.parse(s));
const ref = z
  .string()
  .trim()
  .regex(/^(@[1-9]\d{0,8}|#[1-9]\d{0,15})$/, 'an interval is @N, as the interval list shows it (#N is the same)');
const who = { actor: actor.optional(), source: source.optional() };

/**
 * One interval of an import batch in the compact form (`rows`): its external id, start and
 * end in whole seconds since the epoch (end null while it still runs; Timewarrior keeps
 * whole seconds), the index of its tags in the batch's `tag_sets`, and its annotation (null
 * or left out for none). Arrays of small numbers rather than objects of ISO strings: 100k
 * of them cost a fraction to write, send, parse and check (issue 20).
 */
export type ImportRow = [id: string, start: number, end: number | null, tags: number, annotation?: string | null];
/** Intervals in one interval.import call, in either form. */
export const IMPORT_BATCH_MAX = 5000;
const MAX_INSTANT_S = 8.64e12;
const isInstantS = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_INSTANT_S;

/** Why a compact row is refused, or null: checked by hand, not by a zod tuple (issue 20: ~20× faster). */
function rowProblem(r: unknown, tagSets: number): { at: number; message: string } | null {
  if (!Array.isArray(r) || r.length < 4 || r.length > 5)
    return { at: -1, message: 'a row is [id, start_s, end_s or null, tag set, annotation?]' };
  const [id, start, end, tags, annotation] = r as unknown[];
  if (typeof id !== 'string' || id.length < 1 || id.length > 200)
    return { at: 0, message: 'an id of 1 to 200 characters' };
  if (!isInstantS(start)) return { at: 1, message: 'the start in whole seconds since the epoch' };
  if (end !== null && !isInstantS(end)) return { at: 2, message: 'the end in whole seconds since the epoch, or null' };
  if (typeof tags !== 'number' || !Number.isInteger(tags) || tags < 0 || tags >= tagSets)
    return { at: 3, message: `an index into tag_sets (0 to ${tagSets - 1})` };
  if (annotation != null && (typeof annotation !== 'string' || annotation.length > 10_000))
    return { at: 4, message: 'the annotation: a string of at most 10000 characters, or null' };
  return null;
}
const adjust = z.boolean().optional();

export const intervalMethods = {
  'interval.list': method<IntervalListResult>()({
    summary:
      "An actor's intervals, newest first, with their short ids (@N, fixed for the interval's life), optionally in a range or for a task.",
    params: z
      .object({
        ...who,
        since: instant.optional(),
        until: instant.optional(),
        task: code.optional(),
        limit: z.number().int().min(1).max(5000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    errors: ['not_found', 'invalid_params'],
    mutates: false,
  }),
  'interval.track': method<CorrectionResult>()({
    summary: 'Add past time: an interval from start to end, on a task or none; refused if it overlaps (or --adjust).',
    params: z
      .object({
        ...who,
        start: instant,
        end: instant,
        task: code.optional(),
        annotation: z.string().trim().max(1000).optional(),
        adjust,
      })
      .strict(),
    errors: ['not_found', 'invalid_params', 'invalid_state', 'conflict'],
    mutates: true,
  }),
  'interval.edit': method<CorrectionResult>()({
    summary: "Move, lengthen or shorten an interval (new start and/or end); a running interval's start only.",
    params: z
      .object({ ...who, ref, start: instant.optional(), end: instant.optional(), adjust })
      .strict()
      .refine((p) => p.start !== undefined || p.end !== undefined, 'give a new start, a new end, or both'),
    errors: ['not_found', 'invalid_params', 'invalid_state', 'conflict'],
    mutates: true,
  }),
  'interval.split': method<CorrectionResult>()({
    summary: 'Split an interval in two at an instant inside it.',
    params: z.object({ ...who, ref, at: instant }).strict(),
    errors: ['not_found', 'invalid_params', 'invalid_state'],
    mutates: true,
  }),
  'interval.join': method<CorrectionResult>()({
    summary: 'Join two intervals into one spanning both (the gap between them becomes tracked time).',
    params: z.object({ ...who, refs: z.tuple([ref, ref]), adjust }).strict(),
    errors: ['not_found', 'invalid_params', 'invalid_state', 'conflict'],
    mutates: true,
  }),
  'interval.move': method<CorrectionResult>()({
    summary: 'Re-attribute a closed interval to another task (or to none with task: null).',
    params: z.object({ ...who, ref, task: code.nullable() }).strict(),
    errors: ['not_found', 'invalid_params', 'invalid_state'],
    mutates: true,
  }),
  'interval.delete': method<CorrectionResult>()({
    summary: 'Delete a closed interval.',
    params: z.object({ ...who, ref }).strict(),
    errors: ['not_found', 'invalid_state'],
    mutates: true,
  }),
  'interval.annotate': method<CorrectionResult>()({
    summary: 'Set (or clear, with an empty text) the annotation of an interval.',
    params: z.object({ ...who, ref, text: z.string().trim().max(1000) }).strict(),
    errors: ['not_found', 'invalid_params'],
    mutates: true,
  }),
  'interval.import': method<ImportResult>()({
    summary:
      'Import intervals (a batch of up to 5000, e.g. from `timew export`), as objects or compact rows; ids make a second import add nothing.',
    params: z
      .object({
        ...who,
        format: z.enum(['timewarrior']),
        intervals: z
          .array(
            z
              .object({
                id: z.string().trim().min(1).max(200),
                start: instant,
                end: instant.nullable(),
                tags: z.array(z.string().max(200)).max(100),
                annotation: z.string().max(10_000).nullable().optional(),
              })
              .strict(),
          )
          .max(IMPORT_BATCH_MAX)
          .optional()
          .describe('the intervals as objects; or give rows and tag_sets'),
        // Checked whole, below, not element by element through zod (which makes two objects
        // for each element): the array itself here, each row in the object's refinement.
        rows: z
          .custom<ImportRow[]>((v) => Array.isArray(v) && v.length <= IMPORT_BATCH_MAX, {
            message: `rows: an array of at most ${IMPORT_BATCH_MAX} rows`,
          })
          .meta({
            type: 'array',
            maxItems: IMPORT_BATCH_MAX,
            description:
              'the compact form: each [id, start_s, end_s | null, index into tag_sets, annotation?] (seconds since the epoch)',
          })
          .optional(),
        tag_sets: z
          .array(z.array(z.string().max(200)).max(100))
          .max(IMPORT_BATCH_MAX)
          .optional()
          .describe("the rows' tag lists, each once"),
        /** tag → task code, or tag → "project:CODE" / "sprint:CODE"; see docs/corrections.md. */
        map: z.record(z.string().max(200), z.string().max(100)).optional(),
        create_tasks: z.boolean().optional(),
      })
      .strict()
      .superRefine((p, ctx) => {
        if ((p.intervals === undefined) === (p.rows === undefined))
          ctx.addIssue({ code: 'custom', path: [], message: 'give either intervals or rows (with tag_sets)' });
        if (p.rows === undefined) return;
        const sets = p.tag_sets?.length ?? 0;
        for (let i = 0; i < p.rows.length; i++) {
          const problem = rowProblem(p.rows[i], sets);
          if (!problem) continue;
          ctx.addIssue({
            code: 'custom',
            path: problem.at < 0 ? ['rows', i] : ['rows', i, problem.at],
            message: `expected ${problem.message}`,
          });
          return;
        }
      }),
    errors: ['not_found', 'invalid_params'],
    mutates: true,
  }),
  undo: method<{ undone: UndoStepView; activity: ActivityView; remaining: number }>()({
    summary: "Revert the actor's last undoable state change (a correction, context change, completion, item edit).",
    params: z
      .object({ ...who })
      .strict()
      .optional(),
    errors: ['not_found', 'conflict'],
    mutates: true,
  }),
  'undo.list': method<{ actor: string; steps: UndoStepView[] }>()({
    summary: 'What undo would revert, newest first.',
    params: z
      .object({ ...who, limit: z.number().int().min(1).max(100).optional() })
      .strict()
      .optional(),
    errors: [],
    mutates: false,
  }),
} as const;
