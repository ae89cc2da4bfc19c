// The start-up check that every code and actor already in the database is in the
// character set of shared/charset.ts. Codes are printed inside suggested commands, so a
// database written by an older fragd (which took any text as a code) could otherwise
// keep suggesting `fragctl task activate T-2$(…)` for ever. fragd does not rename them
// itself: a code is the name people and plans know an item by, so the person chooses the
// new one; the message names each offending row and gives the command that renames it.
import { commandLine } from '../../shared/command.js';
import { terminalSafe } from '../../shared/terminal.js';
import { ACTOR_PATTERN, CODE_PATTERN, CODE_RULE, ACTOR_RULE } from '../../shared/charset.js';
import type Database from 'better-sqlite3';

export class StoredNamesError extends Error {}

interface Bad {
  table: 'projects' | 'sprints' | 'tasks' | 'sessions';
  column: 'code' | 'actor';
  id: number;
  value: string;
}

/** A name in the character set, close to `value`, for the suggested rename. */
function safeName(value: string, max: number): string {
  const s = value
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return s || 'RENAMED';
}

export function checkStoredNames(db: Database.Database, dbPath: string): void {
  const bad: Bad[] = [];
  for (const table of ['projects', 'sprints', 'tasks'] as const) {
    for (const r of db.prepare(`SELECT id, code FROM ${table}`).all() as { id: number; code: string }[])
      if (!CODE_PATTERN.test(r.code)) bad.push({ table, column: 'code', id: r.id, value: r.code });
  }
  for (const r of db.prepare('SELECT min(id) AS id, actor FROM sessions GROUP BY actor').all() as {
    id: number;
    actor: string;
  }[])
    if (!ACTOR_PATTERN.test(r.actor)) bad.push({ table: 'sessions', column: 'actor', id: r.id, value: r.actor });
  if (bad.length === 0) return;

  const lines = bad.slice(0, 20).map((b) => {
    const proposed = `${safeName(b.value, 60)}${b.column === 'code' ? `-${b.id}` : ''}`;
    const sql =
      b.column === 'code'
        ? `UPDATE ${b.table} SET code = '${proposed}' WHERE id = ${b.id}`
        : `UPDATE sessions SET actor = '${proposed}' WHERE actor = (SELECT actor FROM sessions WHERE id = ${b.id})`;
    const what = b.table === 'sessions' ? 'actor' : b.table.replace(/s$/, '');
    return `  ${what} ${terminalSafe(JSON.stringify(b.value))} (id ${b.id}): ${commandLine(['sqlite3', dbPath, sql])}`;
  });
  throw new StoredNamesError(
    [
      `the database holds ${bad.length} name(s) that fragd no longer accepts, because it prints them inside shell commands:`,
      ...lines,
      ...(bad.length > 20 ? [`  … and ${bad.length - 20} more`] : []),
      `Rule: ${CODE_RULE}; ${ACTOR_RULE}.`,
      'Stop any fragd, rename each one (the commands above, with fragd stopped, propose a name; choose your own if you like), then start fragd again. See docs/security.md.',
    ].join('\n'),
  );
}
