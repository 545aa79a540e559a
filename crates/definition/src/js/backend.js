// Ampstack's own implementation of the `@aws-amplify/backend` module, run inside the embedded
// JS engine. It only *records* what the project's resource files declare: every builder keeps
// its state in plain data (serialised through toJSON) together with the call site, and the
// Rust side turns that record into the validated IR. No semantics live here on purpose, so that
// the Gen 1 SDL path and the builder path share one validator.

const host = globalThis.__ampstack;

// --- call sites -------------------------------------------------------------------------
// The stack frame of the user's code that called into this module (see prelude.js); Rust maps
// it back to the original TypeScript through the source map.
const callsite = host.callsite;

function asArray(v) { return Array.isArray(v) ? v : [v]; }
function dirOf(file) { const i = file.lastIndexOf('/'); return i < 0 ? '.' : file.slice(0, i); }
function baseName(p) { const i = p.lastIndexOf('/'); return i < 0 ? p : p.slice(i + 1); }

// --- functions and secrets ----------------------------------------------------------------
const functions = host.functions;
function defineFunction(props, options) {
  const loc = callsite();
  const isCallback = typeof props === 'function';
  const p = isCallback ? (options || {}) : (props || {});
  // Amplify's rule: explicit name, else the entry file's base name, else the folder name.
  const entryName = typeof p.entry === 'string' ? baseName(p.entry).replace(/\.[^.]*$/, '') : null;
  const name = p.name || entryName || (loc ? baseName(dirOf(loc.file)) : 'function');
  const def = {
    kind: 'function',
    name,
    props: isCallback ? { ...p, customCdk: true } : p,
    dir: loc ? dirOf(loc.file) : null,
    loc,
  };
  functions.push(def);
  return {
    __ampstackFunction: name,
    getInstance() { return null; },
    toJSON() { return { function: name }; },
  };
}

function secret(name) {
  return { toJSON() { return { secret: name }; } };
}

// --- authorization rules --------------------------------------------------------------
function rule(defaults, methods) {
  const data = {
    strategy: 'public', provider: undefined, operations: undefined, groupOrOwnerField: undefined,
    multiOwner: false, identityClaim: undefined, groupClaim: undefined, groups: undefined,
    ...defaults, loc: callsite(),
  };
  const r = { toJSON() { return data; } };
  if (methods.includes('to')) r.to = function (ops) { data.operations = asArray(ops); return this; };
  if (methods.includes('identityClaim')) r.identityClaim = function (c) { data.identityClaim = c; return this; };
  if (methods.includes('withClaimIn')) r.withClaimIn = function (c) { data.groupClaim = c; return this; };
  return r;
}
const ruleMethods = ['to'];
const ownerMethods = ['to', 'identityClaim'];
const groupMethods = ['to', 'withClaimIn'];
const allow = {
  publicApiKey: () => rule({ strategy: 'public', provider: 'apiKey' }, ruleMethods),
  guest: () => rule({ strategy: 'public', provider: 'identityPool' }, ruleMethods),
  authenticated: (provider) => rule({ strategy: 'private', provider }, ruleMethods),
  owner: (provider) => rule({ strategy: 'owner', provider, groupOrOwnerField: 'owner' }, ownerMethods),
  ownerDefinedIn: (field, provider) => rule({ strategy: 'owner', provider, groupOrOwnerField: field }, ownerMethods),
  ownersDefinedIn: (field, provider) => rule({ strategy: 'owner', provider, groupOrOwnerField: field, multiOwner: true }, ownerMethods),
  group: (group, provider) => rule({ strategy: 'groups', provider, groups: [group] }, groupMethods),
  groups: (groups, provider) => rule({ strategy: 'groups', provider, groups: asArray(groups) }, groupMethods),
  groupDefinedIn: (field, provider) => rule({ strategy: 'groups', provider, groupOrOwnerField: field }, groupMethods),
  groupsDefinedIn: (field, provider) => rule({ strategy: 'groups', provider, groupOrOwnerField: field, multiOwner: true }, groupMethods),
  custom: (provider) => rule({ strategy: 'custom', provider }, ruleMethods),
  resource: (fn) => {
    const data = { strategy: 'resource', resource: fn, operations: undefined, loc: callsite() };
    return { to(ops) { data.operations = asArray(ops); return this; }, toJSON() { return data; } };
  },
};
function rules(cb) { return asArray(cb(allow)); }

