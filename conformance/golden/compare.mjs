#!/usr/bin/env node
// Compares our output with a golden file.
//
//   node golden/compare.mjs sdl GOLDEN.graphql ACTUAL.graphql
//   node golden/compare.mjs introspection GOLDEN.json ACTUAL.json
//
// sdl: the two schemas must declare the same types with the same fields, arguments (types and
//   defaults), input fields, enum values, union members, interfaces and directives (with their
//   arguments); order never matters. Declarations of AppSync's built-ins (scalar AWS*, directive
//   @aws_*) are ignored on both sides, since AppSync supplies them.
// introspection: the two JSON documents must be equal, object keys compared regardless of order,
//   arrays element by element.
// Prints one line per difference, e.g. `models.Todo.fields.owner.isRequired: golden true, actual false`,
// and exits 1 when there is any. The functions are exported for tests.
import fs from 'node:fs';
import url from 'node:url';
import { parse, print } from 'graphql';

const show = (v) => {
  if (v === undefined) return 'absent';
  const text = JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 150)}…(${text.length} chars)` : text;
};

/** Differences between two JSON values, as `path: golden X, actual Y` lines. */
export function diffJson(golden, actual, path = '', out = []) {
  const where = path || '(root)';
  const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(golden) !== kind(actual)) {
    out.push(`${where}: golden ${show(golden)}, actual ${show(actual)}`);
  } else if (kind(golden) === 'array') {
    if (golden.length !== actual.length) out.push(`${where}.length: golden ${golden.length}, actual ${actual.length}`);
    for (let i = 0; i < Math.min(golden.length, actual.length); i++) diffJson(golden[i], actual[i], `${path}[${i}]`, out);
  } else if (kind(golden) === 'object') {
    const keys = [...new Set([...Object.keys(golden), ...Object.keys(actual)])].sort();
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in actual)) out.push(`${p}: golden ${show(golden[k])}, actual absent`);
      else if (!(k in golden)) out.push(`${p}: golden absent, actual ${show(actual[k])}`);
      else diffJson(golden[k], actual[k], p, out);
    }
  } else if (golden !== actual) {
    out.push(`${where}: golden ${show(golden)}, actual ${show(actual)}`);
  }
  return out;
}

/** Model introspection comparison (objects or JSON text). */
export function compareIntrospection(golden, actual) {
  const load = (v) => (typeof v === 'string' ? JSON.parse(v) : v);
  return diffJson(load(golden), load(actual));
}

const BUILTIN_SCALAR = /^AWS(Date|Time|DateTime|Timestamp|Email|JSON|Phone|URL|IPAddress)$/;

const directives = (nodes) => (nodes ?? []).map((d) => print(d)).sort();
const typeOf = (node) => print(node);

/** A schema reduced to a plain, order-free description: { "<kind> <name>": {...} }. */
export function canonicalSdl(text) {
  const doc = parse(text, { noLocation: true });
  const out = {};
  const add = (key, value) => {
    if (!out[key]) { out[key] = value; return; }
    // `extend type` merges into the base declaration.
    const base = out[key];
    for (const part of ['fields', 'values']) if (value[part]) base[part] = { ...(base[part] ?? {}), ...value[part] };
    for (const part of ['directives', 'interfaces', 'members']) {
      if (value[part]) base[part] = [...(base[part] ?? []), ...value[part]].sort();
    }
  };
  const args = (list) => Object.fromEntries((list ?? []).map((a) => [a.name.value, {
    type: typeOf(a.type),
    ...(a.defaultValue ? { default: print(a.defaultValue) } : {}),
    directives: directives(a.directives),
  }]));
  for (const def of doc.definitions) {
    const kind = def.kind.replace(/Extension$/, 'Definition');
    const name = def.name?.value;
    switch (kind) {
      case 'ObjectTypeDefinition':
      case 'InterfaceTypeDefinition':
        add(`${kind === 'ObjectTypeDefinition' ? 'type' : 'interface'} ${name}`, {
          directives: directives(def.directives),
          interfaces: (def.interfaces ?? []).map((i) => i.name.value).sort(),
          fields: Object.fromEntries((def.fields ?? []).map((f) => [f.name.value, {
            type: typeOf(f.type), args: args(f.arguments), directives: directives(f.directives),
          }])),
        });
        break;
      case 'InputObjectTypeDefinition':
        add(`input ${name}`, { directives: directives(def.directives), fields: args(def.fields) });
        break;
      case 'EnumTypeDefinition':
        add(`enum ${name}`, {
          directives: directives(def.directives),
          values: Object.fromEntries((def.values ?? []).map((v) => [v.name.value, { directives: directives(v.directives) }])),
        });
        break;
      case 'UnionTypeDefinition':
        add(`union ${name}`, { directives: directives(def.directives), members: (def.types ?? []).map((t) => t.name.value).sort() });
        break;
      case 'ScalarTypeDefinition':
        if (!BUILTIN_SCALAR.test(name)) add(`scalar ${name}`, { directives: directives(def.directives) });
        break;
      case 'DirectiveDefinition':
        if (!name.startsWith('aws_')) {
          add(`directive @${name}`, { args: args(def.arguments), locations: def.locations.map((l) => l.value).sort() });
        }
        break;
      case 'SchemaDefinition':
        add('schema', { directives: directives(def.directives),
          fields: Object.fromEntries(def.operationTypes.map((o) => [o.operation, { type: o.type.name.value }])) });
        break;
      default:
        add(`${kind} ${name ?? ''}`, { text: print(def) });
    }
  }
  return out;
}

/** SDL comparison: one readable line per difference. */
export function compareSdl(goldenText, actualText) {
  const g = canonicalSdl(goldenText);
  const a = canonicalSdl(actualText);
  const out = [];
  for (const key of [...new Set([...Object.keys(g), ...Object.keys(a)])].sort()) {
    if (!a[key]) { out.push(`${key}: missing in actual`); continue; }
    if (!g[key]) { out.push(`${key}: not in golden`); continue; }
    const gd = g[key], ad = a[key];
    for (const part of ['fields', 'values', 'args']) {
      const gf = gd[part] ?? {}, af = ad[part] ?? {};
      for (const name of [...new Set([...Object.keys(gf), ...Object.keys(af)])].sort()) {
        const label = `${key}.${name}`;
        if (!(name in af)) out.push(`${label}: missing in actual`);
        else if (!(name in gf)) out.push(`${label}: not in golden`);
        else diffJson(gf[name], af[name], label, out);
      }
    }
    for (const part of ['directives', 'interfaces', 'members', 'locations', 'text']) {
      if (JSON.stringify(gd[part]) !== JSON.stringify(ad[part])) {
        out.push(`${key} ${part}: golden ${show(gd[part])}, actual ${show(ad[part])}`);
      }
    }
  }
  return out;
}

function main() {
  const [kind, goldenFile, actualFile] = process.argv.slice(2);
  if (!['sdl', 'introspection'].includes(kind) || !goldenFile || !actualFile) {
    console.error('usage: compare.mjs sdl|introspection GOLDEN ACTUAL');
    process.exit(2);
  }
  let diffs;
  try {
    const golden = fs.readFileSync(goldenFile, 'utf8');
    const actual = fs.readFileSync(actualFile, 'utf8');
    diffs = kind === 'sdl' ? compareSdl(golden, actual) : compareIntrospection(golden, actual);
  } catch (e) {
    console.error(`cannot compare: ${String(e.message).split('\n')[0]}`);
    process.exit(2);
  }
  if (!diffs.length) { console.log(`${kind}: equal`); return; }
  const limit = Number(process.env.COMPARE_LIMIT ?? 50);
  for (const d of diffs.slice(0, limit)) console.log(d);
  if (diffs.length > limit) console.log(`... and ${diffs.length - limit} more`);
  console.log(`${kind}: ${diffs.length} difference(s)`);
  process.exitCode = 1;
}

if (process.argv[1] && url.fileURLToPath(import.meta.url) === process.argv[1]) main();
