// fragctl import --from timewarrior (docs/corrections.md, "Timewarrior"): reads what
// `timew export` prints and sends it in batches of the protocol's compact rows. The file is
// read as it is sent (issue 20: 100k intervals in about a second, fragctl parsing one batch
// while the daemon inserts the one before), line by line when it is laid out as Timewarrior
// writes it, else parsed whole first.
import { readFileSync } from 'node:fs';
import { IMPORT_BATCH_MAX, type ImportResult, type ImportRow } from '../../../shared/protocol/intervals.js';
import type { FragClient } from '../../lib/client.js';
import { localTime } from '../output.js';
import { progress } from '../progress.js';
import { UsageError } from '../runner.js';

const TIMEW_TIME = /^\d{8}T\d{6}Z$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Two digits of `t` at `at` as a number (the format is checked first). */
const two = (t: string, at: number) => (t.charCodeAt(at) - 48) * 10 + t.charCodeAt(at + 1) - 48;

/**
 * A Timewarrior time (20260329T093000Z, UTC) in seconds since the epoch, read at fixed
 * positions rather than through an ISO string; a date that does not exist (a 30 February,
 * a 24th hour) is refused, as the daemon refused it before.
 */
export function timewSeconds(t: string): number {
  if (!TIMEW_TIME.test(t)) throw new UsageError(`"${t}" is not a Timewarrior time (20260329T093000Z)`);
  return checkedSeconds(t);
}

/** timewSeconds of a text already known to be 8 digits, T, 6 digits, Z. */
function checkedSeconds(t: string): number {
  const year = two(t, 0) * 100 + two(t, 2);
  const month = two(t, 4);
  const day = two(t, 6);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]) ||
    two(t, 9) > 23 ||
    two(t, 11) > 59 ||
    two(t, 13) > 59
  )
    throw new UsageError(`"${t}" is not a Timewarrior time: no such date or time of day`);
  return Date.UTC(year, month - 1, day, two(t, 9), two(t, 11), two(t, 13)) / 1000;
}

/**
 * One interval line as Timewarrior writes it, tags without escapes: read by one match
 * instead of JSON.parse. Any other line is read by JSON.parse.
 */
const TIMEW_LINE = /^\{"id":\d+,"start":"(\d{8}T\d{6}Z)"(?:,"end":"(\d{8}T\d{6}Z)")?(?:,"tags":(\[[^\\\]]*\]))?\}$/;

/** Intervals in one call: a first one small, so the daemon starts at once, then larger. */
export const IMPORT_FIRST_BATCH = 500;
export const IMPORT_BATCH = 2500;
/**
 * A batch is closed once its rows take this many bytes of JSON. One interval takes at most
 * ~182 KB (an id of 200 characters, an annotation of 10,000 and 100 tags of 200, each
 * character escaped), so a frame stays well under the frame limit (1 MiB) whatever it holds.
 */
export const IMPORT_BATCH_BYTES = 512 * 1024;
/** JSON bytes of a string as JSON.stringify writes it. */
const jsonBytes = (t: string) => Buffer.byteLength(JSON.stringify(t));

/** One call's rows, each tag list once in `tag_sets`. */
export interface ImportBatch {
  rows: ImportRow[];
  tag_sets: string[][];
}

/** A batch being filled: rows by count and bytes, tag lists numbered as they come. */
class BatchBuilder {
  readonly rows: ImportRow[] = [];
  readonly sets: string[][] = [];
  private setOf = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get full(): boolean {
    return this.rows.length >= this.limit || this.bytes >= IMPORT_BATCH_BYTES;
  }

  /** The number of a tag list in this batch, known by its JSON text; `tags` when already parsed. */
  set(json: string, n: number, file: string, tags?: unknown): number {
    let set = this.setOf.get(json);
    if (set === undefined) {
      const list = tags ?? (JSON.parse(json) as unknown);
      const clean = Array.isArray(list) ? (list.every((t) => typeof t === 'string') ? list : list.map(String)) : [];
      if (clean.length > 100 || clean.some((t) => t.length > 200))
        throw new UsageError(`${file}: interval ${n} has more than 100 tags or a tag longer than 200 characters`);
      this.setOf.set(json, (set = this.sets.length));
      this.sets.push(clean);
      this.bytes += Buffer.byteLength(JSON.stringify(clean)) + 1;
    }
    return set;
  }

  /** A row whose id is `idBytes` of JSON. */
  push(row: ImportRow, idBytes: number): void {
    this.rows.push(row);
    // Two instants in seconds, a set number, brackets and commas: at most 45 bytes.
    this.bytes += 46 + idBytes + (row[4] ? jsonBytes(row[4]) : 0);
  }
}

