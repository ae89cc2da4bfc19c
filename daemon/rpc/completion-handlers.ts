// Method → operation for the completion area (shared/protocol/completion.ts).
import type { completionMethods } from '../../shared/protocol/completion.js';
import type { HandlersFor } from './handler-types.js';
import * as completion from '../app/work/completion.js';
import { sessionReportMethod } from '../app/sessions/session-report.js';

export const completionHandlers: HandlersFor<keyof typeof completionMethods> = {
  'task.validate': (c, p) => completion.validateTaskMethod(c, p),
  'sprint.validate': (c, p) => completion.validateSprintMethod(c, p),
  'task.complete': (c, p) => completion.completeTask(c, p),
  'tasks.bulk_complete': (c, p) => completion.bulkComplete(c, p),
  'sprint.complete': (c, p) => completion.completeSprint(c, p),
  'artifact.add': (c, p) => completion.addArtifact(c, p),
  'session.report': (c, p) => sessionReportMethod(c, p),
};
