// Our stand-in for '@aws-amplify/backend', used only while bundling a fixture's data resource
// for the golden generator. It re-exports the real schema builder `a` (so `schema.transform()`
// is Amplify's own code) and replaces every define* with a plain record of its props.
export { a } from '@aws-amplify/data-schema';

const record = (kind) => (props) => ({ kind, props: props ?? {} });

export const defineData = record('data');
export const defineAuth = record('auth');
export const defineStorage = record('storage');
export const referenceAuth = record('reference-auth');
export const defineBackend = (resources) => ({ kind: 'backend', resources });
export const secret = (name) => ({ kind: 'secret', name });

// `a.handler.function(fn)` and `allow.resource(fn)` recognise a function by its getInstance().
export const defineFunction = (props) => ({
  kind: 'function',
  props: typeof props === 'function' ? { provider: props } : props ?? {},
  getInstance: () => {
    throw new Error('golden generator: function instances are not built');
  },
});
