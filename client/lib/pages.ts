// Paged lists (docs/limits.md): a list or history answer holds one page and a
// `next_cursor`; these follow the cursors and join the pages, so a caller who wants
// everything (or the latest N) need not page by hand, and no single answer is too big.

interface Paged {
  next_cursor: string | null;
}

/**
 * Calls `page(cursor)` from the first page on, joining each page into the first with `join`,
 * until `enough` says so or the list ends. The result's next_cursor is where it stopped.
 */
export async function followPages<T extends Paged>(
  page: (cursor: string | undefined) => Promise<T>,
  join: (acc: T, next: T) => void,
  enough: (acc: T) => boolean = () => false,
  cursor?: string,
): Promise<T> {
  const acc = await page(cursor);
  while (acc.next_cursor !== null && !enough(acc)) {
    const next = await page(acc.next_cursor);
    join(acc, next);
    acc.next_cursor = next.next_cursor;
  }
  return acc;
}

/** Joins an older page of session.history before the pages already held (both lists stay oldest first). */
export function joinOlderHistory<T extends { activities: unknown[]; context: unknown[] }>(acc: T, older: T): void {
  acc.activities.unshift(...older.activities);
  acc.context.unshift(...older.context);
}
