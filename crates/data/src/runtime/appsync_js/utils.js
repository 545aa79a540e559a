// AppSync's APPSYNC_JS runtime helpers (`@aws-appsync/utils`, `@aws-appsync/utils/dynamodb`),
// evaluated once in every resolver engine context. Resolver files import these modules; the
// transpiler turns those imports into `__ampstack_module(name)` lookups.
//
// Per call state (appended errors, subscription filters, the caller's auth type) lives in
// `state` and is reset by `__ampstack_call`, which runs one `request`/`response` function with a
// JSON context and answers a JSON outcome to Rust.
(function () {
  'use strict';
  const state = { errors: [], filter: null, invalidationFilter: null, invalidations: [], authType: null, info: {} };

  class AppSyncError {
    constructor(message, type, data, errorInfo) {
      this.message = message === undefined ? null : String(message);
      this.type = type === undefined ? null : type;
      this.data = data === undefined ? null : data;
      this.errorInfo = errorInfo === undefined ? null : errorInfo;
    }
  }
  class EarlyReturn {
    constructor(data) { this.data = data === undefined ? null : data; }
  }

  // An expression object (`{expression, expressionNames, expressionValues}`) that also reads as
  // its JSON text, so both `JSON.parse(util.transform.toDynamoDBFilterExpression(f))` (AppSync's
  // documented use) and passing the value directly work.
  function expressionObject(e) {
    if (!e) return null;
    Object.defineProperty(e, 'toString', { value: function () { return JSON.stringify(this); }, enumerable: false });
    return e;
  }

  // ----- DynamoDB typed values ---------------------------------------------------------------
  function toDynamoDB(v) {
    if (v === null || v === undefined) return { NULL: true };
    if (typeof v === 'string') return { S: v };
    if (typeof v === 'number') return { N: v };
    if (typeof v === 'boolean') return { BOOL: v };
    if (Array.isArray(v)) return { L: v.map(toDynamoDB) };
    if (typeof v === 'object') {
      const m = {};
      for (const k of Object.keys(v)) if (v[k] !== undefined) m[k] = toDynamoDB(v[k]);
      return { M: m };
    }
    return { S: String(v) };
  }
  function toMapValues(obj) {
    const out = {};
    for (const k of Object.keys(obj || {})) if (obj[k] !== undefined) out[k] = toDynamoDB(obj[k]);
    return out;
  }
  const dynamodbUtil = {
    toDynamoDB,
    toDynamoDBJson: (v) => JSON.stringify(toDynamoDB(v)),
    toMapValues,
    toMapValuesJson: (v) => JSON.stringify(toMapValues(v)),
    toString: (s) => ({ S: s }),
    toStringJson: (s) => JSON.stringify({ S: s }),
    toStringSet: (l) => ({ SS: l }),
    toStringSetJson: (l) => JSON.stringify({ SS: l }),
    toNumber: (n) => ({ N: n }),
    toNumberJson: (n) => JSON.stringify({ N: n }),
    toNumberSet: (l) => ({ NS: l }),
    toNumberSetJson: (l) => JSON.stringify({ NS: l }),
    toBinary: (b) => ({ B: b }),
    toBinaryJson: (b) => JSON.stringify({ B: b }),
    toBinarySet: (l) => ({ BS: l }),
    toBinarySetJson: (l) => JSON.stringify({ BS: l }),
    toBoolean: (b) => ({ BOOL: b }),
    toBooleanJson: (b) => JSON.stringify({ BOOL: b }),
    toNull: () => ({ NULL: null }),
    toNullJson: () => JSON.stringify({ NULL: null }),
    toList: (l) => ({ L: (l || []).map(toDynamoDB) }),
    toListJson: (l) => JSON.stringify({ L: (l || []).map(toDynamoDB) }),
    toMap: (m) => ({ M: toMapValues(m) }),
    toMapJson: (m) => JSON.stringify({ M: toMapValues(m) }),
    toS3Object: (key, bucket, region, version) => JSON.stringify({ s3: version === undefined ? { key, bucket, region } : { key, bucket, region, version } }),
    fromS3ObjectJson: (s) => JSON.parse(s).s3,
  };

  // ----- filter / condition objects → DynamoDB expressions ------------------------------------
  function buildExpression(input, kind) {
    if (input === null || input === undefined) return null;
    const names = {};
    const values = {};
    let n = 0;
    const name = (field) => {
      const parts = String(field).split('.');
      return parts.map((p) => { const k = '#' + p.replace(/[^A-Za-z0-9_]/g, '_'); names[k] = p; return k; }).join('.');
    };
    const value = (v) => { const k = ':' + kind + (n++); values[k] = toDynamoDB(v); return k; };
    const walk = (obj) => {
      const parts = [];
      for (const key of Object.keys(obj)) {
        const v = obj[key];
        if (v === undefined || v === null) continue;
        if (key === 'and' || key === 'or') {
          const subs = (Array.isArray(v) ? v : [v]).map(walk).filter((s) => s);
          if (subs.length) parts.push('(' + subs.join(key === 'and' ? ' AND ' : ' OR ') + ')');
        } else if (key === 'not') {
          const s = walk(v);
          if (s) parts.push('(NOT ' + s + ')');
        } else {
          const f = name(key);
          for (const op of Object.keys(v)) {
            const x = v[op];
            if (x === undefined) continue;
            switch (op) {
              case 'eq': parts.push(`(${f} = ${value(x)})`); break;
              case 'ne': parts.push(`(${f} <> ${value(x)})`); break;
              case 'lt': parts.push(`(${f} < ${value(x)})`); break;
              case 'le': parts.push(`(${f} <= ${value(x)})`); break;
              case 'gt': parts.push(`(${f} > ${value(x)})`); break;
              case 'ge': parts.push(`(${f} >= ${value(x)})`); break;
              case 'between': parts.push(`(${f} BETWEEN ${value(x[0])} AND ${value(x[1])})`); break;
              case 'beginsWith': parts.push(`(begins_with(${f}, ${value(x)}))`); break;
              case 'contains': parts.push(`(contains(${f}, ${value(x)}))`); break;
              case 'notContains': parts.push(`(NOT contains(${f}, ${value(x)}))`); break;
              case 'attributeExists': parts.push(x ? `(attribute_exists(${f}))` : `(attribute_not_exists(${f}))`); break;
              case 'attributeType': parts.push(`(attribute_type(${f}, ${value(x)}))`); break;
              case 'in': parts.push(`(${f} IN (${(x || []).map(value).join(', ')}))`); break;
              case 'notIn': parts.push(`(NOT ${f} IN (${(x || []).map(value).join(', ')}))`); break;
              case 'size':
                for (const so of Object.keys(x || {})) {
                  const cmp = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' }[so];
                  if (so === 'between') parts.push(`(size(${f}) BETWEEN ${value(x[so][0])} AND ${value(x[so][1])})`);
                  else if (cmp) parts.push(`(size(${f}) ${cmp} ${value(x[so])})`);
                }
                break;
              default: throw new AppSyncError(`Unsupported operator '${op}' in ${kind} on '${key}'`, 'ValidationError');
            }
          }
        }
      }
      return parts.length ? (parts.length === 1 ? parts[0] : '(' + parts.join(' AND ') + ')') : '';
    };
    const expression = walk(input);
    if (!expression) return null;
    const out = { expression };
    if (Object.keys(names).length) out.expressionNames = names;
    if (Object.keys(values).length) out.expressionValues = values;
    return expressionObject(out);
  }

  function toSubscriptionFilter(filter, ignoredFields, rules) {
    const ignored = new Set(ignoredFields || []);
    const groups = [];
    const leaf = (obj) => {
      const filters = [];
      for (const field of Object.keys(obj || {})) {
        if (ignored.has(field) || field === 'and' || field === 'or') continue;
        const ops = obj[field];
        for (const operator of Object.keys(ops || {})) {
          if (ops[operator] === undefined) continue;
          filters.push({ fieldName: field, operator, value: ops[operator] });
        }
      }
      return filters;
    };
    const add = (obj) => {
      if (obj && Array.isArray(obj.or)) { for (const o of obj.or) add(o); return; }
      const base = leaf(obj);
      const ands = obj && Array.isArray(obj.and) ? obj.and.flatMap(leaf) : [];
      const all = base.concat(ands);
      if (all.length) groups.push({ filters: all });
    };
    add(filter);
    for (const r of rules || []) add(r);
    return { filterGroup: groups };
  }

  // ----- util ------------------------------------------------------------------------------
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function utf8(s) {
    const out = [];
    for (const ch of String(s)) {
      let c = ch.codePointAt(0);
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function fromUtf8(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i++];
      let c;
      if (b < 0x80) c = b;
      else if (b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63);
      else if (b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      else c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
      s += String.fromCodePoint(c);
    }
    return s;
  }
  function base64Encode(s) {
    const b = utf8(s);
    let out = '';
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
    }
    return out;
  }
  function base64Decode(s) {
    const clean = String(s).replace(/[^A-Za-z0-9+/]/g, '');
    const bytes = [];
    for (let i = 0; i < clean.length; i += 4) {
      const n = (B64.indexOf(clean[i]) << 18) | (B64.indexOf(clean[i + 1]) << 12) | ((i + 2 < clean.length ? B64.indexOf(clean[i + 2]) : 0) << 6) | (i + 3 < clean.length ? B64.indexOf(clean[i + 3]) : 0);
      bytes.push((n >> 16) & 255);
      if (i + 2 < clean.length) bytes.push((n >> 8) & 255);
      if (i + 3 < clean.length) bytes.push(n & 255);
    }
    return fromUtf8(bytes);
  }

  // Java DateTimeFormatter patterns as AppSync's util.time uses them (the common letters).
  function offsetMinutes(tz) {
    if (!tz || tz === 'UTC' || tz === 'Z' || tz === 'GMT') return 0;
    const m = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(tz);
    if (!m) throw new AppSyncError(`Unsupported time zone '${tz}' (use UTC or a fixed offset like +02:00)`, 'ValidationError');
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0));
  }
  const pad = (n, w) => String(n).padStart(w, '0');
  const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  function format(ms, fmt, tz) {
    const off = offsetMinutes(tz);
    const d = new Date(ms + off * 60000);
    const offStr = off === 0 ? 'Z' : (off < 0 ? '-' : '+') + pad(Math.floor(Math.abs(off) / 60), 2) + ':' + pad(Math.abs(off) % 60, 2);
    return String(fmt).replace(/'([^']*)'|y{1,4}|M{1,4}|d{1,2}|H{1,2}|h{1,2}|m{1,2}|s{1,2}|S{1,3}|E{1,4}|a|Z{1,5}|X{1,3}|x{1,3}/g, (t, lit) => {
      if (lit !== undefined) return lit;
      switch (t[0]) {
        case 'y': return t.length === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), 4);
        case 'M': return t.length >= 4 ? MONTHS[d.getUTCMonth()] : t.length === 3 ? MONTHS[d.getUTCMonth()].slice(0, 3) : pad(d.getUTCMonth() + 1, t.length);
        case 'd': return pad(d.getUTCDate(), t.length);
        case 'H': return pad(d.getUTCHours(), t.length);
        case 'h': return pad(d.getUTCHours() % 12 || 12, t.length);
        case 'm': return pad(d.getUTCMinutes(), t.length);
        case 's': return pad(d.getUTCSeconds(), t.length);
        case 'S': return pad(d.getUTCMilliseconds(), 3).slice(0, t.length);
        case 'E': return t.length >= 4 ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()].slice(0, 3);
        case 'a': return d.getUTCHours() < 12 ? 'AM' : 'PM';
        case 'Z': return off === 0 && t.length < 5 ? '+0000' : offStr.replace(':', t.length >= 5 ? ':' : '');
        default: return offStr;
      }
    });
  }
  function parseFormatted(s, fmt, tz) {
    const tokens = [];
    const re = String(fmt).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/y{2,4}|M{1,2}|d{1,2}|H{1,2}|m{1,2}|s{1,2}|S{1,3}|Z{1,5}|X{1,3}/g, (t) => {
      tokens.push(t[0]);
      return t[0] === 'Z' || t[0] === 'X' ? '(Z|[+-]\\d{2}:?\\d{2})' : '(\\d{' + (t[0] === 'y' && t.length === 4 ? 4 : 1) + ',' + (t[0] === 'y' ? 4 : t[0] === 'S' ? 3 : 2) + '})';
    });
    const m = new RegExp('^' + re + '$').exec(String(s));
    if (!m) throw new AppSyncError(`'${s}' does not match the format '${fmt}'`, 'ValidationError');
    const p = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0 };
    let off = offsetMinutes(tz);
    tokens.forEach((t, i) => {
      if (t === 'Z' || t === 'X') off = m[i + 1] === 'Z' ? 0 : offsetMinutes(m[i + 1]);
      else p[t] = Number(m[i + 1]);
    });
    return Date.UTC(p.y, p.M - 1, p.d, p.H, p.m, p.s, p.S) - off * 60000;
  }
  const time = {
    nowISO8601: () => new Date().toISOString(),
    nowEpochSeconds: () => Math.floor(Date.now() / 1000),
    nowEpochMilliSeconds: () => Date.now(),
    nowFormatted: (fmt, tz) => format(Date.now(), fmt, tz),
    parseFormattedToEpochMilliSeconds: (s, fmt, tz) => parseFormatted(s, fmt, tz),
    parseISO8601ToEpochMilliSeconds: (s) => {
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) throw new AppSyncError(`'${s}' is not an ISO 8601 date-time`, 'ValidationError');
      return ms;
    },
    epochMilliSecondsToSeconds: (ms) => Math.floor(ms / 1000),
    epochMilliSecondsToISO8601: (ms) => new Date(ms).toISOString(),
    epochMilliSecondsToFormatted: (ms, fmt, tz) => format(ms, fmt, tz),
  };

  const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const randomBytes = (n) => __ampstack_random(n);

  const util = {
    error: (message, type, data, errorInfo) => { throw new AppSyncError(message, type, data, errorInfo); },
    appendError: (message, type, data, errorInfo) => {
      state.errors.push({ message: message === undefined ? null : String(message), type: type === undefined ? null : type, data: data === undefined ? null : data, errorInfo: errorInfo === undefined ? null : errorInfo });
    },
    unauthorized: () => { throw new AppSyncError(`Not Authorized to access ${state.info.fieldName} on type ${state.info.parentTypeName}`, 'Unauthorized'); },
    authType: () => state.authType,
    autoId: () => __ampstack_uuid(),
    autoUlid: () => {
      let t = Date.now();
      let s = '';
      for (let i = 0; i < 10; i++) { s = ULID_CHARS[t % 32] + s; t = Math.floor(t / 32); }
      for (const b of randomBytes(16)) s += ULID_CHARS[b % 32];
      return s;
    },
    autoKsuid: () => {
      let s = '';
      for (const b of randomBytes(27)) s += BASE62[b % 62];
      return s;
    },
    escapeJavaScript: (s) => JSON.stringify(String(s)).slice(1, -1).replace(/'/g, "\\'"),
    urlEncode: (s) => encodeURIComponent(s).replace(/%20/g, '+'),
    urlDecode: (s) => decodeURIComponent(String(s).replace(/\+/g, ' ')),
    base64Encode,
    base64Decode,
    isNull: (v) => v === null || v === undefined,
    isNullOrEmpty: (v) => v === null || v === undefined || v === '',
    isNullOrBlank: (v) => v === null || v === undefined || String(v).trim() === '',
    defaultIfNull: (v, d) => (v === null || v === undefined ? d : v),
    defaultIfNullOrEmpty: (v, d) => (v === null || v === undefined || v === '' ? d : v),
    defaultIfNullOrBlank: (v, d) => (v === null || v === undefined || String(v).trim() === '' ? d : v),
    isString: (v) => typeof v === 'string',
    isNumber: (v) => typeof v === 'number',
    isBoolean: (v) => typeof v === 'boolean',
    isList: (v) => Array.isArray(v),
    isMap: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
    typeOf: (v) => (v === null || v === undefined ? 'Null' : Array.isArray(v) ? 'List' : typeof v === 'object' ? 'Map' : typeof v === 'number' ? 'Number' : typeof v === 'boolean' ? 'Boolean' : 'String'),
    matches: (pattern, s) => new RegExp('^(?:' + pattern + ')$').test(s),
    time,
    str: {
      toUpper: (s) => String(s).toUpperCase(),
      toLower: (s) => String(s).toLowerCase(),
      toReplace: (s, from, to) => String(s).split(from).join(to),
      normalize: (s, form) => String(s).normalize(String(form || 'NFC').toUpperCase()),
    },
    math: {
      roundNum: (n) => Math.round(n),
      minVal: (a, b) => Math.min(a, b),
      maxVal: (a, b) => Math.max(a, b),
      randomDouble: () => Math.random(),
      randomWithinRange: (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1)),
    },
    dynamodb: dynamodbUtil,
    transform: {
      toDynamoDBFilterExpression: (f) => buildExpression(f, 'filter'),
      toDynamoDBConditionExpression: (c) => buildExpression(c, 'condition'),
      toSubscriptionFilter,
      toElasticsearchQueryDSL: () => { throw new AppSyncError('OpenSearch data sources are not available in ampstack', 'NotImplementedException'); },
    },
  };
  util.http = {
    copyHeaders: (h) => ({ ...(h || {}) }),
    addResponseHeader: () => {},
    addResponseHeaders: () => {},
  };

  const runtime = { earlyReturn: (data) => { throw new EarlyReturn(data); } };
  const extensions = {
    setSubscriptionFilter: (f) => { state.filter = f; },
    setSubscriptionInvalidationFilter: (f) => { state.invalidationFilter = f; },
    invalidateSubscriptions: (o) => { state.invalidations.push(o); },
    evictFromApiCache: () => {},
  };

  // ----- @aws-appsync/utils/dynamodb ---------------------------------------------------------
  const OP = Symbol('ddb-operation');
  const operations = {
    increment: (by) => ({ [OP]: 'add', value: by === undefined ? 1 : by }),
    decrement: (by) => ({ [OP]: 'add', value: -(by === undefined ? 1 : by) }),
    add: (value) => ({ [OP]: 'add', value }),
    remove: () => ({ [OP]: 'remove' }),
    replace: (value) => ({ [OP]: 'set', value }),
    append: (items) => ({ [OP]: 'append', value: items }),
    prepend: (items) => ({ [OP]: 'prepend', value: items }),
    updateListItem: (value, index) => ({ [OP]: 'listItem', value, index }),
  };
  function updateExpression(update) {
    const set = [], remove = [], add = [];
    const names = {}, values = {};
    let n = 0;
    const name = (f) => { const k = '#u' + (n++); names[k] = f; return k; };
    const value = (v) => { const k = ':u' + (n++); values[k] = toDynamoDB(v); return k; };
    for (const field of Object.keys(update || {})) {
      const v = update[field];
      if (v === undefined) continue;
      const op = v !== null && typeof v === 'object' ? v[OP] : undefined;
      const f = name(field);
      switch (op) {
        case 'add': add.push(`${f} ${value(v.value)}`); break;
        case 'remove': remove.push(f); break;
        case 'append': set.push(`${f} = list_append(if_not_exists(${f}, ${value([])}), ${value(v.value)})`); break;
        case 'prepend': set.push(`${f} = list_append(${value(v.value)}, if_not_exists(${f}, ${value([])}))`); break;
        case 'listItem': set.push(`${f}[${Number(v.index)}] = ${value(v.value)}`); break;
        case 'set': set.push(`${f} = ${value(v.value)}`); break;
        default: set.push(`${f} = ${value(v)}`);
      }
    }
    const parts = [];
    if (set.length) parts.push('SET ' + set.join(', '));
    if (remove.length) parts.push('REMOVE ' + remove.join(', '));
    if (add.length) parts.push('ADD ' + add.join(', '));
    return { expression: parts.join(' '), expressionNames: names, expressionValues: values };
  }
  function keyExpression(query) {
    const names = {}, values = {};
    const parts = [];
    let n = 0;
    for (const field of Object.keys(query || {})) {
      const ops = query[field];
      const f = '#k' + n; names[f] = field;
      const val = (v) => { const k = ':k' + (n++); values[k] = toDynamoDB(v); return k; };
      for (const op of Object.keys(ops || {})) {
        const x = ops[op];
        switch (op) {
          case 'eq': parts.push(`${f} = ${val(x)}`); break;
          case 'lt': parts.push(`${f} < ${val(x)}`); break;
          case 'le': parts.push(`${f} <= ${val(x)}`); break;
          case 'gt': parts.push(`${f} > ${val(x)}`); break;
          case 'ge': parts.push(`${f} >= ${val(x)}`); break;
          case 'between': parts.push(`${f} BETWEEN ${val(x[0])} AND ${val(x[1])}`); break;
          case 'beginsWith': parts.push(`begins_with(${f}, ${val(x)})`); break;
          default: throw new AppSyncError(`Unsupported key condition operator '${op}' on '${field}'`, 'ValidationError');
        }
      }
      n++;
    }
    return { expression: parts.join(' AND '), expressionNames: names, expressionValues: values };
  }
  const plain = (o) => (o ? JSON.parse(JSON.stringify(o)) : o);
  const dynamodbModule = {
    operations,
    get: (p) => ({ operation: 'GetItem', key: toMapValues(p.key), consistentRead: !!p.consistentRead }),
    put: (p) => ({ operation: 'PutItem', key: toMapValues(p.key), attributeValues: toMapValues(p.item), condition: plain(buildExpression(p.condition, 'condition')) || undefined }),
    remove: (p) => ({ operation: 'DeleteItem', key: toMapValues(p.key), condition: plain(buildExpression(p.condition, 'condition')) || undefined }),
    update: (p) => ({ operation: 'UpdateItem', key: toMapValues(p.key), update: updateExpression(p.update), condition: plain(buildExpression(p.condition, 'condition')) || undefined }),
    query: (p) => ({
      operation: 'Query', query: keyExpression(p.query), index: p.index, limit: p.limit, nextToken: p.nextToken,
      scanIndexForward: p.scanIndexForward === undefined ? true : p.scanIndexForward, filter: plain(buildExpression(p.filter, 'filter')) || undefined,
      consistentRead: !!p.consistentRead, select: p.select,
    }),
    scan: (p) => ({ operation: 'Scan', index: p && p.index, limit: p && p.limit, nextToken: p && p.nextToken, filter: plain(buildExpression(p && p.filter, 'filter')) || undefined }),
    sync: (p) => ({ operation: 'Sync', limit: p && p.limit, nextToken: p && p.nextToken, lastSync: p && p.lastSync, filter: plain(buildExpression(p && p.filter, 'filter')) || undefined }),
  };

  const modules = {
    '@aws-appsync/utils': { util, runtime, extensions, default: { util, runtime, extensions } },
    '@aws-appsync/utils/dynamodb': { ...dynamodbModule, default: dynamodbModule },
  };
  globalThis.__ampstack_module = (name) => {
    const m = modules[name];
    if (!m) throw new Error(`Cannot import '${name}': AppSync JS resolvers can import only @aws-appsync/utils and @aws-appsync/utils/dynamodb`);
    return m;
  };

  // Runs `ns[fname](ctx)`; answers the outcome as JSON text.
  globalThis.__ampstack_call = (ns, fname, ctxJson, metaJson) => {
    const meta = JSON.parse(metaJson);
    state.errors = []; state.filter = null; state.invalidationFilter = null; state.invalidations = [];
    state.authType = meta.authType; state.info = meta.info || {};
    const ctx = JSON.parse(ctxJson);
    ctx.args = ctx.arguments;
    const done = (o) => {
      o.stash = ctx.stash; o.errors = state.errors;
      if (state.filter) o.subscriptionFilter = state.filter;
      if (state.invalidationFilter) o.invalidationFilter = state.invalidationFilter;
      if (state.invalidations.length) o.invalidations = state.invalidations;
      return JSON.stringify(o, (k, v) => (v === undefined ? null : v));
    };
    const f = ns[fname];
    if (typeof f !== 'function') return done({ kind: 'error', error: { message: `The resolver does not export a \`${fname}\` function`, type: 'Code', data: null, errorInfo: null } });
    try {
      const result = f(ctx);
      return done({ kind: 'ok', result: result === undefined ? null : result });
    } catch (e) {
      if (e instanceof EarlyReturn) return done({ kind: 'early', result: e.data });
      if (e instanceof AppSyncError) return done({ kind: 'error', error: { message: e.message, type: e.type, data: e.data, errorInfo: e.errorInfo } });
      const message = e && e.message !== undefined ? `${e.name || 'Error'}: ${e.message}` : String(e);
      return done({ kind: 'error', error: { message, type: 'Code', data: null, errorInfo: null } });
    }
  };
})();
