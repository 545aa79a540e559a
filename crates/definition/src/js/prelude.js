// Host side of the embedded engine: what the `@aws-amplify/backend` module and rewritten
// imports of CDK/npm packages talk to. CDK objects are recording proxies: every property set,
// call and `new` is kept with its call site so Rust can apply the escape hatches that have a
// local meaning and warn (file:line) about the rest instead of crashing.
(() => {
  const INTERNAL = '@aws-amplify/backend';
  function callsite() {
    const lines = String(new Error().stack || '').split('\n');
    for (const line of lines) {
      const m = /\(?([^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line) || /\(?([^\s()]+):(\d+)\)?\s*$/.exec(line);
      if (!m) continue;
      const file = m[1];
      // User modules are named by absolute path; anything else is the engine or us.
    if (file === INTERNAL || !file.startsWith('/')) continue;
      return { file, line: Number(m[2]), col: m[3] ? Number(m[3]) : 1 };
    }
    return null;
  }
  const records = [];
  const paths = new WeakMap();
  const cache = new Map();
  let counter = 0;

  function serialize(v, depth) {
    depth = depth || 0;
    if (depth > 16) return null;
    if (v === undefined) return null;
    if (typeof v === 'symbol' || typeof v === 'bigint') return String(v);
    if (typeof v !== 'object' && typeof v !== 'function') return v;
    if (v === null) return null;
    if (paths.has(v)) return { $cdk: paths.get(v) };
    if (v.__ampstackResource) return { $resource: v.__ampstackResource.kind };
    if (v.__ampstackFunction) return { $function: v.__ampstackFunction };
    if (typeof v === 'function') return { $fn: v.name || 'anonymous' };
    if (Array.isArray(v)) return v.map((x) => serialize(x, depth + 1));
    if (typeof v.toJSON === 'function') return serialize(v.toJSON(), depth + 1);
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = serialize(x, depth + 1);
    return o;
  }

  function proxy(path) {
    if (cache.has(path)) return cache.get(path);
    const target = function () {};
    const p = new Proxy(target, {
      get(_, key) {
        if (typeof key === 'symbol') return key === Symbol.toPrimitive ? () => path : undefined;
        if (key === 'then' || key === 'toJSON') return undefined;
        if (key === 'toString') return () => path;
        return proxy(`${path}.${key}`);
      },
      set(_, key, value) {
        records.push({ op: 'set', path: `${path}.${String(key)}`, value: serialize(value), loc: callsite() });
        return true;
      },
      apply(_, _this, args) {
        const result = `${path}()#${++counter}`;
        records.push({ op: 'call', path, args: args.map((x) => serialize(x)), result, loc: callsite() });
        return proxy(result);
      },
      construct(_, args) {
        const result = `new ${path}()#${++counter}`;
        records.push({ op: 'new', path, args: args.map((x) => serialize(x)), result, loc: callsite() });
        return proxy(result);
      },
      has() { return true; },
      deleteProperty(_, key) { records.push({ op: 'delete', path: `${path}.${String(key)}`, loc: callsite() }); return true; },
    });
    paths.set(p, path);
    cache.set(path, p);
    return p;
  }

  let backend = null;
  const host = {
    callsite,
    functions: [],
    cdk: { root: (name) => proxy(name) },
    setBackend(b) {
      if (backend) throw new Error('defineBackend() was called more than once');
      backend = b;
    },
    collect() {
      return JSON.stringify({
        backend: backend && { parts: backend.parts, loc: backend.loc },
        functions: host.functions,
        records,
      });
    },
  };
  Object.defineProperty(globalThis, '__ampstack', { value: host });
  // Imports of packages we do not run (aws-cdk-lib, constructs, ...) are rewritten to this.
  Object.defineProperty(globalThis, '__ampstack_module', { value: (name) => proxy(name) });
})();
