// The real aws-amplify v6 Data client against function-backed custom operations of
// conformance/projects/functions (started by ../functions.test.mjs with the secret API_TOKEN set).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps } from './steps.mjs';
import { collect, refused, sleep, until } from './subscriptions.mjs';

globalThis.WebSocket ??= WebSocket; // Node 20 has no global WebSocket; wss trusts the sandbox CA

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
let client;

const ok = (res) => {
  assert.ok(!res.errors || res.errors.length === 0, `unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
};

// Realtime: subscriptions of the Lambda-authorized model (the token travels in the connection
// header and in each start message's authorization).

step('configure the client: custom operations are generated from the model introspection', () => {
  configureAmplify(Amplify, outputs);
  assert.ok(outputs.data.authorization_types.includes('AWS_LAMBDA'), JSON.stringify(outputs.data.authorization_types));
  client = generateClient();
  for (const q of ['echo', 'whoAmI', 'add', 'slowOp', 'countNotes']) assert.equal(typeof client.queries[q], 'function', q);
  for (const m of ['failHard', 'pipeline', 'recordNote']) assert.equal(typeof client.mutations[m], 'function', m);
});

step('a TypeScript handler with an npm package, env and context answers a custom query', async () => {
  const echo = ok(await client.queries.echo({ content: 'hello world!!!' }));
  assert.equal(echo.content, 'Echoing content: hello world!!!');
  assert.equal(echo.kind, 'Document', 'graphql (npm) parsed the argument');
  assert.equal(echo.greeting, 'hello from env');
  assert.equal(echo.functionName, 'echo');
  assert.equal(echo.remainingOk, true);
  assert.ok(echo.selection.includes('content') && echo.selection.includes('greeting'), JSON.stringify(echo.selection));
});

step('callback-style JavaScript handler returning a scalar', async () => {
  assert.equal(ok(await client.queries.add({ a: 20, b: 22 })), 42);
});

step('a pipeline of two functions passes prev.result', async () => {
  assert.equal(ok(await client.mutations.pipeline({ value: 5 })), 11);
});

step('the secret reaches the handler; the API key caller has a null identity', async () => {
  const who = JSON.parse(ok(await client.queries.whoAmI()));
  assert.equal(who.token, 'token-from-secret');
  assert.equal(who.identity, null);
  assert.equal(who.typeName, 'Query');
  assert.equal(who.fieldName, 'whoAmI');
  assert.equal(who.hasApiKeyHeader, true);
  assert.equal(who.prev, null);
});

step('a throwing handler is an AppSync error with its message', async () => {
  const res = await client.mutations.failHard({ reason: 'no funds' });
  assert.equal(res.data, null);
  assert.equal(res.errors?.length, 1, JSON.stringify(res));
  assert.equal(res.errors[0].errorType, 'Lambda:Unhandled');
  assert.equal(res.errors[0].message, 'refused: no funds');
});

step('a handler past its timeoutSeconds is stopped and reported', async () => {
  const started = Date.now();
  const res = await client.queries.slowOp();
  assert.equal(res.data, null);
  assert.match(res.errors?.[0]?.message ?? '', /timed out after 1\.00 seconds/);
  assert.ok(Date.now() - started < 2900, 'answered at the timeout, not when the handler would finish');
});

step('.async() answers EventInvocationResponse; the function writes through the data API with IAM', async () => {
  const before = ok(await client.queries.countNotes({ source: 'async' }));
  const queued = ok(await client.mutations.recordNote({ content: `note-${tag}` }));
  assert.deepEqual(queued, { success: true });
  let notes = [];
  for (let i = 0; i < 100 && !notes.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    notes = ok(await client.models.Note.list({ filter: { content: { eq: `note-${tag}` } } }));
  }
  assert.equal(notes.length, 1, 'the async function created the note');
  assert.equal(notes[0].source, 'async');
  assert.equal(ok(await client.queries.countNotes({ source: 'async' })), before + 1, 'a function reads through the data API');
});

step('Lambda authorization: admitted token, resolverContext as identity, deniedFields, refused token', async () => {
  const lambda = generateClient({ authMode: 'lambda', authToken: 'letmein' });
  const vault = ok(await lambda.models.Vault.create({ secret: `s-${tag}` }));
  assert.equal(vault.secret, `s-${tag}`);
  const got = ok(await lambda.models.Vault.get({ id: vault.id }));
  assert.equal(got.id, vault.id);
  const who = JSON.parse(ok(await lambda.queries.whoAmI()));
  assert.deepEqual(who.identity, { resolverContext: { user: 'lambda-user', sawQuery: 'true', sawHeaders: 'true' } });
  const del = await lambda.models.Vault.delete({ id: vault.id });
  assert.match(del.errors?.[0]?.message ?? '', /Not Authorized to access deleteVault/);
  const refused = generateClient({ authMode: 'lambda', authToken: 'wrong' });
  let error;
  try {
    const res = await refused.models.Vault.list();
    error = res.errors?.[0];
  } catch (e) {
    error = e.errors?.[0] ?? e;
  }
  assert.ok(error, 'a refused token is an error');
  assert.match(String(error.errorType ?? error.message ?? error), /Unauthorized/i);
  const apiKeyRes = await client.models.Vault.list();
  assert.ok(apiKeyRes.errors?.length, 'the API key may not read a custom-only model');
});

// The client closes its socket after an auth refusal and reconnects: refusals come first.
step('realtime, Lambda authorization: a refused token, a model the authorizer\'s caller may not read, and the API key on the custom-only model are refused', async () => {
  const wrong = await refused(generateClient({ authMode: 'lambda', authToken: 'wrong' }).models.Vault.onCreate(), 'the refusal of a refused token');
  assert.match(JSON.stringify(wrong), /UnauthorizedException/, JSON.stringify(wrong));
  await sleep(200);
  const lambda = generateClient({ authMode: 'lambda', authToken: 'letmein' });
  const note = await refused(lambda.models.Note.onCreate({ filter: { content: { eq: `n-${tag}` } } }), 'the refusal of onCreateNote for a Lambda caller');
  assert.match(JSON.stringify(note), /Not Authorized to access onCreateNote/, JSON.stringify(note));
  assert.match(JSON.stringify(note), /Unauthorized/);
  await sleep(200);
  const apiKey = await refused(client.models.Vault.onCreate({ filter: { secret: { eq: `v-${tag}` } } }), 'the refusal of onCreateVault for the API key');
  assert.match(JSON.stringify(apiKey), /Not Authorized to access onCreateVault/, JSON.stringify(apiKey));
  await sleep(200);
});

step('realtime, Lambda authorization: an admitted token receives filtered onCreate events of the custom-only model', async () => {
  const lambda = generateClient({ authMode: 'lambda', authToken: 'letmein' });
  const prefix = `rt-${tag}`;
  const c = await collect(lambda.models.Vault.onCreate({ filter: { secret: { beginsWith: prefix } } }));
  const all = await collect(lambda.models.Vault.onCreate());
  const v1 = ok(await lambda.models.Vault.create({ secret: `${prefix}-one` }));
  const v2 = ok(await lambda.models.Vault.create({ secret: `other-${tag}` }));
  const v3 = ok(await lambda.models.Vault.create({ secret: `${prefix}-two` }));
  await until(() => c.items.length === 2 && all.items.filter((v) => [v1.id, v2.id, v3.id].includes(v.id)).length === 3, 'the filtered events');
  await sleep(300); // nothing more arrives
  assert.deepEqual(c.items.map((v) => [v.id, v.secret]), [[v1.id, `${prefix}-one`], [v3.id, `${prefix}-two`]]);
  for (const s of [c, all]) s.sub.unsubscribe();
  assert.deepEqual([...c.errors, ...all.errors], []);
});

await run();
