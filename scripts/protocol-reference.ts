// Generates docs/protocol.md (every method: summary, mutates, params, result, errors; every
// event's data; the named types) and docs/errors.md (every error and fragctl exit code) from
// the protocol table and the TypeScript types, so the reference is the served protocol.
// Params come from the zod schemas (z.toJSONSchema); results are compile-time phantoms
// (`method<R>()`), so they are read with the TypeScript compiler API.
// test/unit/protocol-reference.test.ts fails when the docs differ; regenerate them with
// `node scripts/protocol-reference.mjs --write`.
import { join } from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { methods, PROTOCOL_VERSION, type MethodName } from '../shared/protocol/methods.js';
import { ErrorCode, errorNameByCode, type ErrorName } from '../shared/errors.js';
import { Exit } from '../client/fragctl/exit-codes.js';

// ---------------------------------------------------------------- params (zod → JSON Schema)

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  const?: unknown;
  default?: unknown;
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array' && s.prefixItems) return `[${s.prefixItems.map(typeOf).join(', ')}]`;
  if (s.type === 'array') {
    const inner = s.items ? typeOf(s.items) : 'any';
    return inner.includes(' | ') ? `(${inner})[]` : `${inner}[]`;
  }
  if (s.type === 'integer') return 'integer';
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
}

function limitsOf(s: JsonSchema): string[] {
  const out: string[] = [];
  if (s.minLength !== undefined && s.minLength > 0) out.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`);
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && Math.abs(s.maximum) < Number.MAX_SAFE_INTEGER) out.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  if (s.minItems !== undefined && s.minItems > 0) out.push(`at least ${s.minItems} items`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.pattern) out.push(`pattern \`${s.pattern}\``);
  if (s.format) out.push(`format ${s.format}`);
  for (const v of s.anyOf ?? []) out.push(...limitsOf(v));
  if (s.type === 'array' && s.items) out.push(...limitsOf(s.items).map((l) => `each: ${l}`));
  return out;
}

/** Rows for an object's properties; nested objects (and arrays of objects) get dotted rows. */
function paramRows(obj: JsonSchema, prefix: string): string[] {
  const required = new Set(obj.required ?? []);
  const rows: string[] = [];
  for (const [key, prop] of Object.entries(obj.properties ?? {})) {
    const name = prefix + key;
    const def = prop.default !== undefined ? `\`${JSON.stringify(prop.default)}\`` : '';
    rows.push(
      `| \`${name}\` | ${cell(typeOf(prop))} | ${required.has(key) ? 'yes' : 'no'} | ${cell(def)} | ${cell(limitsOf(prop).join(', '))} | ${cell(prop.description ?? '')} |`,
    );
    const nested = [prop, prop.items, ...(prop.anyOf ?? []), ...(prop.items?.anyOf ?? [])].filter(
      (s): s is JsonSchema => !!s && s.type === 'object' && !!s.properties,
    );
    for (const n of nested) rows.push(...paramRows(n, `${name}${n === prop ? '' : '[]'}.`));
  }
  return rows;
}

