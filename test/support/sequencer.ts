// The order test files start in. With two workers the suite ends when its last long file
// does: vitest starts the longest first when its cache (node_modules/.vite) knows the
// durations, but a fresh checkout (CI) has none and starts the largest files first, which
// left the ~80 s many-agent files to start near the end, one worker idle meanwhile. Files the
// cache does not know get the duration measured here (a quiet machine, seconds); a file in
// neither list counts as short.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds the longest files took in one whole run on this project's 2-core machine (before they were made shorter). */
const MEASURED: Record<string, number> = {
  'test/integration/claims-agents-fragctl.test.ts': 99,
  'test/integration/reservations-eight.test.ts': 96,
  'test/integration/team-sync.test.ts': 62,
  'test/integration/instructions.test.ts': 62,
  'test/integration/corrections.test.ts': 51,
  'test/integration/team-store.test.ts': 48,
  'test/integration/completion.test.ts': 37,
  'test/integration/dashboard-team.test.ts': 36,
  'test/integration/gate-canned.test.ts': 36,
  'test/integration/messages.test.ts': 35,
  'test/integration/dashboard.test.ts': 34,
  'test/integration/hooks.test.ts': 33,
  'test/integration/dashboard-work.test.ts': 33,
  'test/integration/cli-reference.test.ts': 32,
  'test/integration/reservations-agents.test.ts': 31,
  'test/integration/newcomer.test.ts': 30,
  'test/integration/sessions-context.test.ts': 29,
  'test/reliability/injection.test.ts': 28,
  'test/integration/team-security.test.ts': 27,
  'test/integration/agent-install.test.ts': 26,
  'test/integration/prompts.test.ts': 24,
  'test/integration/agents-real.test.ts': 23,
  'test/integration/cli-errors.test.ts': 22,
  'test/reliability/memory-bounds.test.ts': 22,
  'test/integration/terminal.test.ts': 20,
  'test/reliability/failure-errors.test.ts': 20,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const weight = (f: TestSpecification) => {
      const file = relative(root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${file}`);
      return { failed: cached?.failed ?? false, ms: cached?.duration ?? (MEASURED[file] ?? 0) * 1000 };
    };
    const w = new Map(files.map((f) => [f, weight(f)]));
    return [...files].sort((a, b) => {
      const wa = w.get(a)!;
      const wb = w.get(b)!;
      if (wa.failed !== wb.failed) return wa.failed ? -1 : 1;
      return wb.ms - wa.ms;
    });
  }
}
