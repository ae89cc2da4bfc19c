// Writes docs/protocol.md and docs/errors.md from the protocol table (with --write), or
// prints docs/protocol.md. The generator is scripts/protocol-reference.ts; this bundles it
// with esbuild (dependencies stay external) so plain node can run it.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const out = await build({
  entryPoints: ['scripts/protocol-reference.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  packages: 'external',
});
// A module inside the project, so its bare imports (zod, typescript) resolve from node_modules.
const tmp = new URL('../.protocol-reference.tmp.mjs', import.meta.url);
writeFileSync(tmp, out.outputFiles[0].text);
let gen;
try {
  gen = await import(tmp.href);
} finally {
  rmSync(tmp);
}
const root = process.cwd();
const protocol = gen.protocolReferenceMarkdown(root);
if (process.argv.includes('--write')) {
  writeFileSync('docs/protocol.md', gen.spliceGenerated(readFileSync('docs/protocol.md', 'utf8'), protocol));
  writeFileSync('docs/errors.md', gen.errorsMarkdown());
} else {
  process.stdout.write(protocol);
}
