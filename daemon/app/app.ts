// What every operation gets: the store, the clock, the config, and a place to put the
// events it causes (published only once its transaction has committed).
import type { Clock } from '../clock.js';
import type { Sql } from '../store/sql.js';
import type { DaemonEvent, Source } from '../../shared/protocol/views.js';
import type { FragConfig } from '../config.js';

export interface App {
  sql: Sql;
  clock: Clock;
  config: FragConfig;
}

/** One call's view of the app: events it raised and who is calling. */
export interface Call {
  app: App;
  now: number;
  source: Source;
  events: DaemonEvent[];
}

export function newCall(app: App, source: Source = 'cli'): Call {
  return { app, now: app.clock.now(), source, events: [] };
}
