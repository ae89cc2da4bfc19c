// fragctl usage: each agent's usage windows (docs/costs.md). The daemon computes; this lays it out.
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import { costText, type UsageResult, type UsageWindow } from '../../../shared/protocol/costs.js';
import { run, type GlobalArgs } from '../runner.js';
import { localTime, one } from '../output.js';

function windowLines(w: UsageWindow): string[] {
  const name = w.kind === 'block' ? 'block' : 'week';
  if (w.kind === 'block' && !w.active)
    return [`  block: none open (last message ${localTime(w.start)}); the next opens with the next message`];
  const span = w.active
    ? `${localTime(w.start)} → resets ${localTime(w.end)} (${formatDuration(w.remaining_seconds)} left)`
    : `the 7 days up to now (${localTime(w.start)} →)`;
  const lines = [
    `  ${name}: ${span}`,
    `    used ${w.total_tokens} tokens, ${costText(w.cost)} · burn ${w.burn.tokens_per_hour} tokens/h${w.burn.usd_per_hour !== null ? `, $${w.burn.usd_per_hour}/h` : ''}${w.active ? ` · projected at reset ${w.projected.tokens} tokens${w.projected.usd !== null ? `, $${w.projected.usd}` : ''}` : ''}`,
  ];
  if (w.limit)
    lines.push(
      `    limit ${[w.limit.usd !== null ? `$${w.limit.usd}` : null, w.limit.tokens !== null ? `${w.limit.tokens} tokens` : null].filter(Boolean).join(' / ')}: ${w.limit.used_percent}% used${w.active ? `, ${w.limit.projected_percent}% projected` : ''}`,
    );
  if (w.warning) lines.push(`    warning: ${one(w.warning)}`);
  return lines;
}

export function usageLines(r: UsageResult): string[] {
  if (!r.agents.length) return ['no agent used tokens in the last 7 days'];
  return [
    ...r.agents.flatMap((a) => [`${one(a.actor)}:`, ...a.windows.flatMap(windowLines)]),
    `prices of ${r.prices.date}${r.prices.file ? ` from ${one(r.prices.file)}` : ''}${r.prices.error ? ` · prices.json not used: ${one(r.prices.error)}` : ''}`,
  ];
}

export function usageCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'usage',
    "Each agent's usage windows: the current 5-hour block and the week, burn rate, projection to the reset, limits",
    (b) => b.example('$0 usage --actor claude', "how much of claude's 5-hour window is left"),
    (argv) =>
      run(
        argv,
        (c) => c.call('usage', argv.actor ? { actor: argv.actor } : {}),
        (r) => usageLines(r),
      ),
  );
}
