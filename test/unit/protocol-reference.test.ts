// docs/protocol.md and docs/errors.md are generated from the protocol table and its types:
// they must say what the daemon serves (regenerate with node scripts/protocol-reference.mjs --write).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorsMarkdown, protocolReferenceMarkdown, spliceGenerated } from '../../scripts/protocol-reference.js';
import { methods } from '../../shared/protocol/methods.js';
import type { DaemonEvent, EventData } from '../../shared/protocol/events.js';
import { errorNameByCode } from '../../shared/errors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('protocol reference', () => {
  // Loading a TypeScript program over the protocol takes seconds, more on a busy machine.
  const generated = protocolReferenceMarkdown(root);

  it('docs/protocol.md is what the generator produces (run node scripts/protocol-reference.mjs --write)', () => {
    const doc = read('docs/protocol.md');
    expect(doc).toBe(spliceGenerated(doc, generated));
  }, 120_000);

  it('documents every method with its params, result and errors', () => {
    for (const name of Object.keys(methods)) {
      const section = generated.split(`### \`${name}\`\n`)[1]?.split('\n### ')[0] ?? '';
      expect(section, name).toContain('**Params**');
      expect(section, name).toMatch(/\*\*Result\*\*\n\n```ts\n.+\n```/s);
      expect(section, name).toContain('**Errors**');
    }
  });

  it('expands results one level with their JSDoc, and lists the named types with theirs', () => {
    const status = generated.split('### `daemon.status`\n')[1].split('\n### ')[0];
    expect(status).toContain('// Resident memory and the JavaScript heap, in MB.');
    expect(status).toMatch(/memory: \{\n\s+rss_mb: number;/);
    expect(generated).toContain('### SessionView');
    expect(generated).toMatch(/### ActivityView[^#]+data_omitted\?: \{ bytes: number; keys: string\[\] \}/);
  });

  it("documents every event type's data from the events table", () => {
    const types: Record<keyof EventData, true> = {
      'session.changed': true,
      'context.changed': true,
      'activity.logged': true,
      'session.idle_paused': true,
      'session.resumed': true,
      'item.changed': true,
      'sync.pulled': true,
      'subscription.dropped': true,
    };
    for (const t of Object.keys(types)) expect(generated).toMatch(new RegExp(`### \`${t}\`\\n[^#]+data: \\{`));
  });

  it('events are typed by the table: wrong data does not compile', () => {
    const ok: DaemonEvent = { type: 'context.changed', session: null, at: '', data: { stack: ['FRAG'] } };
    // @ts-expect-error: context.changed carries the stack, not an activity's fields
    const wrong: DaemonEvent = { type: 'context.changed', session: null, at: '', data: { id: 1 } };
    expect([ok, wrong]).toHaveLength(2);
  });
});

describe('errors reference', () => {
  it('docs/errors.md is what the generator produces (run node scripts/protocol-reference.mjs --write)', () => {
    expect(read('docs/errors.md')).toBe(errorsMarkdown());
  });

  it('names every error code with what to do', () => {
    const doc = errorsMarkdown();
    for (const [code, name] of Object.entries(errorNameByCode))
      expect(doc).toMatch(new RegExp(`\\| ${code} \\| .*\`${name}\``));
  });
});
