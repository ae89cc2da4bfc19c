// The spool's records in the order the hooks wrote them, listed once and taken from the
// front pass after pass. Listing means a stat per file: with a backlog of 100k records,
// listing again at every pass of 100 cost a second of blocked event loop per pass, and
// every other call waited behind it (issue 22). The listing is made asynchronously before
// a pass (the watcher's read-ahead), so the pass itself, inside a transaction, only reads
// the records it takes.
import { readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolFile {
  path: string;
  name: string;
  mtimeNs: bigint;
}

/** A listing this old is made again if it is short (a long one is still being drained). */
const STALE_AFTER_MS = 2000;
const SHORT_LISTING = 2000;
/** Stats in flight at once while listing asynchronously. */
const STAT_BATCH = 256;

const byWriteOrder = (a: SpoolFile, b: SpoolFile) =>
  a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : a.name.localeCompare(b.name);

/** Record files in the order the hooks wrote them (an amend's commit before its rewrite). */
export function listSpool(dir: string): SpoolFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.rec'));
  } catch {
    return [];
  }
  const files: SpoolFile[] = [];
  for (const name of names) {
    try {
      files.push({ path: join(dir, name), name, mtimeNs: statSync(join(dir, name), { bigint: true }).mtimeNs });
    } catch {
      /* taken by a concurrent pass */
    }
  }
  return files.sort(byWriteOrder);
}

/** listSpool without holding the event loop: the stats run on libuv's threads, in batches. */
export async function listSpoolAsync(dir: string): Promise<SpoolFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.rec'));
  } catch {
    return [];
  }
  const files: SpoolFile[] = [];
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = await Promise.all(
      names.slice(i, i + STAT_BATCH).map(async (name) => {
        try {
          return { path: join(dir, name), name, mtimeNs: (await stat(join(dir, name), { bigint: true })).mtimeNs };
        } catch {
          return null; // taken by a concurrent pass
        }
      }),
    );
    for (const f of batch) if (f) files.push(f);
  }
  return files.sort(byWriteOrder);
}

export class SpoolQueue {
  private files: SpoolFile[] = [];
  /** Records before this index are taken (the list is compacted now and then, not per pass). */
  private start = 0;
  private listedAt = -Infinity;
  private listing: Promise<void> | null = null;
  /** How many times the directory was listed (for the tests and the bench). */
  listings = 0;

  constructor(
    readonly dir: string,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  private stale(): boolean {
    return this.length === 0 || (this.length <= SHORT_LISTING && this.clock() - this.listedAt > STALE_AFTER_MS);
  }

  /** Lists again, asynchronously, when the listing is used up or short and old. */
  async refresh(): Promise<void> {
    if (!this.stale()) return;
    this.listing ??= listSpoolAsync(this.dir).then((files) => {
      this.set(files);
      this.listing = null;
    });
    await this.listing;
  }

  /** The first `limit` records (listing synchronously only when no listing is fresh enough). */
  head(limit: number): SpoolFile[] {
    if (this.stale()) this.set(listSpool(this.dir));
    return this.files.slice(this.start, this.start + limit);
  }

  get length(): number {
    return this.files.length - this.start;
  }

  /** Records a pass is done with (stored, set aside or gone): the next pass starts after them. */
  taken(paths: Set<string>): void {
    if (!paths.size) return;
    // Mostly the front of the list: move past it without copying the rest (a backlog of
    // 100k is taken a few records a pass), and filter only when some were taken further on.
    let front = this.start;
    while (front < this.files.length && paths.has(this.files[front].path)) front++;
    const further = paths.size - (front - this.start);
    this.start = front;
    if (further > 0)
      this.set(
        this.files.slice(this.start).filter((f) => !paths.has(f.path)),
        false,
      );
    else if (this.start > 1024 && this.start * 2 > this.files.length) this.set(this.files.slice(this.start), false);
  }

  /** A new list: a listing (dated, counted), or the same listing compacted. */
  private set(files: SpoolFile[], listed = true): void {
    this.files = files;
    this.start = 0;
    if (!listed) return;
    this.listedAt = this.clock();
    this.listings++;
  }
}
