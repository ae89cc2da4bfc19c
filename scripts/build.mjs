// Bundles the daemon and fragctl into dist/. fragctl is self-contained and split in chunks
// so that its hot commands load only what they use (yargs, prompts and the MCP server are
// separate chunks, loaded on demand); the daemon keeps its dependencies external because
// better-sqlite3 is a native module and pino loads its own files.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { chmodSync, copyFileSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';

// --outdir DIR builds elsewhere (tests build a private copy so parallel runs never read a
// half-written bundle).
const at = process.argv.indexOf('--outdir');
const outdir = at === -1 ? 'dist' : process.argv[at + 1];
// Chunk names carry a hash: remove the previous build's so dist/ holds one build.
if (existsSync(outdir)) for (const f of readdirSync(outdir)) if (f.startsWith('fragctl-')) rmSync(`${outdir}/${f}`);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __FRAGD_VERSION__: JSON.stringify(pkg.version) },
  // The systemd unit templates travel inside fragctl (fragctl setup writes them), so they
  // are the same files CI verifies, wherever the bundle runs from.
  loader: { '.service': 'text', '.socket': 'text' },
  // ESM bundles of CommonJS dependencies need a require() of their own.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

const fragctlOptions = {
  ...common,
  external: ['@modelcontextprotocol/sdk', 'zod'],
  // jsonc-parser's "main" is a UMD build that requires its own files at run time, which a
  // bundle cannot; its "module" build is plain ESM.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};
// Bundles loaded by another bundle, by a fixed name beside it (built below).
const FAST_PATH = './fragctl-fast-path.js';
const REPORT = './fragctl-report.js';
const TIME_EXPR = './fragctl-time-expr.js';
const LAUNCHER = './fragctl-launcher.js';
const MAIN = './fragctl-main.js';
const AGENT_HOOK = './fragctl-agent-hook.js';
const MCP = './fragctl-mcp.js';
/** Points one import of one source file at a bundle of its own, left for Node to load. */
const apart = (filter, importer, bundle) => ({
  name: `apart ${bundle}`,
  setup(b) {
    b.onResolve({ filter }, (args) =>
      args.importer.endsWith(importer) ? { path: bundle, external: true } : undefined,
    );
  },
});

await Promise.all([
  build({ ...common, entryPoints: ['daemon/main.ts'], outfile: `${outdir}/fragd.js`, packages: 'external' }),
  // The client library for editor extensions and scripts: import { FragClient } from 'fragd/client'.
  build({
    ...common,
    banner: {},
    entryPoints: ['client/lib/client.ts'],
    outfile: `${outdir}/client.js`,
    packages: 'external',
  }),
  // The entry and what a prompt's `status --short` needs, in one file; every other path is a
  // bundle of its own that the entry imports by name.
  build({
    ...fragctlOptions,
    entryPoints: { fragctl: 'client/fragctl/entry.ts' },
    outdir,
    plugins: [
      apart(/^\.\/fast-path\.js$/, 'client/fragctl/entry.ts', FAST_PATH),
      apart(/^\.\/main\.js$/, 'client/fragctl/entry.ts', MAIN),
      apart(/^\.\/agent-hook\.js$/, 'client/fragctl/entry.ts', AGENT_HOOK),
      apart(/^\.\/commands\/mcp\.js$/, 'client/fragctl/entry.ts', MCP),
    ],
  }),
  // The full CLI (yargs), an agent's hook and the MCP server, split in chunks they share.
  build({
    ...fragctlOptions,
    entryPoints: {
      [MAIN.slice(2, -3)]: 'client/fragctl/main.ts',
      [AGENT_HOOK.slice(2, -3)]: 'client/fragctl/agent-hook.ts',
      [MCP.slice(2, -3)]: 'client/fragctl/commands/mcp.ts',
    },
    outdir,
    splitting: true,
    chunkNames: 'fragctl-[name]-[hash]',
  }),
  // The hot commands' path (status, heartbeat, update, note, log, report) bundled on its own,
  // loaded by the entry: its chunks are cut for these commands alone, so a report reads,
  // compiles and links a few modules instead of twenty chunks shared with the full CLI (each
  // with its own createRequire). Prompts and time expressions stay chunks loaded on demand.
  build({
    ...fragctlOptions,
    entryPoints: { [FAST_PATH.slice(2, -3)]: 'client/fragctl/fast-path.ts' },
    outdir,
    splitting: true,
    chunkNames: 'fragctl-hot-[name]-[hash]',
    plugins: [apart(/^\.\/commands\/report\.js$/, 'client/fragctl/fast-path.ts', REPORT)],
  }),
  // The report, a year's worth of it asked often, in one file: its renderer, the runner and
  // the client read, compiled and linked as one module. Only chrono-node (for --since words
  // such as "monday") and the code that starts fragd (child_process) stay apart, in files of
  // their own loaded when needed.
  build({
    ...fragctlOptions,
    entryPoints: { [REPORT.slice(2, -3)]: 'client/fragctl/commands/report.ts' },
    outdir,
    plugins: [
      apart(/^\.\/time-expr\.js$/, 'client/lib/when.ts', TIME_EXPR),
      apart(/^\.\/launcher\.js$/, 'client/lib/client.ts', LAUNCHER),
    ],
  }),
  ...[
    [TIME_EXPR, 'client/lib/time-expr.ts'],
    [LAUNCHER, 'client/lib/launcher.ts'],
  ].map(([bundle, source]) => build({ ...fragctlOptions, entryPoints: { [bundle.slice(2, -3)]: source }, outdir })),
  // The local dashboard (docs/dashboard.md): one script and one stylesheet for the browser,
  // the chart library bundled in (no CDN: the page works offline), served by fragd.
  build({
    entryPoints: { app: 'client/dashboard/main.ts' },
    outdir: `${outdir}/dashboard`,
    bundle: true,
    minify: true,
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    format: 'esm',
    logLevel: 'warning',
  }),
]);
copyFileSync('client/dashboard/index.html', `${outdir}/dashboard/index.html`);
// The agents' hook entry (client/agents/hook-command.ts names it): a POSIX script beside fragctl.js.
copyFileSync('client/agents/fragd-agent-hook.sh', `${outdir}/fragd-agent-hook.sh`);
for (const f of ['fragd.js', 'fragctl.js', 'fragd-agent-hook.sh']) chmodSync(`${outdir}/${f}`, 0o755);
// What `fragctl mcp` answers to initialize and tools/list, recorded from the server just
// built, so that it answers them before loading the MCP SDK (client/mcp/fast-start.ts).
const recorded = spawnSync(process.execPath, ['scripts/mcp-start.mjs', outdir], { stdio: 'inherit' });
if (recorded.status !== 0) throw new Error('recording the MCP server’s start answers failed');
