// Prints the README's method table from the protocol table (or, with --write, replaces
// the block between the PROTOCOL-TABLE markers in README.md).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const out = await build({
  stdin: {
    contents: "import { protocolTableMarkdown } from './shared/protocol/doc.ts'; console.log(protocolTableMarkdown());",
    resolveDir: '.',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  packages: 'external',
});
const code = out.outputFiles[0].text;
const lines = [];
const log = console.log;
console.log = (s) => lines.push(s);
// A module inside the project, so its bare imports (zod) resolve from node_modules.
const tmp = new URL('../.protocol-doc.tmp.mjs', import.meta.url);
writeFileSync(tmp, code);
await import(tmp.href);
console.log = log;
(await import('node:fs')).rmSync(tmp);
const table = lines.join('\n');
if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  const start = '<!-- PROTOCOL-TABLE:START -->';
  const end = '<!-- PROTOCOL-TABLE:END -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a === -1 || b === -1) throw new Error('README.md lacks the PROTOCOL-TABLE markers');
  writeFileSync('README.md', readme.slice(0, a + start.length) + '\n' + table + '\n' + readme.slice(b));
} else {
  console.log(table);
}
