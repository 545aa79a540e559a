// Custom operations (AppSync JS resolvers) through the real generateClient against a running
// ampstack sandbox serving conformance/projects/data-custom (started by ../custom.test.mjs).
// Records carry a run tag so the scenario works on a PostgreSQL database shared with earlier runs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { signUp, confirmSignUp, signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps } from './steps.mjs';

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
let client;

const ok = (res) => {
  assert.ok(!res.errors || res.errors.length === 0, `unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
};

step('configure; custom operations appear on client.queries / client.mutations', () => {
  configureAmplify(Amplify, outputs);
  client = generateClient();
  for (const q of ['echo', 'getPostById', 'postsInCategory', 'countPosts', 'pipeline', 'fail', 'whoami']) {
    assert.equal(typeof client.queries[q], 'function', q);
  }
  for (const m of ['publish', 'addPost', 'upvotePost', 'removePost', 'addExternalPost']) assert.equal(typeof client.mutations[m], 'function', m);
});

step('NONE data source: the seeds\' echo query and publish mutation', async () => {
  assert.deepEqual(ok(await client.queries.echo({ content: 'hello world!!!' })), {
    content: 'Echoing content: hello world!!!', executionDuration: 0,
  });
  assert.deepEqual(ok(await client.mutations.publish({ channelName: 'world', content: 'My first message!' })), {
    channelName: 'world', content: 'My first message!',
  });
});

let post;
step('model data source: PutItem with a condition, GetItem, records visible to the model API', async () => {
  post = ok(await client.mutations.addPost({ title: `Hello ${tag}`, category: tag, tags: ['a'] }));
  assert.match(post.id, /^[0-9a-f-]{36}$/, 'util.autoId()');
  assert.equal(post.ups, 1);
  assert.deepEqual(post.tags, ['a']);
  const again = await client.mutations.addPost({ id: post.id, title: 'dup' });
  assert.equal(again.data, null);
  assert.equal(again.errors[0].errorType, 'DynamoDB:ConditionalCheckFailedException');
  assert.equal(ok(await client.queries.getPostById({ id: post.id })).title, `Hello ${tag}`);
  assert.equal(ok(await client.models.Post.get({ id: post.id })).title, `Hello ${tag}`, 'same table as the model');
  assert.equal(ok(await client.queries.getPostById({ id: `${tag}-missing` })), null);
});

step('model data source: UpdateItem increments and appends, conditions fail in AppSync\'s shape', async () => {
  const up = ok(await client.mutations.upvotePost({ id: post.id, by: 2, tag: 'b' }));
  assert.equal(up.ups, 3);
  assert.deepEqual(up.tags, ['a', 'b']);
  // Concurrent increments are not lost (optimistic read-modify-write).
  await Promise.all(Array.from({ length: 5 }, () => client.mutations.upvotePost({ id: post.id })));
  assert.equal(ok(await client.models.Post.get({ id: post.id })).ups, 8);
  const missing = await client.mutations.upvotePost({ id: `${tag}-missing` });
  assert.equal(missing.errors[0].errorType, 'DynamoDB:ConditionalCheckFailedException');
});

step('model data source: Query on an index with key condition, filter and order; Scan', async () => {
  for (const [t, extra] of [['Help', 0], ['Other', 0], ['Helm', 5]]) {
    const p = ok(await client.mutations.addPost({ title: `${t} ${tag}`, category: tag }));
    if (extra) ok(await client.mutations.upvotePost({ id: p.id, by: extra }));
  }
  const he = ok(await client.queries.postsInCategory({ category: tag, titlePrefix: 'He' }));
  assert.deepEqual(he.map((p) => p.title), [`Helm ${tag}`, `Hello ${tag}`, `Help ${tag}`].sort().reverse());
  const popular = ok(await client.queries.postsInCategory({ category: tag, titlePrefix: 'He', minUps: 5 }));
  assert.deepEqual(popular.map((p) => p.title).sort(), [`Helm ${tag}`, `Hello ${tag}`].sort());
  assert.equal(ok(await client.queries.postsInCategory({ category: tag, limit: 2 })).length, 2);
  assert.equal(ok(await client.queries.countPosts({ category: tag })), 4);
});

step('model data source: DeleteItem with a condition returns the deleted item', async () => {
  const refused = await client.mutations.removePost({ id: post.id, expectedTitle: 'not the title' });
  assert.equal(refused.errors[0].errorType, 'DynamoDB:ConditionalCheckFailedException');
  const removed = ok(await client.mutations.removePost({ id: post.id, expectedTitle: `Hello ${tag}` }));
  assert.equal(removed.id, post.id);
  assert.equal(ok(await client.models.Post.get({ id: post.id })), null);
});

step('external DynamoDB table (backend.data.addDynamoDbDataSource): the seeds\' addPost', async () => {
  const added = ok(await client.mutations.addExternalPost({ title: 'My Post', author: `Chris ${tag}` }));
  assert.match(added.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual({ ...added, id: undefined }, { id: undefined, author: `Chris ${tag}`, title: 'My Post', ups: 1, version: 1 });
  assert.deepEqual(ok(await client.queries.getExternalPost({ id: added.id })), added);
  const chosen = ok(await client.mutations.addExternalPost({ id: `${tag}-ext`, author: 'Ann' }));
  assert.equal(chosen.id, `${tag}-ext`);
  const batch = ok(await client.queries.getExternalPosts({ ids: [added.id, `${tag}-missing`, chosen.id] }));
  assert.deepEqual(batch.map((p) => p.author).sort(), ['Ann', `Chris ${tag}`], 'BatchGetItem skips missing keys');
});

step('pipeline of three handlers: ctx.prev.result, stash, runtime.earlyReturn', async () => {
  assert.equal(ok(await client.queries.pipeline({ n: 5 })), '11 via double>cap>cap-response>describe api=yes');
  assert.equal(ok(await client.queries.pipeline({ n: 500 })), '100 (capped) via double>cap>describe api=yes');
});

step('util.error, util.appendError and runtime errors in AppSync\'s error shape', async () => {
  const req = await client.queries.fail({ mode: 'request' });
  assert.equal(req.data, null);
  assert.equal(req.errors.length, 1);
  const e = req.errors[0];
  assert.equal(e.errorType, 'MyRequestError');
  assert.equal(e.message, 'Refused in request');
  assert.deepEqual(e.data, { hint: 'data' });
  assert.deepEqual(e.errorInfo, { reason: 'test' });
  assert.deepEqual(e.path, ['fail']);
  const res = await client.queries.fail({ mode: 'response' });
  assert.equal(res.errors[0].errorType, 'MyResponseError');
  const partial = await client.queries.fail({ mode: 'append' });
  assert.equal(partial.data, 'partial result');
  assert.equal(partial.errors[0].errorType, 'PartialError');
  const crash = await client.queries.fail({ mode: 'crash' });
  assert.equal(crash.errors[0].errorType, 'Code');
  assert.match(crash.errors[0].message, /TypeError/);
});

async function latestCode(to) {
  const res = await fetch(`${outputs.custom.ampstack.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  const msgs = await res.json();
  assert.ok(msgs.length > 0, `no message in the outbox for ${to}`);
  return msgs[0].code;
}

step('authorization of custom operations: allow.authenticated() refuses the API key, serves a user with ctx.identity', async () => {
  const denied = await client.queries.whoami();
  assert.equal(denied.errors[0].errorType, 'Unauthorized');
  assert.equal(denied.errors[0].message, 'Not Authorized to access whoami on type Query');
  const email = `carol.${tag}@example.com`;
  const password = 'Correct#Horse1';
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  const me = ok(await generateClient({ authMode: 'userPool' }).queries.whoami());
  assert.equal(me, `User Pool Authorization|true|${tokens.accessToken.payload.username}`);
  await signOut();
});

step('editing a resolver file takes effect on the next call (compiled once per version)', async () => {
  const file = path.join(process.env.AMPSTACK_DIR, 'amplify/data/echo-handler.js');
  const src = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, src.replace('Echoing content:', 'Echo v2:'));
  const later = Date.now() + 2000;
  fs.utimesSync(file, later / 1000, later / 1000);
  assert.equal(ok(await client.queries.echo({ content: 'x' })).content, 'Echo v2: x');
});

await run();
