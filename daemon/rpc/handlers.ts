// Method name → operation. The table is typed by the protocol, so a handler whose params
// or result drift from shared/protocol/methods.ts fails to compile.
import type { coreMethods, MethodName } from '../../shared/protocol/methods.js';
import type { HandlerTable, HandlersFor, Preparers } from './handler-types.js';
import * as sessions from '../app/sessions/sessions.js';
import { getSession } from '../app/sessions/lookup.js';
import { checkDatabase } from '../store/check.js';
import * as context from '../app/context/context.js';
import * as items from '../app/work/items.js';
import { importPlan } from '../app/work/plan-import.js';
import { nextTask } from '../app/context/next-task.js';
import { completionHandlers } from './completion-handlers.js';
import { agentHandlers } from './agent-handlers.js';
import { agentsHandlers } from './agents.js';
import { timeHandlers } from './time-handlers.js';
import { dashboardHandlers } from './dashboard.js';
import { intervalHandlers } from './interval-handlers.js';
import { reportPreparers } from '../app/time/report-views.js';
import { gitHandlers, gitPreparers } from './git.js';
import { syncHandlers } from './sync-handlers.js';
import { messageHandlers } from './message-handlers.js';
import { releasingReservations, reservationHandlers, withReservations } from './reservation-handlers.js';
import {
  estimateHandlers,
  withHistoryOnCheck,
  withPlanEstimates,
  withSprintEstimates,
  withSuggestionOnActivate,
  withSuggestionOnCreate,
} from './estimate-handlers.js';
import { claimBeforeActivate, grantAgentPlaces, grantNextChoice } from '../app/team/claims.js';
import { actorBeforeSend, reservationsBeforeReserve } from '../app/team/coordination.js';
import { spooledAgentPlaces } from '../app/git/spool.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import { listActors } from '../app/sessions/actors.js';
import { teamTaskShow, type TaskShowParams } from '../app/team/task-show.js';
import { budgetLeft } from '../app/costs/budgets.js';

const coreHandlers: HandlersFor<keyof typeof coreMethods> = {
  'daemon.hello': (_c, p, _conn, d) => d.hello(p),
  'daemon.status': (c, _p, _conn, d) => d.status(c),
  'daemon.check': (c) => checkDatabase(c.app.sql),
  // Not queued (mutates: false): the dispatcher awaits the copy, which yields between steps.
  'daemon.backup': (_c, _p, _conn, d) => d.backup() as unknown as ResultOf<'daemon.backup'>,
  'daemon.shutdown': (_c, _p, _conn, d) => {
    d.shutdown();
    return { stopping: true };
  },
  'events.subscribe': (c, p, conn) => {
    if (p?.session) getSession(c, p.session);
    conn.subscribed = true;
    conn.sessionFilter = p?.session ?? null;
    return { subscribed: true, session: conn.sessionFilter };
  },
  'events.unsubscribe': (_c, _p, conn) => {
    conn.subscribed = false;
    return { subscribed: false };
  },

  'session.start': (c, p) => sessions.startSession(c, p),
  'session.end': (c, p) => releasingReservations(c, sessions.endSession(c, p), 'session ended'),
  'session.pause': (c, p) => sessions.pauseSession(c, p),
  'session.resume': (c, p) => sessions.resumeSession(c, p),
  'session.switch': (c, p) => sessions.switchSession(c, p),
  'session.abandon': (c, p) => releasingReservations(c, sessions.abandonSession(c, p), 'session abandoned'),
  'session.status': (c, p) => {
    const r = sessions.sessionStatus(c, p);
    // The status line's budget (shared/status-line.ts): the same as the status file's.
    return withReservations(c, { ...r, budget_left: budgetLeft(c, getSession(c, r.session.key)) });
  },
  'session.list': (c, p) => sessions.listSessions(c, p),
  'session.history': (c, p) => context.sessionHistory(c, p),

  'context.push': (c, p) => context.pushContext(c, p),
  'context.pop': (c, p) => context.popContext(c, p),
  'context.clear': (c, p) => context.clearContext(c, p),
  'context.show': (c, p) => context.showContext(c, p),
  'sprint.activate': (c, p) => context.activateSprint(c, p),
  'task.activate': (c, p) => withSuggestionOnActivate(c, context.activateTask(c, p)),
  'task.deactivate': (c, p) => withHistoryOnCheck(c, context.deactivateTask(c, p)),

  'activity.update': (c, p) => context.logActivity(c, 'update', p),
  'activity.note': (c, p) => context.logActivity(c, 'note', p),
  'activity.log': (c, p) => context.logActivity(c, 'log', p),

  'project.create': (c, p) => items.createProject(c, p),
  'project.list': (c, p) => items.listProjects(c, p),
  'project.show': (c, p) => items.showProject(c, p),
  'project.edit': (c, p) => items.editProject(c, p),
  'sprint.create': (c, p) => items.createSprint(c, p),
  'sprint.list': (c, p) => items.listSprints(c, p),
  'sprint.show': (c, p) => withSprintEstimates(c, items.showSprint(c, p)),
  'sprint.edit': (c, p) => items.editSprint(c, p),
  'task.create': (c, p) => withSuggestionOnCreate(c, p, items.createTask(c, p)),
  'task.list': (c, p) => items.listTasks(c, p),
  'task.show': (c, p) => items.showTask(c, p, (p as TaskShowParams).team),
  'task.edit': (c, p) => items.editTask(c, p),
  'task.next': (c, p) => nextTask(c, p),
  'plan.import': (c, p) => withPlanEstimates(c, p, importPlan(c, p)),
};

export const handlers: HandlerTable = {
  ...coreHandlers,
  ...completionHandlers,
  ...agentHandlers,
  ...agentsHandlers,
  ...timeHandlers,
  ...dashboardHandlers,
  ...intervalHandlers,
  ...gitHandlers,
  ...syncHandlers,
  ...estimateHandlers,
  'task.complete': (c, p, conn, d) => withHistoryOnCheck(c, completionHandlers['task.complete'](c, p, conn, d)),
  'actors.list': (c, p) => listActors(c, p),
  ...messageHandlers,
  ...reservationHandlers,
};

export const preparers: Preparers<MethodName> = {
  ...reportPreparers,
  // With team sync on, the team store grants a task before every path that activates one
  // (daemon/app/team/claims.ts); the claim function refuses any activation without a grant.
  'task.activate': (app, p) => claimBeforeActivate(app, p),
  'context.push': (app, p) =>
    p.type === 'task' || p.type === 'subtask' ? claimBeforeActivate(app, p) : Promise.resolve(),
  'task.next': (app, p) => grantNextChoice(app, p),
  // Reservations and messages across machines (daemon/app/team/coordination.ts).
  'reservation.create': (app) => reservationsBeforeReserve(app),
  'message.send': (app, p) => actorBeforeSend(app, p),
  // The other machines' time and updates on the task, read from the team store for the answer.
  'task.show': (app, p) => teamTaskShow(app, p),
  'agent.hook': (app, p) =>
    grantAgentPlaces(app, () => [
      ...spooledAgentPlaces(app),
      { agent: p.agent, event: p.event, cwd: typeof p.payload.cwd === 'string' ? p.payload.cwd : null },
    ]),
  'spool.ingest': async (app, p) => {
    await gitPreparers['spool.ingest']?.(app, p);
    return grantAgentPlaces(app, () => spooledAgentPlaces(app, p?.limit));
  },
};