function paramsSection(name: MethodName): string[] {
  const schema = z.toJSONSchema(methods[name].params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const variants = schema.anyOf ?? [schema];
  const out: string[] = [];
  variants.forEach((v, i) => {
    if (variants.length > 1) out.push(`Form ${i + 1}:`, '');
    if (v.type !== 'object') {
      out.push(`\`${typeOf(v)}\``, '');
      return;
    }
    if (!v.properties || Object.keys(v.properties).length === 0) {
      out.push('None (an empty object, or no params).', '');
      return;
    }
    out.push('| param | type | required | default | limits | notes |', '|---|---|---|---|---|---|');
    out.push(...paramRows(v, ''), '');
    if (v.additionalProperties === false) out.push('Other fields are refused (`invalid_params`).', '');
  });
  return out;
}

// ---------------------------------------------------------------- results (TypeScript compiler API)

const FLAGS =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.MultilineObjectLiterals |
  ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;

/** The protocol files whose exported interfaces and aliases make up the "Types" section. */
const TYPE_FILES = ['views.ts', 'methods.ts', 'completion.ts', 'time.ts', 'git.ts', 'agents.ts', 'events.ts'];
/** Exported types that are machinery, not shapes on the wire. */
const NOT_WIRE_TYPES = new Set([
  'Methods',
  'MethodName',
  'ParamsOf',
  'ParsedParamsOf',
  'ResultOf',
  'DaemonEvent',
  'EventData',
  'EventType',
]);

interface Program {
  checker: ts.TypeChecker;
  file: (name: string) => ts.SourceFile;
}

function loadProgram(root: string): Program {
  const dir = join(root, 'shared', 'protocol');
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const rootNames = TYPE_FILES.map((f) => join(dir, f));
  const program = ts.createProgram({ rootNames, options: { ...parsed.options, noEmit: true } });
  return {
    checker: program.getTypeChecker(),
    file: (name) => {
      const sf = program.getSourceFile(join(dir, name));
      if (!sf) throw new Error(`shared/protocol/${name} is not in the program`);
      return sf;
    },
  };
}

function exportsOf(p: Program, file: string): ts.Symbol[] {
  const sym = p.checker.getSymbolAtLocation(p.file(file));
  return sym ? p.checker.getExportsOfModule(sym) : [];
}

const docOf = (p: Program, s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(p.checker)).trim();

const printer = ts.createPrinter({ removeComments: false });

/** A type as TypeScript source, nested object literals on several lines. */
function typeText(p: Program, type: ts.Type): string {
  const node = p.checker.typeToTypeNode(
    type,
    undefined,
    ts.NodeBuilderFlags.NoTruncation |
      ts.NodeBuilderFlags.MultilineObjectLiterals |
      ts.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope |
      ts.NodeBuilderFlags.UseSingleQuotesForStringLiteralType |
      ts.NodeBuilderFlags.IgnoreErrors,
  );
  if (!node) return p.checker.typeToString(type, undefined, FLAGS);
  const text = printer.printNode(ts.EmitHint.Unspecified, node, p.file('methods.ts'));
  // An optional property's `| undefined` is said by its `?`.
  return text.replace(/\?: (.*) \| undefined;/g, '?: $1;').replace(/ {4}/g, '  ');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l : by + l))
    .join('\n');
}

