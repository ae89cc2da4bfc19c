// A statement cache over better-sqlite3: preparing is the expensive part, so each SQL
// text is prepared once per database, together with how its parameters bind.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

interface Entry {
  stmt: Statement;
  /** better-sqlite3 binds ?1, ?2 … only from an object keyed by number; callers pass a plain list. */
  numbered: boolean;
}

export class Sql {
  private rows = new Map<string, Entry>();
  /** Statements that return the first column alone (value()). */
  private values = new Map<string, Entry>();
  constructor(
    readonly db: Db,
    /**
     * Resolves once everything committed so far is on the disk (store/wal-sync.ts); call it
     * after the commit, before anything that must not happen unless the write survives a
     * power cut (an answer, deleting the record a write came from, a push to the team).
     */
    readonly durable: () => Promise<void> = () => Promise.resolve(),
  ) {}

  private entry(sql: string, pluck: boolean): Entry {
    const cache = pluck ? this.values : this.rows;
    let e = cache.get(sql);
    if (!e) {
      const stmt = this.db.prepare(sql);
      e = { stmt: pluck ? stmt.pluck() : stmt, numbered: /\?\d/.test(sql) };
      cache.set(sql, e);
    }
    return e;
  }

  private static bind(e: Entry, args: unknown[]): unknown[] {
    return e.numbered ? [Object.fromEntries(args.map((a, i) => [i + 1, a]))] : args;
  }

  get<T>(sql: string, ...args: unknown[]): T | undefined {
    const e = this.entry(sql, false);
    return e.stmt.get(...Sql.bind(e, args)) as T | undefined;
  }
  all<T>(sql: string, ...args: unknown[]): T[] {
    const e = this.entry(sql, false);
    return e.stmt.all(...Sql.bind(e, args)) as T[];
  }
  run(sql: string, ...args: unknown[]): { changes: number; lastInsertRowid: number } {
    const e = this.entry(sql, false);
    const r = e.stmt.run(...Sql.bind(e, args));
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  }
  /** Rows one at a time: a caller that stops early reads no further (end it with return()). */
  iterate<T>(sql: string, ...args: unknown[]): IterableIterator<T> {
    const e = this.entry(sql, false);
    return e.stmt.iterate(...Sql.bind(e, args)) as IterableIterator<T>;
  }
  value<T>(sql: string, ...args: unknown[]): T | undefined {
    const e = this.entry(sql, true);
    return e.stmt.get(...Sql.bind(e, args)) as T | undefined;
  }
}
