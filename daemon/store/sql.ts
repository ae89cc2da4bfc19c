// A statement cache over better-sqlite3: preparing is the expensive part, so each SQL
// text is prepared once per database.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** better-sqlite3 binds ?1, ?2 … only from an object keyed by number; accept a plain list. */
const NUMBERED = /\?\d/;
const bind = (sql: string, args: unknown[]): unknown[] =>
  NUMBERED.test(sql) ? [Object.fromEntries(args.map((a, i) => [i + 1, a]))] : args;

export class Sql {
  private cache = new Map<string, Statement>();
  constructor(readonly db: Db) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
  get<T>(sql: string, ...args: unknown[]): T | undefined {
    return this.stmt(sql).get(...bind(sql, args)) as T | undefined;
  }
  all<T>(sql: string, ...args: unknown[]): T[] {
    return this.stmt(sql).all(...bind(sql, args)) as T[];
  }
  run(sql: string, ...args: unknown[]): { changes: number; lastInsertRowid: number } {
    const r = this.stmt(sql).run(...bind(sql, args));
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  }
  value<T>(sql: string, ...args: unknown[]): T | undefined {
    const s = this.stmt(sql);
    const row = s.raw(true).get(...bind(sql, args)) as unknown[] | undefined;
    s.raw(false);
    return row?.[0] as T | undefined;
  }
}
