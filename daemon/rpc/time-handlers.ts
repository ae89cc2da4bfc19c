// Handlers of the time methods (shared/protocol/time.ts).
import { ErrorCode, FragError } from '../../shared/errors.js';
import type { timeMethods } from '../../shared/protocol/time.js';
import { iso, ManualClock } from '../clock.js';
import type { Call } from '../app/app.js';
import { heartbeat } from '../app/sessions/heartbeat.js';
import { report } from '../app/time/reports.js';
import { usage } from '../app/costs/usage.js';
import type { usageMethods } from '../../shared/protocol/usage.js';
import { tickerOf, type Ticker, type TickReport } from '../app/sessions/tick.js';
import type { HandlersFor } from './handler-types.js';

/** The debug methods exist only on a daemon started with FRAGD_TEST_CLOCK. */
function testClock(call: Call, method: string): { clock: ManualClock; ticker: Ticker } {
  const clock = call.app.clock;
  const ticker = tickerOf(call.app);
  if (!(clock instanceof ManualClock) || !ticker) {
    throw new FragError(
      ErrorCode.InvalidState,
      `${method} is for tests only: start fragd with FRAGD_TEST_CLOCK=<epoch ms> to use it`,
      {
        error: 'invalid_state',
        hint: 'this daemon runs on the system clock; the debug methods would make its time tracking untrue',
      },
    );
  }
  return { clock, ticker };
}

export const timeHandlers: HandlersFor<keyof typeof timeMethods | keyof typeof usageMethods> = {
  usage: (c, p) => usage(c, p),
  heartbeat: (c, p) => heartbeat(c, p),
  report: (c, p) => report(c, p),
  'debug.tick': (c) => {
    const { ticker } = testClock(c, 'debug.tick');
    return ticker.runIn(c);
  },
  'debug.clock': (c, p) => {
    const { clock, ticker } = testClock(c, 'debug.clock');
    const given = [p.advance_ms, p.jump_wall_ms, p.set_ms].filter((v) => v !== undefined).length;
    if (given !== 1) {
      throw new FragError(
        ErrorCode.InvalidParams,
        'debug.clock takes exactly one of advance_ms, jump_wall_ms, set_ms',
        { error: 'invalid_params' },
      );
    }
    const ticks: TickReport[] = [];
    if (p.advance_ms !== undefined) {
      if (p.ticking) {
        // Time passes with the daemon awake: a tick at every period on the way.
        const step = ticker.period.seconds * 1000;
        let left = p.advance_ms;
        while (left > 0) {
          const d = Math.min(step, left);
          clock.advance(d);
          left -= d;
          ticks.push(ticker.runIn({ ...c, now: clock.now() }));
        }
      } else clock.advance(p.advance_ms);
    } else if (p.jump_wall_ms !== undefined) clock.jumpWall(p.jump_wall_ms);
    else clock.set(p.set_ms!);
    return { now: iso(clock.now()), wall_ms: clock.now(), monotonic_ms: clock.monotonic(), ticks };
  },
};
