// Usage windows: the rolling windows vendors meter subscriptions in. A block (Claude's and
// Codex's 5 hours) opens at the hour of the first message after the previous block closed
// and closes block_hours later, or at a gap of block_hours without messages (as ccusage's
// blocks do); a week runs from a configured instant every 7 days, else the 7 days up to now.
// Each shows its tokens and cost, the burn rate since its first message, a projection to
// its end at that rate, and, against a configured limit, a warning before it is reached.
import type { Cost, UsageResult, UsageWindow } from '../../../shared/protocol/costs.js';
import { iso } from '../../clock.js';
import type { FragConfig } from '../../config.js';
import type { Call } from '../app.js';
import { pricedWhere } from '../token-costs.js';
import { centsDollars, exactDollars } from './prices.js';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
type WindowConfig = FragConfig['usage'][string];
const DEFAULTS: WindowConfig = { block_hours: 5, warn_percent: 80 };

const PICO = 1_000_000_000_000n;
const pico = (c: Cost): bigint | null => {
  if (c.exact_usd === null) return null;
  const [w, f = ''] = c.exact_usd.split('.');
  return BigInt(w) * PICO + BigInt(f.padEnd(12, '0'));
};
const picoOfDollars = (d: string) => pico({ exact_usd: d } as Cost)!;

/** The block open at `now`, from the actor's message times (ascending) in the look-back. */
export function currentBlock(
  times: readonly number[],
  now: number,
  hours: number,
): { start: number; first: number } | null {
  const len = hours * HOUR;
  let block: { start: number; first: number; last: number } | null = null;
  for (const t of times) {
    if (t > now) break;
    if (!block || t - block.start >= len || t - block.last >= len)
      block = { start: Math.floor(t / HOUR) * HOUR, first: t, last: t };
    else block.last = t;
  }
  return block && now < block.start + len ? { start: block.start, first: block.first } : null;
}

function windowOf(
  call: Call,
  actor: string,
  kind: 'block' | 'week',
  start: number,
  end: number,
  first: number | null,
  limit: { usd?: string; tokens?: number },
  warnPercent: number,
  active: boolean,
): UsageWindow {
  const now = call.now;
  const p = pricedWhere(call.app, 'actor = ? AND at >= ? AND at < ?', actor, start, Math.min(end, now + 1));
  const total = p.tokens.input + p.tokens.output + p.tokens.cache_creation + p.tokens.cache_read;
  // Burn since the first message (at least a minute, so one message is not an infinite rate).
  const burning = first === null ? 0 : Math.max(60_000, now - first);
  const remaining = active ? Math.max(0, end - now) : 0;
  const costPico = pico(p.cost);
  const tokensPerHour = burning ? Math.round((total * HOUR) / burning) : 0;
  const usdPerHourPico = costPico !== null && burning ? (costPico * BigInt(HOUR)) / BigInt(burning) : null;
  const projectedTokens = burning ? total + Math.round((total * remaining) / burning) : total;
  const projectedPico =
    costPico === null ? null : burning ? costPico + (costPico * BigInt(remaining)) / BigInt(burning) : costPico;
  let lim: UsageWindow['limit'] = null;
  let warning: string | null = null;
  if (limit.usd !== undefined || limit.tokens !== undefined) {
    const share = (used: bigint, of: bigint) => (of === 0n ? 0 : Number((used * 1000n) / of) / 10);
    const byUsd =
      limit.usd !== undefined && costPico !== null
        ? {
            used: share(costPico, picoOfDollars(limit.usd)),
            projected: share(projectedPico!, picoOfDollars(limit.usd)),
          }
        : null;
    const byTokens =
      limit.tokens !== undefined
        ? {
            used: share(BigInt(total), BigInt(limit.tokens)),
            projected: share(BigInt(projectedTokens), BigInt(limit.tokens)),
          }
        : null;
    const used = Math.max(byUsd?.used ?? 0, byTokens?.used ?? 0);
    const projected = Math.max(byUsd?.projected ?? 0, byTokens?.projected ?? 0);
    lim = { usd: limit.usd ?? null, tokens: limit.tokens ?? null, used_percent: used, projected_percent: projected };
    const what = [
      limit.usd !== undefined ? `$${centsDollars(picoOfDollars(limit.usd))}` : null,
      limit.tokens !== undefined ? `${limit.tokens} tokens` : null,
    ]
      .filter(Boolean)
      .join(' / ');
    const name = kind === 'block' ? `${actor}'s ${(end - start) / HOUR}-hour window` : `${actor}'s weekly window`;
    if (used >= 100) warning = `${name} is past its limit of ${what} (${used}%); it resets at ${iso(end)}`;
    else if (used >= warnPercent)
      warning = `${name} has used ${used}% of its limit of ${what}; it resets at ${iso(end)}`;
    else if (active && projected >= 100) {
      // When the limit is reached at this rate: the share left over the burn rate.
      const leftMs = burning ? Math.round(((100 - used) / used) * burning) : 0;
      warning = `${name} is at ${used}% of ${what}; at this rate it reaches the limit around ${iso(now + (used > 0 ? leftMs : 0))}, before it resets at ${iso(end)}`;
    }
  }
  return {
    kind,
    start: iso(start),
    end: iso(end),
    active,
    elapsed_seconds: active ? Math.round((now - start) / 1000) : 0,
    remaining_seconds: Math.round(remaining / 1000),
    tokens: p.tokens,
    total_tokens: total,
    cost: p.cost,
    burn: {
      tokens_per_hour: tokensPerHour,
      usd_per_hour: usdPerHourPico === null ? null : centsDollars(usdPerHourPico),
    },
    projected: {
      tokens: projectedTokens,
      usd: projectedPico === null ? null : exactDollars(projectedPico).replace(/^(\d+\.\d{0,6}).*$/, '$1'),
    },
    limit: lim,
    warning,
  };
}