/** The file's nth interval (1-based) as JSON.parse gave it, added as a row of `into`. */
function addParsed(into: BatchBuilder, raw: unknown, n: number, file: string): void {
  const x = raw as { start?: unknown; end?: unknown; tags?: unknown; annotation?: unknown };
  if (typeof x?.start !== 'string') throw new UsageError(`${file}: interval ${n} has no start`);
  const tags = Array.isArray(x.tags) ? x.tags : [];
  const id = `timew:${x.start}`;
  if (id.length > 200) throw new UsageError(`${file}: interval ${n} has a start of ${x.start.length} characters`);
  const row: ImportRow = [
    id,
    timewSeconds(x.start),
    typeof x.end === 'string' ? timewSeconds(x.end) : null,
    into.set(JSON.stringify(tags), n, file, tags),
  ];
  if (typeof x.annotation === 'string') {
    if (x.annotation.length > 10_000)
      throw new UsageError(`${file}: interval ${n} has an annotation longer than 10000 characters`);
    row.push(x.annotation);
  }
  into.push(row, jsonBytes(id));
}

/**
 * The intervals of a `timew export` file, a batch at a time, each interval's external id
 * being its start (Timewarrior's ids are positions). Laid out as Timewarrior writes it
 * ("[", one interval per line, a comma after each but the last, "]"), the file is read a
 * batch at a time as the batches are sent; laid out otherwise, it is parsed and checked
 * whole before the first batch. A line that turns out not to be one interval (the layout
 * changes midway) has the rest parsed whole, from that interval on.
 */
export class TimewFile {
  /** Intervals read so far. */
  read = 0;
  /** Intervals in the file (its lines, until it is parsed whole). */
  count = 0;
  private text: string;
  /** Line mode: where the next line starts, and where the closing "]" line starts. */
  private at = 0;
  private end = 0;
  private lastSeen = false;
  private started = false;
  /** Whole mode: the parsed intervals, from `read` on. */
  private whole: unknown[] | null = null;