/** A type expanded one level: its properties with their (named or inline) types and JSDoc. */
function expandOneLevel(p: Program, type: ts.Type): string {
  const { checker } = p;
  const objectLike =
    type.isIntersection() ||
    (!type.isUnion() && (type.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(type));
  if (!objectLike) return typeText(p, type);
  const lines = ['{'];
  for (const prop of checker.getPropertiesOfType(type)) {
    const doc = docOf(p, prop);
    if (doc) for (const l of doc.split('\n')) lines.push(`  // ${l}`);
    const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
    let propType = checker.getTypeOfSymbol(prop);
    if (optional) propType = checker.getNonNullableType(propType);
    // An optional property's `| undefined` is said by the `?`; `null` stays.
    const declared = prop.valueDeclaration ?? prop.declarations?.[0];
    const nullable =
      optional && declared && ts.isPropertySignature(declared) && declared.type?.getText().includes('null')
        ? ' | null'
        : '';
    const shown = typeText(p, propType);
    const text = nullable && !shown.includes('null') ? `${shown}${nullable}` : shown;
    lines.push(`  ${prop.name}${optional ? '?' : ''}: ${indent(text, '  ')};`);
  }
  lines.push('}');
  return lines.join('\n');
}

function methodResults(p: Program): Map<string, string> {
  const table = exportsOf(p, 'methods.ts').find((s) => s.name === 'methods');
  if (!table) throw new Error('shared/protocol/methods.ts exports no `methods`');
  const out = new Map<string, string>();
  for (const entry of p.checker.getPropertiesOfType(p.checker.getTypeOfSymbol(table))) {
    const phantom = p.checker.getPropertyOfType(p.checker.getTypeOfSymbol(entry), '__result');
    if (!phantom) throw new Error(`${entry.name} has no result type`);
    out.set(entry.name, expandOneLevel(p, p.checker.getNonNullableType(p.checker.getTypeOfSymbol(phantom))));
  }
  return out;
}

interface NamedType {
  name: string;
  file: string;
  text: string;
}

/** Each exported interface and type alias of the protocol files, as declared (with its comments). */
function namedTypes(p: Program): NamedType[] {
  const seen = new Set<string>();
  const out: NamedType[] = [];
  for (const file of TYPE_FILES) {
    const sf = p.file(file);
    for (const st of sf.statements) {
      if (!ts.isInterfaceDeclaration(st) && !ts.isTypeAliasDeclaration(st)) continue;
      if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      const name = st.name.text;
      if (NOT_WIRE_TYPES.has(name) || seen.has(name) || st.typeParameters) continue;
      seen.add(name);
      const jsDoc = ts
        .getJSDocCommentsAndTags(st)
        .map((d) => d.getText(sf))
        .join('\n');
      out.push({ name, file, text: (jsDoc ? jsDoc + '\n' : '') + st.getText(sf) });
    }
  }
  return out;
}

function eventsSection(p: Program, types: NamedType[]): string[] {
  const data = exportsOf(p, 'events.ts').find((s) => s.name === 'EventData');
  if (!data) throw new Error('shared/protocol/events.ts exports no EventData');
  const out: string[] = [];
  for (const ev of p.checker.getPropertiesOfType(p.checker.getDeclaredTypeOfSymbol(data))) {
    out.push(`### \`${ev.name}\``, '');
    const doc = docOf(p, ev);
    if (doc) out.push(doc, '');
    const type = p.checker.getTypeOfSymbol(ev);
    const variants = type.isUnion() ? type.types : [type];
    const text = variants.map((t) => `data: ${expandOneLevel(p, t)}`).join('\n// or\n');
    out.push('```ts', text, '```', '');
    const links = typeLinks(text, types);
    if (links) out.push(links, '');
  }
  return out;
}

const anchor = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

function typeLinks(text: string, types: NamedType[], self?: string): string {
  const used = types.filter((t) => t.name !== self && new RegExp(`\\b${t.name}\\b`).test(text));
  return used.length ? `Types: ${used.map((t) => `[\`${t.name}\`](#${anchor(t.name)})`).join(', ')}.` : '';
}

const GENERATED = (what: string) =>
  `<!-- Generated by \`node scripts/protocol-reference.mjs --write\` from ${what}; do not edit by hand (test/unit/protocol-reference.test.ts checks it). -->`;

/** The method table: one row per method (also the index of docs/protocol.md). */
export function methodTable(): string {
  const rows = (Object.keys(methods) as MethodName[]).map((name) => {
    const m = methods[name];
    const errors = m.errors.length ? m.errors.map((e) => `\`${e}\``).join(', ') : '—';
    return `| [\`${name}\`](#${anchor(name)}) | ${cell(m.summary)} | ${m.mutates ? 'yes' : 'no'} | ${errors} |`;
  });
  return ['| method | what it does | mutates | application errors |', '|---|---|---|---|', ...rows].join('\n');
}

/** docs/protocol.md is written by hand above this line (transport, framing, conventions) and generated below it. */
export const GENERATED_MARKER =
  '<!-- Generated below this line by `node scripts/protocol-reference.mjs --write` from shared/protocol/ (the protocol table, its zod params, its result types, the events table); do not edit by hand: test/unit/protocol-reference.test.ts checks it. -->';

/** The document with its generated part replaced. */
export function spliceGenerated(doc: string, generated: string): string {
  const at = doc.indexOf(GENERATED_MARKER);
  if (at === -1) throw new Error('docs/protocol.md lacks the generated-part marker');
  return doc.slice(0, at + GENERATED_MARKER.length) + '\n\n' + generated;
}

/** The generated part of docs/protocol.md: methods, events, types. */
export function protocolReferenceMarkdown(root: string): string {
  const p = loadProgram(root);
  const results = methodResults(p);
  const types = namedTypes(p);
  const out: string[] = [
    '## Methods',
    '',
    `Protocol version **${PROTOCOL_VERSION}** (what \`daemon.hello\` answers): ${Object.keys(methods).length} methods.`,
    '',
    methodTable(),
    '',
  ];
  for (const name of Object.keys(methods) as MethodName[]) {
    const m = methods[name];
    const result = results.get(name);
    if (!result) throw new Error(`no result type found for ${name}`);
    out.push(`### \`${name}\``, '', m.summary, '');
    out.push(`Mutates: **${m.mutates ? 'yes' : 'no'}**.`, '');
    out.push('**Params**', '', ...paramsSection(name));
    out.push('**Result**', '', '```ts', result, '```', '');
    const links = typeLinks(result, types);
    if (links) out.push(links, '');
    const errors = m.errors.length
      ? m.errors.map((e) => `[\`${e}\`](errors.md#${anchor(e)})`).join(', ')
      : 'none of its own';
    out.push(
      `**Errors**: ${errors}; and, like every method, \`invalid_params\`, \`storage_unavailable\`, \`internal_error\`.`,
      '',
    );
  }
  out.push('## Events', '');
  out.push(
    'After `events.subscribe` (optionally for one `session`), the daemon sends each event as a JSON-RPC',
    'notification `{"jsonrpc":"2.0","method":"event","params":{type, session, at, data}}`: `session` is the',
    'session it concerns (null for global ones), `at` when it happened. The data of each type:',
    '',
    ...eventsSection(p, types),
  );
  out.push('## Types', '', 'The named shapes the results use, as declared in `shared/protocol/`.', '');
  for (const t of types) {
    out.push(`### ${t.name}`, '', `From \`shared/protocol/${t.file}\`.`, '', '```ts', t.text, '```', '');
    const links = typeLinks(t.text, types, t.name);
    if (links) out.push(links, '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

// ---------------------------------------------------------------- errors and exit codes

/** What each error means and what to do about it; a new error without an entry fails the test. */
export const ERROR_DOCS: Record<ErrorName, { means: string; todo: string; data?: string }> = {
  parse_error: {
    means: 'The frame was not valid JSON.',
    todo: 'Send one JSON text per line (socket) or a JSON body (HTTP).',
  },
  invalid_request: {
    means: 'Valid JSON but not a JSON-RPC 2.0 request (no `method`, wrong `jsonrpc`, a bad `id`, …).',
    todo: 'Send `{"jsonrpc":"2.0","id":…,"method":…,"params":{…}}`.',
  },
  method_not_found: {
    means: 'No such method in the protocol table.',
    todo: 'Check the name against [protocol.md](protocol.md); an older fragd may lack a newer method (`daemon.hello`).',
  },
  invalid_params: {
    means: 'The params did not match the method’s schema (a missing or unknown field, a wrong type, a limit).',
    todo: 'Read `data.issues` (each with its `path` and `message`) and fix the named fields; limits are listed per method in protocol.md.',
    data: '`method`; `issues`: the schema problems, each `{ path, message }`.',
  },
  internal_error: {
    means:
      'A bug in fragd: the call failed in a way nobody planned for; details are in the daemon log. The call’s transaction rolled back.',
    todo: 'Retry once; if it repeats, report it with the daemon log (`fragctl daemon logs`).',
  },
  no_active_session: {
    means: 'The call needs a session and the actor has none (no active or paused session, and no `session` given).',
    todo: 'Start one (`fragctl session start`) or name one (`--session KEY`, `FRAGMENTS_SESSION`).',
  },
  not_found: {
    means: 'A session, project, sprint, task or commit named in the call does not exist.',
    todo: 'Check the code (`fragctl task list`, `fragctl session list`); `data.hint` often names the command.',
    data: '`what` (the kind of item), `code` (the code asked for).',
  },
  invalid_state: {
    means:
      'The item exists but is in a state the call cannot apply to (resuming a completed session, activating a cancelled task, …).',
    todo: 'Follow `data.hint`; read the item’s status first.',
  },
  validation_failed: {
    means:
      'A completion gate or a plan check refused: the task or sprint is not ready to complete (missing summary, updates, open subtasks, …), or a plan file is invalid.',
    todo: 'Do the `data.required_actions` (or pass `force` where the method allows it, which is recorded); for a plan, fix the place named in the message.',
    data: 'for completion: [`ValidationFailedData`](protocol.md#validationfaileddata) (`what`, `code`, `validation`, `required_actions`, `instructions`, `blocked` for bulk completion).',
  },
  version_mismatch: {
    means: 'The client speaks a protocol version this fragd does not serve.',
    todo: 'Upgrade the older side; `daemon.hello` tells both versions.',
    data: '`daemon_protocol`, `min_client_protocol` (the range this fragd serves).',
  },
  conflict: {
    means:
      'The change collides with existing state: an item code already taken, the actor already has another active session, a duplicate event id with different content.',
    todo: 'Follow `data.hint` (for example `fragctl session switch KEY`, or edit the existing item).',
    data: '`active_session` and `options` when the actor already has one; `what` and `code` for an existing item.',
  },
  frame_too_large: {
    means:
      'A request frame over 1 MiB (answered with `id: null`, then the connection is closed), or an answer that would be over 1 MiB (`reason: "answer_too_large"`), or a call of a batch whose earlier answers fill the frame (`reason: "batch_answer_budget"`, `ran: false`: it was not run).',
    todo: 'Send less in one call (split a plan, page a list with `limit`/`cursor`, send a batch call again alone); the limits are in [limits.md](limits.md).',
    data: '`limit_bytes`; `reason` and `ran` for answers.',
  },
  storage_unavailable: {
    means: 'The database could not be written or read; nothing of the call was stored.',
    todo: 'Free disk space or fix permissions, then retry; `fragctl doctor` checks the database; see [operations.md](operations.md).',
    data: '`storage_problem`: `disk_full`, `read_only`, `locked`, `corrupt` or `io`; `sqlite_code`.',
  },
  unauthorized: {
    means: 'HTTP only: the bearer token was missing or wrong, or the request failed the origin/host checks.',
    todo: 'Send `Authorization: Bearer <token>` from the token file; see [http.md](http.md) and [security.md](security.md).',
  },
  timeout: {
    means:
      'Client side (fragctl, the client library): no answer within the call timeout. The call may or may not have been applied.',
    todo: 'Check the daemon (`fragctl doctor`); retry with the same `event_id` so a replay is not counted twice.',
  },
  task_claimed: {
    means: 'The task is held by another actor’s session (here, or on another machine with team sync).',
    todo: 'Take another task (`fragctl next`), pair deliberately (`--join`), or take it over (`--take-over`, recorded on both sessions); a stale claim can be taken without force.',
    data: '`holder` (actor, session, since, machine with team sync), `last_activity`, `stale_after_seconds`, `ways_out`, `hint`',
  },
  task_blocked: {
    means: 'The task depends on tasks that are not completed.',
    todo: 'Finish the dependencies first, take another task (`fragctl next`), or start it anyway with `--force` (recorded).',
    data: '`depends_on`, `open_dependencies`, `ways_out`, `hint`',
  },
};

/** What each fragctl exit code means. */
export const EXIT_DOCS: Record<keyof typeof Exit, string> = {
  ok: 'Success.',
  failure: 'Any other failure: an internal error, an unreadable file (e.g. `import` of a missing file).',
  usage:
    'Usage: an unknown command or option, a bad option value (`--estimate zz`, `--limit x`), or params the daemon refused (`invalid_params`, `invalid_request`, `method_not_found`).',
  unreachable:
    'The daemon is unreachable (not running with `--no-autostart`, failed to start, no answer in time: `timeout`), or refused: its socket or directory is not your own (`unsafe_socket`, [security.md](security.md)).',
  notFound: 'Not found: an unknown code or session, or no active session (`not_found`, `no_active_session`).',
  invalidState:
    'Invalid state or conflict: a second active session, a completed task, incompatible versions (`invalid_state`, `conflict`, `version_mismatch`).',
  validation: 'Validation failed: a plan file with errors, a blocked completion (`validation_failed`).',
  storage:
    'Storage unavailable: disk full, read-only, locked by another process, corrupt (`storage_unavailable`, [operations.md](operations.md)).',
  nothingReady:
    '`next --activate` activated nothing, but open tasks wait for their dependencies or for another actor to let go: try again later. The answer is printed as usual (`--json`: `task` is null, `waiting` lists them).',
  nothingLeft:
    '`next --activate` activated nothing and no open task is left for you (all are completed or cancelled, or only your own are open): stop the loop. The answer is printed as usual (`--json`: `task` is null, `waiting` is empty).',
  cancelled: 'Cancelled at a prompt (Ctrl-C or end of input): nothing was changed (128 + SIGINT, as shells report it).',
};

export function errorsMarkdown(): string {
  const codeByName = new Map(Object.entries(errorNameByCode).map(([c, n]) => [n, Number(c)]));
  const names = Object.keys(ERROR_DOCS) as ErrorName[];
  const usedBy = (n: ErrorName) =>
    (Object.keys(methods) as MethodName[]).filter((m) => (methods[m].errors as readonly string[]).includes(n));
  const out: string[] = [
    '# Errors and exit codes',
    '',
    GENERATED('`shared/errors.ts`, the protocol table and `client/fragctl/exit-codes.ts`'),
    '',
    'Every error fragd returns is a JSON-RPC 2.0 error: `code` (the standard codes, or an application code in',
    '-32000..-32099), `message` (for people) and `data`, which always has `error` (a stable name a program can',
    'switch on) and, where there is one, `hint` (what to do next, often an exact command). Switch on',
    '`data.error`, not on `message`. Over HTTP the same body is answered with a matching status (docs/http.md).',
    '',
    '| code | `data.error` | meaning | what to do | other `data` fields |',
    '|---|---|---|---|---|',
  ];
  for (const n of names) {
    const d = ERROR_DOCS[n];
    const code = codeByName.get(n);
    out.push(
      `| ${code ?? '— (client)'} | <a id="${anchor(n)}"></a>\`${n}\` | ${cell(d.means)} | ${cell(d.todo)} | ${cell(d.data ?? '—')} |`,
    );
  }
  out.push('', '## Which methods return which application errors', '');
  for (const n of names) {
    const ms = usedBy(n);
    if (ms.length) out.push(`- \`${n}\`: ${ms.map((m) => `[\`${m}\`](protocol.md#${anchor(m)})`).join(', ')}`);
  }
  out.push(
    '',
    'Any method can also answer `invalid_params`, `storage_unavailable` and `internal_error`.',
    '',
    '## fragctl exit codes',
    '',
    'fragctl checks its own input (option values, the plan file) before it connects, so bad input never starts a',
    'daemon. It prints the message and the hint on stderr; with `--json` (or `--format json`) every failure prints',
    '`{"error": {"code", "message", "data"?}}` on stdout: `code` is the JSON-RPC error number for the daemon’s',
    'refusals, or `"usage"`, `"unreachable"`, `"unsafe_socket"`, `"unreadable_file"` or `"failure"` for errors',
    'fragctl finds itself. Its exit codes:',
    '',
    '| exit | name | when |',
    '|---|---|---|',
  );
  for (const [name, code] of Object.entries(Exit) as [keyof typeof Exit, number][]) {
    out.push(`| ${code} | \`${name}\` | ${cell(EXIT_DOCS[name])} |`);
  }
  out.push('');
  return out.join('\n');
}

/** Every application error code has a documented name (kept here so the test can check it). */
export const documentedCodes = (): number[] => Object.values(ErrorCode);
