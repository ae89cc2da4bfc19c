// The README documents the protocol the daemon serves: its method table is generated from
// the protocol table and must not drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolTableMarkdown } from '../../shared/protocol/doc.js';

describe('README', () => {
  it('lists every method of the protocol table with its params (run node scripts/protocol-doc.mjs --write)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- PROTOCOL-TABLE:START -->')[1]?.split('<!-- PROTOCOL-TABLE:END -->')[0]?.trim();
    expect(block).toBe(protocolTableMarkdown());
  });
});