/** The windows of every actor with tokens in the last week (or one actor), as of call.now. */
export function usage(call: Call, p?: { actor?: string }): UsageResult {
  const { sql, config } = call.app;
  const now = call.now;
  const actors = p?.actor
    ? [p.actor]
    : sql
        .all<{ actor: string }>(
          'SELECT DISTINCT actor FROM agent_tokens WHERE at >= ? AND at <= ? ORDER BY actor',
          now - WEEK,
          now,
        )
        .map((r) => r.actor);
  for (const a of Object.keys(config.usage)) if (!p?.actor && !actors.includes(a)) actors.push(a);
  const agents = actors.map((actor) => {
    const c = { ...DEFAULTS, ...config.usage[actor] };
    const len = c.block_hours * HOUR;
    // A block open now began at most one block length before now; its chain of messages
    // may reach further back, so read two weeks at most (a longer unbroken chain is read as ending there).
    const times = sql
      .all<{ at: number }>(
        'SELECT at FROM agent_tokens WHERE actor = ? AND at >= ? AND at <= ? ORDER BY at',
        actor,
        now - 2 * WEEK,
        now,
      )
      .map((r) => r.at);
    const block = currentBlock(times, now, c.block_hours);
    const windows: UsageWindow[] = [];
    const blockLimit = { usd: c.block_limit_usd, tokens: c.block_limit_tokens };
    if (block)
      windows.push(
        windowOf(call, actor, 'block', block.start, block.start + len, block.first, blockLimit, c.warn_percent, true),
      );
    else {
      const last = times.length ? times[times.length - 1] : null;
      windows.push({
        ...windowOf(call, actor, 'block', now, now, null, blockLimit, c.warn_percent, false),
        start: last === null ? iso(now) : iso(last),
      });
    }
    let wStart: number;
    let wEnd: number;
    if (c.week_starts) {
      const anchor = Date.parse(c.week_starts);
      const n = Math.floor((now - anchor) / WEEK);
      wStart = anchor + n * WEEK;
      wEnd = wStart + WEEK;
    } else {
      wStart = now - WEEK;
      wEnd = now;
    }
    const firstInWeek = times.find((t) => t >= wStart) ?? null;
    windows.push(
      windowOf(
        call,
        actor,
        'week',
        wStart,
        wEnd,
        firstInWeek,
        { usd: c.week_limit_usd, tokens: c.week_limit_tokens },
        c.warn_percent,
        Boolean(c.week_starts),
      ),
    );
    return { actor, windows };
  });
  return { at: iso(now), agents, prices: call.app.pricing.about() };
}
