// Renders the protocol table as Markdown for the README, so the documented methods are
// the served methods (a test fails when they drift apart).
import { z } from 'zod';
import { methods, type MethodName } from './methods.js';

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  const?: unknown;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('\\|');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join('\\|');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object') return 'object';
  return Array.isArray(s.type) ? s.type.join('\\|') : (s.type ?? 'any');
}

export function paramsSummary(name: MethodName): string {
  const schema = z.toJSONSchema(methods[name].params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const obj = schema.anyOf?.find((s) => s.type === 'object') ?? schema;
  const props = obj.properties ?? {};
  const required = new Set(obj.required ?? []);
  const keys = Object.keys(props);
  if (keys.length === 0) return '—';
  return keys.map((k) => `\`${k}${required.has(k) ? '' : '?'}\`: ${typeOf(props[k])}`).join(', ');
}

export function protocolTableMarkdown(): string {
  const rows = (Object.keys(methods) as MethodName[]).map((name) => {
    const m = methods[name];
    const errors = m.errors.length ? m.errors.join(', ') : '—';
    return `| \`${name}\` | ${m.summary} | ${paramsSummary(name)} | ${errors} |`;
  });
  return ['| method | what it does | params | application errors |', '|---|---|---|---|', ...rows].join('\n');
}
