// Ampstack adapter for the aws-amplify v6 client: two lines in an app,
//
//   import { configureAmplify } from './ampstack-amplify.mjs';
//   configureAmplify(Amplify, outputs);
//
// Amplify.configure(outputs) reads no endpoint overrides from amplify_outputs.json, so this
// configures the given Amplify singleton from the outputs and then points Auth (user pool and
// identity pool) at the sandbox using `custom.ampstack` in the same file. Data needs nothing
// extra (its URL is in `data.url`). No dependencies of its own: it only calls the Amplify object
// it is given.
//
// Storage: aws-amplify only ever sends S3 requests to https://<bucket>.s3.<region>.amazonaws.com
// (no endpoint setting exists). For the buckets named in the outputs, this rewrites those URLs to
// the sandbox's path-style S3 endpoint (`custom.ampstack.storage_endpoint`/<bucket>/<key>) in
// globalThis.fetch (Node, and browsers for small requests) and XMLHttpRequest (browser uploads
// and downloads with progress). Headers, body and signature are left untouched: the server
// checks the signature against the AWS host the client signed. Other URLs pass through as is.
// URLs from getUrl() still name AWS. In a browser page they are routed where they are used too
// (src/href set on <img>, <video>, <audio>, <source>, <a>, …), so `<img :src="url">` works
// unchanged; pass them through `ampstackUrl(url)` before handing them to a third party.

/**
 * @param {{ configure: Function, getConfig: Function, libraryOptions?: object }} Amplify
 * @param {object} outputs the parsed amplify_outputs.json written by `ampstack sandbox`
 * @param {object} [libraryOptions] passed through to Amplify.configure
 */
export function configureAmplify(Amplify, outputs, libraryOptions) {
  const local = outputs && outputs.custom && outputs.custom.ampstack;
  if (!local) {
    throw new Error('configureAmplify: these outputs were not written by ampstack (no custom.ampstack)');
  }
  routeStorage(outputs);
  const options = libraryOptions ?? Amplify.libraryOptions;
  Amplify.configure(outputs, options);
  const config = Amplify.getConfig();
  const cognito = config.Auth && config.Auth.Cognito;
  if (!cognito) return config;
  const next = {
    ...config,
    Auth: {
      ...config.Auth,
      Cognito: {
        ...cognito,
        userPoolEndpoint: local.user_pool_endpoint,
        identityPoolEndpoint: local.identity_pool_endpoint,
      },
    },
  };
  Amplify.configure(next, options);
  return Amplify.getConfig();
}

/** Bucket name → the sandbox's S3 endpoint, for every configureAmplify call so far. */
const storageRoutes = new Map();
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]*)\.s3\.[a-z0-9-]+\.amazonaws\.com$/;
const PATH_STYLE_HOST = /^s3\.[a-z0-9-]+\.amazonaws\.com$/;

/**
 * The sandbox URL for an S3 URL aimed at AWS for one of the sandbox's buckets (a string); any
 * other URL is returned unchanged (as given).
 * @param {string | URL} input
 */
export function ampstackUrl(input) {
  let u;
  try {
    u = new URL(String(input));
  } catch {
    return input;
  }
  if (u.protocol !== 'https:') return input;
  let bucket;
  let rest;
  const vh = VIRTUAL_HOST.exec(u.hostname);
  if (vh) {
    bucket = vh[1];
    rest = u.pathname;
  } else if (PATH_STYLE_HOST.test(u.hostname)) {
    const m = /^\/([^/]+)(\/.*)?$/.exec(u.pathname);
    if (!m) return input;
    bucket = m[1];
    rest = m[2] || '/';
  }
  const endpoint = bucket && storageRoutes.get(bucket);
  if (!endpoint) return input;
  return `${endpoint}/${bucket}${rest}${u.search}`;
}

function routeStorage(outputs) {
  const endpoint = outputs.custom.ampstack.storage_endpoint;
  const buckets = (outputs.storage && outputs.storage.buckets) || [];
  if (!endpoint) return;
  for (const b of buckets) storageRoutes.set(b.bucket_name, endpoint.replace(/\/$/, ''));
  if (outputs.storage && outputs.storage.bucket_name) storageRoutes.set(outputs.storage.bucket_name, endpoint.replace(/\/$/, ''));
  installInterceptors();
}

const INSTALLED = Symbol.for('ampstack.storageInterceptors');

function installInterceptors() {
  const g = globalThis;
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  if (typeof g.fetch === 'function') {
    const original = g.fetch;
    g.fetch = function ampstackFetch(input, init) {
      if (typeof input === 'string' || input instanceof URL) {
        return original.call(this, ampstackUrl(input), init);
      }
      if (input && typeof input.url === 'string') {
        const to = ampstackUrl(input.url);
        if (to !== input.url) return original.call(this, new Request(to, input), init);
      }
      return original.call(this, input, init);
    };
  }
  const XHR = g.XMLHttpRequest;
  if (XHR && XHR.prototype && typeof XHR.prototype.open === 'function') {
    const open = XHR.prototype.open;
    XHR.prototype.open = function ampstackOpen(method, url, ...rest) {
      return open.call(this, method, ampstackUrl(url), ...rest);
    };
  }
  routeElementUrls(g);
}

/** Elements whose URL property a page may set to a getUrl() result, and that property. */
const URL_SINKS = [
  ['HTMLImageElement', 'src'], ['HTMLMediaElement', 'src'], ['HTMLSourceElement', 'src'],
  ['HTMLTrackElement', 'src'], ['HTMLIFrameElement', 'src'], ['HTMLEmbedElement', 'src'],
  ['HTMLAnchorElement', 'href'], ['HTMLLinkElement', 'href'], ['HTMLObjectElement', 'data'],
];
const URL_ATTRIBUTES = new Set(['src', 'href', 'data']);

/**
 * Browsers load an <img src> (or <video>, <a href>, …) without fetch or XHR, so a signed URL
 * from getUrl() put on an element would go to AWS. Route it when it is set, both as a property
 * (Vue, plain DOM code) and as an attribute (React, setAttribute). Only URLs of the sandbox's
 * own buckets change; every other value is passed on untouched.
 */
function routeElementUrls(g) {
  if (typeof g.Element !== 'function') return;
  for (const [name, prop] of URL_SINKS) {
    const proto = typeof g[name] === 'function' ? g[name].prototype : null;
    const desc = proto && Object.getOwnPropertyDescriptor(proto, prop);
    if (!desc || typeof desc.set !== 'function' || !desc.configurable) continue;
    Object.defineProperty(proto, prop, {
      ...desc,
      set(value) {
        desc.set.call(this, ampstackUrl(value));
      },
    });
  }
  const setAttribute = g.Element.prototype.setAttribute;
  g.Element.prototype.setAttribute = function ampstackSetAttribute(name, value) {
    const routed = URL_ATTRIBUTES.has(String(name).toLowerCase()) ? ampstackUrl(value) : value;
    return setAttribute.call(this, name, routed);
  };
}
