// Bundles the daemon and fragctl into dist/. fragctl is one self-contained file so that
// it starts fast (no module resolution at run time); the daemon keeps its dependencies
// external because better-sqlite3 is a native module and pino loads its own files.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

// --outdir DIR builds elsewhere (tests build a private copy so parallel runs never read a
// half-written bundle).
const at = process.argv.indexOf('--outdir');
const outdir = at === -1 ? 'dist' : process.argv[at + 1];
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __FRAGD_VERSION__: JSON.stringify(pkg.version) },
  // ESM bundles of CommonJS dependencies need a require() of their own.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await Promise.all([
  build({ ...common, entryPoints: ['daemon/main.ts'], outfile: `${outdir}/fragd.js`, packages: 'external' }),
  build({ ...common, entryPoints: ['client/fragctl/main.ts'], outfile: `${outdir}/fragctl.js`, external: ['@modelcontextprotocol/sdk', 'zod'] }),
]);
for (const f of ['fragd.js', 'fragctl.js']) chmodSync(`${outdir}/${f}`, 0o755);
