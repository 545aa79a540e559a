import { defineFunction, secret } from '@aws-amplify/backend';

// A handler using an npm package (graphql), a plain env value and the typed $amplify/env module.
export const echo = defineFunction({ name: 'echo', entry: './echo/handler.ts', environment: { GREETING: 'hello from env' } });
// A secret (ampstack secret set API_TOKEN), and the AppSync event as the handler sees it.
export const whoAmI = defineFunction({ name: 'who-am-i', entry: './who-am-i/handler.ts', environment: { API_TOKEN: secret('API_TOKEN') } });
// Callback style, plain JavaScript.
export const adder = defineFunction({ name: 'adder', entry: './adder/handler.js' });
export const thrower = defineFunction({ name: 'thrower', entry: './thrower/handler.ts' });
export const slow = defineFunction({ name: 'slow', entry: './slow/handler.ts', timeoutSeconds: 1 });
// A pipeline: double, then add one (prev.result).
export const double = defineFunction({ name: 'double', entry: './double/handler.ts' });
export const addOne = defineFunction({ name: 'add-one', entry: './add-one/handler.ts' });
// Functions that call the data API themselves (allow.resource on the schema, IAM).
export const noteWriter = defineFunction({ name: 'note-writer', entry: './note-writer/handler.ts' });
export const noteCounter = defineFunction({ name: 'note-counter', entry: './note-counter/handler.ts' });
export const ticker = defineFunction({ name: 'ticker', entry: './ticker/handler.ts', schedule: 'every 1m' });
// The API's Lambda authorizer (allow.custom()).
export const authorizer = defineFunction({ name: 'authorizer', entry: './authorizer/handler.ts' });
