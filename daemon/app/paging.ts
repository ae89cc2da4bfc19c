// Pages of lists and histories: at most `limit` items and about PAGE_BYTES of them, so no
// answer outgrows the frame a client can read (docs/limits.md). A page ends where the next
// begins: its `next_cursor` is the key of the last item it holds, and null once nothing
// follows. Rows are read in small chunks, so a long list is never loaded whole.
import { FragError, ErrorCode } from '../../shared/errors.js';
import { PAGE_BYTES } from '../../shared/limits.js';

const CHUNK = 32;

export interface Budget {
  left: number;
}

export const pageBudget = (): Budget => ({ left: PAGE_BYTES });

export interface Page<V, K> {
  items: V[];
  /** Where the next page starts, or null when this one reached the end. */
  next: K | null;
}

/**
 * Collects a page. `fetch(after, n)` returns up to n rows following the key `after` in the
 * list's order (undefined: from the start). One item is always taken when `atLeastOne`,
 * however large, so paging always moves on (the answer cap still applies to it).
 */
export function collectPage<R, V, K>(opts: {
  fetch: (after: K | undefined, n: number) => R[];
  key: (row: R) => K;
  view: (row: R) => V;
  after: K | undefined;
  limit: number;
  budget: Budget;
  atLeastOne?: boolean;
}): Page<V, K> {
  const items: V[] = [];
  let after = opts.after;
  for (;;) {
    const rows = opts.fetch(after, CHUNK);
    for (const row of rows) {
      if (items.length >= opts.limit) return { items, next: after ?? null };
      const view = opts.view(row);
      const bytes = Buffer.byteLength(JSON.stringify(view));
      if (bytes > opts.budget.left && (items.length > 0 || opts.atLeastOne === false))
        return { items, next: after ?? null };
      opts.budget.left -= bytes;
      items.push(view);
      after = opts.key(row);
    }
    if (rows.length < CHUNK) return { items, next: null };
  }
}

/** A cursor the caller sent back, checked: a bad one is the caller's mistake, said plainly. */
export function badCursor(method: string, cursor: string): FragError {
  return new FragError(
    ErrorCode.InvalidParams,
    `invalid params for ${method}: cursor ${JSON.stringify(cursor)} is not one this method gave; pass a next_cursor from its last answer, or leave cursor out to start over`,
    { method, hint: 'cursors are opaque: copy next_cursor as it is' },
  );
}

/** A cursor that is a row id (lists in id order). */
export function idCursor(method: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw badCursor(method, cursor);
  return Number(cursor);
}
