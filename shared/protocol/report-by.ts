// The groupings of a report, apart from the zod schemas so that fragctl can list them
// without loading zod (its bundle keeps zod out of the hot path).
export type ReportBy =
  | 'day'
  | 'week'
  | 'month'
  | 'task'
  | 'sprint'
  | 'project'
  | 'actor'
  | 'session'
  | 'branch'
  | 'file'
  | 'language'
  | 'editor'
  | 'model';
export const REPORT_BY = [
  'day',
  'week',
  'month',
  'task',
  'sprint',
  'project',
  'actor',
  'session',
  'branch',
  'file',
  'language',
  'editor',
  'model',
] as const satisfies readonly ReportBy[];
