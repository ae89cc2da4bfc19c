// Handlers of the dashboard methods (shared/protocol/dashboard.ts).
import type { dashboardMethods } from '../../shared/protocol/dashboard.js';
import { dayTimeline, sprintBurndown } from '../app/time/day-view.js';
import type { HandlersFor } from './handler-types.js';

export const dashboardHandlers: HandlersFor<keyof typeof dashboardMethods> = {
  'dashboard.login': (c, _p, _conn, d) => d.dashboardLogin(c.now),
  'time.day': (c, p) => dayTimeline(c, p),
  'sprint.burndown': (c, p) => sprintBurndown(c, p),
};
