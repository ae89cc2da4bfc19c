// docs/cli.md's generated part is every fragctl command's --help: it must say what the CLI
// parses (regenerate with npm run build && node scripts/cli-reference.mjs --write).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference, spliceCliReference } from '../../scripts/cli-reference.mjs';

describe('CLI reference', () => {
  it('docs/cli.md is what fragctl --help prints for every command', async () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const generated = await cliReference();
    expect(generated).toContain('### `fragctl task activate`');
    expect(doc).toBe(spliceCliReference(doc, generated));
  }, 120_000);
});