// --- fields -------------------------------------------------------------------------------
function scalar(fieldType) {
  const data = {
    kind: 'scalar', fieldType, required: false, array: false, arrayRequired: false,
    default: undefined, authorization: [], validation: [], loc: callsite(),
  };
  let last = null;
  return {
    required() { if (last === 'array') data.arrayRequired = true; else data.required = true; last = 'required'; return this; },
    array() { data.array = true; last = 'array'; return this; },
    default(v) { data.default = v === undefined ? { generated: true } : { value: v }; last = 'default'; return this; },
    authorization(cb) { data.authorization = rules(cb); last = 'authorization'; return this; },
    validate(cb) {
      const out = [];
      const mk = (type) => (value, errorMessage) => { out.push({ type, value, errorMessage }); return v; };
      const v = {};
      for (const t of ['gt', 'lt', 'gte', 'lte', 'positive', 'negative', 'minLength', 'maxLength', 'startsWith', 'endsWith', 'matches']) v[t] = mk(t);
      cb(v);
      data.validation = out;
      last = 'validate';
      return this;
    },
    toJSON() { return data; },
  };
}

function relationship(type, relatedModel, references) {
  const data = {
    kind: 'relationship', type, relatedModel, references: references === undefined ? [] : asArray(references),
    array: type === 'hasMany', valueRequired: false, arrayRequired: false, authorization: [], loc: callsite(),
  };
  const b = { toJSON() { return data; } };
  b.authorization = function (cb) { data.authorization = rules(cb); return this; };
  if (type !== 'belongsTo') b.required = function () { data.arrayRequired = true; return this; };
  if (type === 'hasMany') b.valueRequired = function () { data.valueRequired = true; return this; };
  return b;
}

function ref(link) {
  const data = {
    kind: 'ref', link, valueRequired: false, array: false, arrayRequired: false,
    mutationOperations: [], authorization: [], loc: callsite(),
  };
  return {
    required() { if (data.array) data.arrayRequired = true; else data.valueRequired = true; return this; },
    array() { data.array = true; return this; },
    authorization(cb) { data.authorization = rules(cb); return this; },
    mutations(ops) { data.mutationOperations = asArray(ops); return this; },
    toJSON() { return data; },
  };
}

// --- types ----------------------------------------------------------------------------------
function model(fields) {
  const data = {
    kind: 'model', fields: { ...fields }, identifier: ['id'], identifierLoc: null, secondaryIndexes: [],
    authorization: [], disabledOperations: [], loc: callsite(),
  };
  return {
    identifier(ids) { data.identifier = asArray(ids); data.identifierLoc = callsite(); return this; },
    secondaryIndexes(cb) { data.secondaryIndexes = asArray(cb(index)); return this; },
    disableOperations(ops) { data.disabledOperations = asArray(ops); return this; },
    authorization(cb) { data.authorization = rules(cb); return this; },
    relationships(rel) { Object.assign(data.fields, rel); return this; },
    fields: data.fields,
    toJSON() { return data; },
  };
}

function index(partitionKey) {
  const data = { partitionKey, sortKeys: [], indexName: '', queryField: '', projectionType: 'ALL', nonKeyAttributes: undefined, loc: callsite() };
  return {
    sortKeys(keys) { data.sortKeys = asArray(keys); return this; },
    name(n) { data.indexName = n; return this; },
    queryField(q) { data.queryField = q; return this; },
    projection(type, attrs) { data.projectionType = type; if (type === 'INCLUDE') data.nonKeyAttributes = attrs; return this; },
    toJSON() { return data; },
  };
}

function customType(fields) {
  const data = { kind: 'customType', fields: { ...fields }, loc: callsite() };
  return { toJSON() { return data; } };
}

function enumType(values) {
  const data = { kind: 'enum', values: [...values], loc: callsite() };
  return { toJSON() { return data; } };
}

function operation(typeName) {
  const data = {
    kind: 'customOperation', typeName, arguments: {}, returnType: null, authorization: [],
    handlers: null, subscriptionSource: [], loc: callsite(),
  };
  return {
    arguments(args) { data.arguments = { ...args }; return this; },
    returns(t) { data.returnType = t; return this; },
    authorization(cb) { data.authorization = rules(cb); return this; },
    handler(h) { data.handlers = asArray(h); return this; },
    for(src) { data.subscriptionSource = asArray(src); return this; },
    toJSON() { return data; },
  };
}

// --- handlers -------------------------------------------------------------------------------
const handler = {
  custom(opts) {
    const loc = callsite();
    return { toJSON() { return { kind: 'custom', dataSource: opts && opts.dataSource, entry: opts && opts.entry, dir: loc ? dirOf(loc.file) : null, loc }; } };
  },
  function(fn) {
    const loc = callsite();
    const data = { kind: 'function', function: fn, invocationType: 'RequestResponse', loc };
    return {
      async() { data.invocationType = 'Event'; return this; },
      toJSON() { return data; },
    };
  },
  inlineSql(sql) {
    const loc = callsite();
    return { toJSON() { return { kind: 'inlineSql', sql, loc }; } };
  },
  sqlReference(entry) {
    const loc = callsite();
    return { toJSON() { return { kind: 'sqlReference', entry, dir: loc ? dirOf(loc.file) : null, loc }; } };
  },
};

