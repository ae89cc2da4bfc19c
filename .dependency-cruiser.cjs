// The layers of fragd, by name, bottom to top (docs/architecture.md). A module may import
// its own layer and the layers below it, never one above, and no import circle is allowed
// anywhere under daemon/, client/ or shared/ (type-only imports count too). `npm test`
// runs this (npm run depcheck): a new upward import or circle fails the build.
//
// To add a domain: give it a folder under daemon/app/, put it in LAYERS at the height of
// what it needs, and import only downward. A lower layer that must tell a higher one
// something publishes an event after commit, or is handed a function (App.instructions).

/** Bottom to top. Each entry: a name and the path pattern of its modules. */
const LAYERS = [
  ['shared', '^shared/'],
  // The daemon's foundations: clock, config, the SQLite store, the safety checks, and the
  // team-store engine (outbox, connection, PostgreSQL schema, the local mirror of claims).
  ['foundation', '^daemon/(clock|config|log-file)\\.ts$|^daemon/(store|safety|sync)/'],
  // What every domain uses: the App and Call, row shapes, views, activities, paging,
  // command templates, and the instruction builder's signature (answers.ts).
  ['core', '^daemon/app/[^/]+\\.ts$'],
  ['time', '^daemon/app/time/'],
  // Prices, usage windows and budgets: read time's totals; sessions and above show them.
  ['costs', '^daemon/app/costs/'],
  ['sessions', '^daemon/app/sessions/'],
  // File reservations (issue 25): read sessions and tasks; work and context reserve a task's paths.
  ['reservations', '^daemon/app/reservations/'],
  ['work', '^daemon/app/work/'],
  // Estimates learnt from completed work (issue 26): read tasks, labels and intervals.
  ['estimates', '^daemon/app/estimates/'],
  ['context', '^daemon/app/context/'],
  ['instructions', '^daemon/app/instructions/'],
  ['corrections', '^daemon/app/(corrections|undo)/'],
  // Messages and handoff (issue 25): read sessions, claims and the stack; agents deliver them.
  ['messages', '^daemon/app/messages/'],
  ['agents', '^daemon/app/agents/'],
  ['git', '^daemon/app/git/'],
  ['team', '^daemon/app/team/'],
  // Adapters: the JSON-RPC envelope and handler tables, then the transports and assembly.
  ['rpc', '^daemon/rpc/'],
  ['transport', '^daemon/transport/'],
  ['assembly', '^daemon/(?!(clock|config|log-file)\\.ts)[^/]+\\.ts$'],
];

const upward = LAYERS.flatMap(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => `(${p})`);
  return above.length === 0
    ? []
    : [
        {
          name: `layer-${name}`,
          comment: `${name} imports only its own layer and those below it (docs/architecture.md)`,
          severity: 'error',
          from: { path },
          to: { path: above.join('|') },
        },
      ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import circle anywhere (docs/architecture.md)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'client-not-daemon',
      comment: 'clients talk to the daemon through the protocol in shared/, never by importing it',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^daemon/' },
    },
    {
      name: 'daemon-not-client',
      severity: 'error',
      from: { path: '^daemon/' },
      to: { path: '^client/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
