// Driving a daemon that runs on its test clock (FRAGD_TEST_CLOCK).
import type { FragClient } from '../../client/lib/client.js';

export const MIN = 60_000;

/** Work for `ms` with the daemon awake: a heartbeat every 5 minutes, ticks on the way. */
export async function work(
  c: FragClient,
  ms: number,
  beat: { file?: string; editor?: string } = { file: 'src/app.ts' },
): Promise<void> {
  for (let left = ms; left > 0; left -= 5 * MIN) {
    await c.call('debug.clock', { advance_ms: Math.min(5 * MIN, left), ticking: true });
    await c.call('heartbeat', beat);
  }
}
