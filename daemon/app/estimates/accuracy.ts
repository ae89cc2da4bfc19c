// How past estimates turned out, per actor and per label (fragctl estimate accuracy): the
// same history and the same median ratio the suggestions scale by (suggest.ts).
import type { AccuracyRow } from '../../../shared/protocol/estimates.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { Call } from '../app.js';
import { HUMAN_ACTOR, labelledTasks, resolveFilters } from '../filters.js';
import { median } from './suggest.js';

interface Row {
  id: number;
  estimate_minutes: number;
  ms: number;
  actor: string | null;
  labels: string | null;
}

const tendency = (ratio: number) => {
  const pct = Math.round((ratio - 1) * 100);
  return pct === 0 ? 'on estimate' : `${Math.abs(pct)}% ${pct > 0 ? 'over' : 'under'}`;
};

function rows(groups: Map<string, Row[]>): AccuracyRow[] {
  return [...groups.entries()]
    .map(([key, rs]) => {
      const ratio = median(rs.map((r) => r.ms / 60_000 / r.estimate_minutes));
      return {
        key,
        tasks: rs.length,
        estimate_minutes: rs.reduce((a, r) => a + r.estimate_minutes, 0),
        actual_minutes: Math.round(rs.reduce((a, r) => a + r.ms, 0) / 60_000),
        median_ratio: Math.round(ratio * 100) / 100,
        tendency: tendency(ratio),
      };
    })
    .sort((a, b) => b.tasks - a.tasks || a.key.localeCompare(b.key));
}

export function estimateAccuracy(call: Call, p: ParsedParamsOf<'estimate.accuracy'>) {
  const f = resolveFilters(call, p);
  const where = [
    f.projectId != null ? ` AND t.project_id = ${f.projectId}` : '',
    f.sprintId != null ? ` AND t.sprint_id = ${f.sprintId}` : '',
    ...f.labelIds.map((l) => ` AND t.id IN (${labelledTasks(l)})`),
  ].join('');
  const all = call.app.sql.all<Row>(
    `SELECT * FROM (
       SELECT t.id, t.estimate_minutes,
              (SELECT coalesce(sum(coalesce(i.ended_at, i.checkpoint_at) - i.started_at), 0) FROM intervals i
                WHERE i.task_id = t.id OR i.task_id IN (SELECT s.id FROM tasks s WHERE s.parent_id = t.id)) AS ms,
              (SELECT actor FROM intervals i WHERE i.task_id = t.id
                GROUP BY actor ORDER BY sum(coalesce(i.ended_at, i.checkpoint_at) - i.started_at) DESC LIMIT 1) AS actor,
              (SELECT group_concat(l.name) FROM labels l WHERE l.id IN (
                 SELECT label_id FROM task_labels WHERE task_id = t.id
                 UNION SELECT label_id FROM sprint_labels WHERE sprint_id = t.sprint_id)) AS labels
         FROM tasks t
        WHERE t.status = 'completed' AND t.parent_id IS NULL AND t.estimate_minutes > 0${where})
      WHERE ms > 0 AND (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR (actor = '${HUMAN_ACTOR}') = (?2 = 'human'))`,
    f.actor,
    f.kind,
  );
  const byActor = new Map<string, Row[]>();
  const byLabel = new Map<string, Row[]>();
  for (const r of all) {
    const a = r.actor ?? '(none)';
    byActor.set(a, [...(byActor.get(a) ?? []), r]);
    for (const l of (r.labels ?? '').split(',').filter(Boolean)) byLabel.set(l, [...(byLabel.get(l) ?? []), r]);
  }
  return { by_actor: rows(byActor), by_label: rows(byLabel), tasks: all.length };
}