// --- schema -------------------------------------------------------------------------------
function makeSchema(types, configuration) {
  const data = { kind: 'schema', types: { ...types }, authorization: [], configuration, renames: [], loc: callsite() };
  const models = {};
  for (const [k, v] of Object.entries(types)) if (v && typeof v.relationships === 'function') models[k] = v;
  const s = {
    data, models,
    authorization(cb) { data.authorization = rules(cb); return this; },
    addToSchema(t) { Object.assign(data.types, t); return this; },
    addQueries(t) { Object.assign(data.types, t); return this; },
    addMutations(t) { Object.assign(data.types, t); return this; },
    addSubscriptions(t) { Object.assign(data.types, t); return this; },
    setAuthorization(cb) { cb(models, this); return this; },
    setRelationships(cb) { cb(models); return this; },
    renameModels(cb) {
      for (const [from, to] of cb()) {
        if (!(from in data.types)) throw new Error(`Invalid renameModels call. ${from} is not defined in the schema`);
        const moved = data.types[from];
        if (moved && typeof moved.toJSON === 'function') moved.toJSON().originalName = from;
        data.types[to] = moved; delete data.types[from];
        models[to] = models[from]; delete models[from];
        data.renames.push([from, to]);
      }
      return this;
    },
    transform() { throw new Error('schema.transform() is not available in Ampstack'); },
    toJSON() { return data; },
  };
  // setAuthorization callbacks call `models.X.authorization(...)` and `schema.authorization(...)`.
  return s;
}

const a = {
  schema: (types) => makeSchema(types, { database: { engine: 'dynamodb' } }),
  configure: (config) => ({ schema: (types) => makeSchema(types, config) }),
  combine: (schemas) => {
    const names = new Map();
    for (const s of schemas) for (const k of Object.keys(s.data.types)) {
      if (names.has(k)) throw new Error(`The schemas you are attempting to combine have a name collision. Please remove or rename ${k}.`);
      names.set(k, true);
    }
    return { toJSON() { return { kind: 'combined', schemas }; } };
  },
  model, customType, enum: enumType, ref, handler,
  query: () => operation('Query'),
  mutation: () => operation('Mutation'),
  subscription: () => operation('Subscription'),
  generation: () => { throw new Error('a.generation() (AI routes) is not supported by Ampstack'); },
  conversation: () => { throw new Error('a.conversation() (AI routes) is not supported by Ampstack'); },
  hasOne: (m, r) => relationship('hasOne', m, r),
  hasMany: (m, r) => relationship('hasMany', m, r),
  belongsTo: (m, r) => relationship('belongsTo', m, r),
  id: () => scalar('ID'),
  string: () => scalar('String'),
  integer: () => scalar('Int'),
  float: () => scalar('Float'),
  boolean: () => scalar('Boolean'),
  date: () => scalar('AWSDate'),
  time: () => scalar('AWSTime'),
  datetime: () => scalar('AWSDateTime'),
  timestamp: () => scalar('AWSTimestamp'),
  email: () => scalar('AWSEmail'),
  json: () => scalar('AWSJSON'),
  phone: () => scalar('AWSPhone'),
  url: () => scalar('AWSURL'),
  ipAddress: () => scalar('AWSIPAddress'),
};

// --- resources ------------------------------------------------------------------------------
function resource(kind, props, extra) {
  const loc = callsite();
  const rec = { kind, props, loc, ...extra };
  return { __ampstackResource: rec, toJSON() { return rec; } };
}

function defineData(props) { return resource('data', props || {}); }

// Auth's `access` grants functions Cognito admin actions: recorded as (function, actions).
function defineAuth(props) {
  const p = { ...(props || {}) };
  if (typeof p.access === 'function') {
    const grants = [];
    const grant = (fn) => ({ to(actions) { grants.push({ resource: fn, actions: asArray(actions) }); return this; }, toJSON() { return { resource: fn }; } });
    const out = p.access({ resource: grant });
    p.access = grants.length ? grants : out;
  }
  return resource('auth', p);
}

// Storage's `access` callback receives path-rule builders; we call it once here.
function defineStorage(props) {
  const p = { ...(props || {}) };
  if (typeof p.access === 'function') {
    const entry = (type, extra) => {
      const data = { type, ...extra, actions: [], loc: callsite() };
      return { to(actions) { data.actions = asArray(actions); return this; }, toJSON() { return data; } };
    };
    const storageAllow = {
      get guest() { return entry('guest'); },
      get authenticated() { return entry('authenticated'); },
      groups: (groups) => entry('groups', { groups: asArray(groups) }),
      entity: (entity) => entry('entity', { entity }),
      resource: (fn) => entry('resource', { resource: fn }),
    };
    p.access = p.access(storageAllow);
  }
  return resource('storage', p);
}

// --- the backend object and its CDK escape hatches ------------------------------------
const cdk = host.cdk;
function defineBackend(parts) {
  const loc = callsite();
  host.setBackend({ parts, loc });
  return cdk.root('backend', parts);
}

const configure = a.configure;
export { a, allow, configure, defineAuth, defineData, defineStorage, defineFunction, defineBackend, secret };