  constructor(readonly file: string) {
    try {
      // Read, then decoded: a third faster than readFileSync(file, 'utf8') for 10 MB.
      this.text = readFileSync(file).toString('utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file} as timew export JSON: ${(err as Error).message}`);
    }
    const t = this.text;
    // The first and last characters that are not white space (a scan, not a regex: 10 MB).
    let open = 0;
    while (open < t.length && /\s/.test(t[open])) open++;
    let close = t.length - 1;
    while (close > open && /\s/.test(t[close])) close--;
    // "[" alone on the first line, "]" alone on the last, no comma after the last interval.
    const firstLineEnd = t.indexOf('\n', open);
    const lastLineStart = t.lastIndexOf('\n', close) + 1;
    const beforeClose = t.slice(0, lastLineStart).trimEnd();
    if (
      open < t.length &&
      t[open] === '[' &&
      t[close] === ']' &&
      firstLineEnd > open &&
      t.slice(open + 1, firstLineEnd).trim() === '' &&
      lastLineStart > firstLineEnd &&
      t.slice(lastLineStart, close).trim() === '' &&
      !beforeClose.endsWith(',')
    ) {
      this.at = firstLineEnd + 1;
      this.end = lastLineStart;
      for (let i = t.indexOf('\n', this.at); i !== -1 && i < this.end; i = t.indexOf('\n', i + 1)) this.count++;
    } else this.parseWhole();
  }

  /** The rest of the file parsed at once (its intervals from `read` on); errors as JSON.parse says them. */
  private parseWhole(): void {
    let data: unknown;
    try {
      data = JSON.parse(this.text);
    } catch (err) {
      throw new UsageError(`cannot read ${this.file} as timew export JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(data)) throw new UsageError(`${this.file} is not timew export JSON (an array of intervals)`);
    this.whole = data;
    this.count = data.length;
    // Checked whole before anything is sent, as before: a bad interval refuses the file.
    const check = new BatchBuilder(Infinity);
    data.forEach((raw, i) => i >= this.read && addParsed(check, raw, i + 1, this.file));
  }

  /** The next batch (up to `limit` intervals), or null after the last. */
  next(limit = IMPORT_BATCH): ImportBatch | null {
    const b = new BatchBuilder(Math.min(limit, IMPORT_BATCH_MAX));
    while (!b.full) {
      if (this.whole) {
        if (this.read >= this.whole.length) break;
        addParsed(b, this.whole[this.read], this.read + 1, this.file);
        this.read++;
        continue;
      }
      if (this.at >= this.end) break;
      let nl = this.text.indexOf('\n', this.at);
      if (nl === -1 || nl > this.end) nl = this.end;
      let line = this.text.slice(this.at, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const comma = line.endsWith(',');
      if (comma) line = line.slice(0, -1);
      if (line.trim() === '') {
        this.at = nl + 1;
        continue;
      }
      if (this.lastSeen || !this.addLine(b, line, comma)) {
        // Not one interval per line after all: the rest is read whole, from this interval on.
        this.parseWhole();
        continue;
      }
      this.at = nl + 1;
      this.read++;
    }
    // An empty file is one empty call, as any file makes at least one.
    if (!b.rows.length && this.started) return null;
    this.started = true;
    return { rows: b.rows, tag_sets: b.sets };
  }

  /** One line that should be one interval; false when it is not (the caller parses the rest whole). */
  private addLine(b: BatchBuilder, line: string, comma: boolean): boolean {
    if (!comma) this.lastSeen = true;
    const m = TIMEW_LINE.exec(line);
    if (m) {
      let set: number;
      try {
        set = b.set(m[3] ?? '[]', this.read + 1, this.file);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        return false;
      }
      // The id is "timew:" and 16 characters that need no escaping: 24 bytes of JSON.
      b.push([`timew:${m[1]}`, checkedSeconds(m[1]), m[2] ? checkedSeconds(m[2]) : null, set], 24);
      return true;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return false;
    }
    addParsed(b, raw, this.read + 1, this.file);
    return true;
  }
}

/** tag=CODE, tag=project:CODE or tag=sprint:CODE, each --map once. */
export function parseMap(entries: string[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of entries ?? []) {
    const at = e.lastIndexOf('=');
    if (at <= 0 || at === e.length - 1)
      throw new UsageError(`--map ${e}: write tag=TASK, tag=project:CODE or tag=sprint:CODE`);
    map[e.slice(0, at)] = e.slice(at + 1);
  }
  return map;
}

const IMPORT_IN_FLIGHT = 3;

/**
 * Sends the file in batches (each one call, idempotent), and sums the answers in the
 * file's order. The first batch goes alone (it makes the import session the others then
 * extend); then a few are in flight, and each lane reads its next batch from the file when
 * its answer is back, so the daemon inserts one batch while fragctl reads the next. An
 * interval the file cannot give (a date that does not exist, say) stops the import there:
 * what was sent before it stays imported, and importing again after the fix adds the rest.
 */
export async function importTimewarrior(
  c: FragClient,
  input: { actor?: string; file: TimewFile; map: Record<string, string>; create_tasks?: boolean },
): Promise<ImportResult> {
  const total: ImportResult = {
    actor: input.actor ?? 'human',
    session: null,
    received: 0,
    added: 0,
    unchanged: 0,
    skipped: [],
    tasks_created: [],
  };
  const shown = progress();
  const { file } = input;
  let done = 0;
  const send = (batch: ImportBatch) =>
    c
      .call('interval.import', {
        ...(input.actor ? { actor: input.actor } : {}),
        format: 'timewarrior',
        ...batch,
        map: input.map,
        create_tasks: input.create_tasks,
      })
      .then((r) => {
        done += r.received;
        if (file.count > 2000) shown.update(`importing intervals: ${done} of ${file.count}…`);
        return r;
      });
  const answers: Promise<ImportResult>[] = [];
  let failure: Error | undefined;
  // A lane never throws: the first failure (the file's or the daemon's) stops every lane.
  const sendAndWait = async (batch: ImportBatch) => {
    const answer = send(batch);
    answers.push(answer);
    try {
      await answer;
    } catch (err) {
      failure ??= err as Error;
    }
  };
  const nextBatch = (limit?: number): ImportBatch | null => {
    try {
      return file.next(limit);
    } catch (err) {
      failure ??= err as Error;
      return null;
    }
  };
  try {
    const first = nextBatch(IMPORT_FIRST_BATCH);
    const firstDone = first && sendAndWait(first);
    // The second batch is read while the first is answered.
    let ahead = failure ? null : nextBatch();
    await firstDone;
    await Promise.all(
      Array.from({ length: IMPORT_IN_FLIGHT }, async () => {
        for (;;) {
          const batch = ahead ?? nextBatch();
          ahead = null;
          if (failure || !batch) return;
          await sendAndWait(batch);
        }
      }),
    );
  } finally {
    shown.done();
  }
  // Batches were numbered as they were read; answers are summed in that order.
  for (const a of await Promise.allSettled(answers)) {
    if (a.status === 'rejected') continue;
    const r = a.value;
    total.actor = r.actor;
    total.session = r.session ?? total.session;
    total.received += r.received;
    total.added += r.added;
    total.unchanged += r.unchanged;
    total.skipped.push(...r.skipped);
    total.tasks_created.push(...r.tasks_created);
  }
  if (failure instanceof UsageError && total.received > 0)
    throw new UsageError(
      `${failure.message}; the ${total.received} intervals before it were sent (${total.added} added): once the file is fixed, importing it again adds only the rest`,
    );
  if (failure) throw failure;
  return total;
}

export const importLines = (r: ImportResult): string[] => [
  `imported ${r.added} of ${r.received} intervals for ${r.actor}${r.session ? ` into ${r.session}` : ''}; ${r.unchanged} were already there, ${r.skipped.length} skipped`,
  ...(r.tasks_created.length ? [`tasks created: ${r.tasks_created.join(', ')}`] : []),
  ...r.skipped
    .slice(0, 20)
    .map((s) => `  skipped ${localTime(s.start)} → ${s.end ? localTime(s.end) : 'running'}: ${s.reason}`),
  ...(r.skipped.length > 20 ? [`  … and ${r.skipped.length - 20} more (see --json)`] : []),
];
