// The README is what a newcomer reads in five minutes; everything else lives in docs/, and
// every relative link in them must lead somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((p) =>
  p.endsWith('.md'),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const h = !fence && /^#{1,6} (.*)$/.exec(line);
    if (h) out.add(slug(h[1]));
    for (const m of line.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1]);
  }
  return out;
}

/** Relative Markdown links outside code: [text](target) with no scheme. */
function linksOf(text: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    if (fence) continue;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/i.test(m[1])) out.push(m[1]);
    }
  }
  return out;
}

describe('README and docs', () => {
  it('the README is at most 250 lines', () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(250);
  });

  it('the README keeps its two commands: one sets up and runs the demo, one passes the tests', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('the README and docs/README.md link every docs page', () => {
    const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const index = readFileSync(join(root, 'docs/README.md'), 'utf8');
    for (const f of docs) {
      expect(readme, f).toContain(`](docs/${f})`);
      expect(index, f).toContain(`](${f})`);
    }
  });

  it('every relative link and anchor in README.md, CHANGELOG.md and docs/ resolves', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const link of linksOf(text)) {
        const [path, anchor] = link.split('#');
        const target = path ? join(root, dirname(page), path) : join(root, page);
        if (!existsSync(target)) broken.push(`${page}: ${link} (no such file)`);
        else if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor))
          broken.push(`${page}: ${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
