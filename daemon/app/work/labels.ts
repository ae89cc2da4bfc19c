// Labels on tasks and sprints (issue 26): a set of words per item, stored once per name
// (labels) and linked (task_labels, sprint_labels). Setting replaces the item's set.
import type { Sql } from '../../store/sql.js';

const TABLE = { task: ['task_labels', 'task_id'], sprint: ['sprint_labels', 'sprint_id'] } as const;

/** Lower-cased, without duplicates, in the order given. */
export const normaliseLabels = (labels: readonly string[]): string[] => [
  ...new Set(labels.map((l) => l.trim().toLowerCase()).filter(Boolean)),
];

export function setLabels(sql: Sql, kind: 'task' | 'sprint', id: number, labels: readonly string[]): void {
  const [table, col] = TABLE[kind];
  sql.run(`DELETE FROM ${table} WHERE ${col} = ?`, id);
  for (const name of normaliseLabels(labels)) {
    sql.run('INSERT INTO labels (name) VALUES (?) ON CONFLICT (name) DO NOTHING', name);
    const labelId = sql.value<number>('SELECT id FROM labels WHERE name = ?', name)!;
    sql.run(`INSERT OR IGNORE INTO ${table} (${col}, label_id) VALUES (?, ?)`, id, labelId);
  }
}

export const labelsOf = (sql: Sql, kind: 'task' | 'sprint', id: number): string[] => {
  const [table, col] = TABLE[kind];
  return sql
    .all<{ name: string }>(
      `SELECT l.name FROM ${table} x JOIN labels l ON l.id = x.label_id WHERE x.${col} = ? ORDER BY l.name`,
      id,
    )
    .map((r) => r.name);
};
