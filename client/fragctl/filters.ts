// The filters every report and list takes (issue 26): --project, --sprint, --label (repeat
// or comma-separate), --actor (the global option) and --agent / --no-agent (the kind of
// actor). fragctl only passes them on: the daemon applies them in its queries.
import type { Argv } from 'yargs';

export interface FilterArgs {
  project?: string;
  sprint?: string;
  label?: string | string[];
  agent?: boolean;
  actor?: string;
}

/** Adds the filter options (except --actor, a global one) to a command; `items` false leaves out --project and --sprint (the command has its own). */
export const withFilters = <T>(b: Argv<T>, what = 'rows', items = true): Argv<T & FilterArgs> =>
  (items
    ? b
        .option('project', { type: 'string', describe: `only ${what} of this project` })
        .option('sprint', { type: 'string', describe: `only ${what} of this sprint (1 means SPRINT-1)` })
    : b
  )
    .option('label', {
      type: 'string',
      array: true,
      describe: `only ${what} with this label (on the task, its parent or its sprint); repeat for all of several`,
    })
    .option('agent', {
      type: 'boolean',
      describe: `only agents' ${what} (--no-agent: only the human's)`,
    });

/** The protocol's filter params from parsed options (those not given are left out). */
export function filterParams(a: FilterArgs): {
  project?: string;
  sprint?: string;
  label?: string[];
  kind?: 'agent' | 'human';
} {
  const labels = labelList(a.label) ?? [];
  return {
    ...(a.project ? { project: a.project } : {}),
    ...(a.sprint ? { sprint: a.sprint } : {}),
    ...(labels.length ? { label: labels } : {}),
    ...(a.agent === true ? { kind: 'agent' as const } : a.agent === false ? { kind: 'human' as const } : {}),
  };
}

/** " · project P · label a,b · agents" for a heading. */
export function filtersLine(f: { project?: string; sprint?: string; label?: string[]; kind?: string } | undefined) {
  if (!f) return '';
  return [
    f.project ? `project ${f.project}` : null,
    f.sprint ? `sprint ${f.sprint}` : null,
    f.label?.length ? `label ${f.label.join(',')}` : null,
    f.kind ? (f.kind === 'agent' ? 'agents only' : 'human only') : null,
  ]
    .filter(Boolean)
    .map((x) => ` · ${x}`)
    .join('');
}

/** --label values (repeated or comma-separated) as a list; undefined when the option was not given. */
export function labelList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return [v]
    .flat()
    .flatMap((l) => String(l).split(','))
    .map((l) => l.trim())
    .filter(Boolean);
}
