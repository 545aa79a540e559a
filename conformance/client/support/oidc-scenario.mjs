// OIDC authorization through the real generateClient({ authMode: 'oidc' }): tokens signed by the
// test's issuer (../oidc.test.mjs), handed to the client by a token provider in Amplify.configure.
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
const issuer = process.env.OIDC_ISSUER;
const tag = crypto.randomBytes(4).toString('hex');
const b64url = (b) => Buffer.from(b).toString('base64url');

let signingKey = { kid: process.env.OIDC_KID, pem: process.env.OIDC_KEY };
function sign(claims, key = signingKey) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: issuer, aud: 'ampstack-test-client', iat: now, auth_time: now, exp: now + 600, ...claims };
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(crypto.sign('RSA-SHA256', Buffer.from(input), key.pem))}`;
}
const user = (name, extra = {}) => sign({ sub: `sub-${name}-${tag}`, user_id: `${name}-${tag}`, ...extra });

// The token the client sends next (the token provider reads it on every request).
let current = null;
const tokenProvider = {
  async getTokens() {
    if (!current) return null;
    const payload = JSON.parse(Buffer.from(current.split('.')[1], 'base64url').toString());
    return { accessToken: { payload, toString: () => current } };
  },
};
const as = (token) => { current = token; };
const ok = (res) => {
  assert.ok(!res.errors || res.errors.length === 0, `unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
};
let client;
let todo;

// Realtime: the client's subscriptions read the OIDC token from the same provider, per
// connection and per start message, so `as(...)` before subscribing picks the subscriber.

step('configure with a token provider; the outputs list OPENID_CONNECT', () => {
  configureAmplify(Amplify, outputs, { Auth: { tokenProvider } });
  assert.equal(outputs.data.default_authorization_type, 'OPENID_CONNECT');
  client = generateClient({ authMode: 'oidc' });
});

step('owner rule: the owner field is filled from the identity claim (user_id)', async () => {
  as(user('alice'));
  todo = ok(await client.models.Todo.create({ content: `todo ${tag}` }));
  assert.equal(todo.owner, `alice-${tag}`);
  assert.equal(ok(await client.models.Todo.update({ id: todo.id, content: `edited ${tag}` })).content, `edited ${tag}`);
});

step('authenticated rule: another user reads but cannot update or delete', async () => {
  as(user('bob'));
  assert.equal(ok(await client.models.Todo.get({ id: todo.id })).content, `edited ${tag}`);
  assert.deepEqual(ok(await client.models.Todo.list({ filter: { content: { eq: `edited ${tag}` } } })).map((t) => t.id), [todo.id]);
  const upd = await client.models.Todo.update({ id: todo.id, content: 'hijack' });
  assert.equal(upd.errors?.[0]?.errorType, 'Unauthorized', JSON.stringify(upd.errors));
  const del = await client.models.Todo.delete({ id: todo.id });
  assert.equal(del.errors?.[0]?.errorType, 'Unauthorized');
});

step('group rule with a custom group claim (user_groups)', async () => {
  as(user('carol', { user_groups: ['Editors'] }));
  assert.equal(ok(await client.models.Todo.update({ id: todo.id, content: `by editor ${tag}` })).content, `by editor ${tag}`);
});

step('custom operation over OIDC: ctx.identity and util.authType()', async () => {
  as(user('dave'));
  assert.deepEqual(ok(await client.queries.motto()), { text: 'Stay local', caller: `Open ID Connect Authorization:sub-dave-${tag}:dave-${tag}` });
});

// The client closes its socket after an auth refusal and reconnects: refusals come first.
step('realtime over OIDC: an expired token is refused at connect; a non-Editor is refused on a group-only model', async () => {
  const now = Math.floor(Date.now() / 1000);
  as(user('erin', { exp: now - 10 }));
  const expired = await refused(client.models.Todo.onCreate(), 'the refusal of an expired token');
  assert.match(JSON.stringify(expired), /UnauthorizedException/, JSON.stringify(expired));
  await sleep(200);
  as(user('erin'));
  const nonMember = await refused(client.models.Board.onCreate({ filter: { batch: { eq: tag } } }), 'the refusal of a non-Editor');
  assert.match(JSON.stringify(nonMember), /Not Authorized to access onCreateBoard/, JSON.stringify(nonMember));
  assert.match(JSON.stringify(nonMember), /Unauthorized/);
  await sleep(200);
});

step('realtime over OIDC: filtered onCreate for an authenticated reader, owner isolation, a group member', async () => {
  const batch = `rt-${tag}`;
  as(user('bob'));
  const bobTodos = await collect(client.models.Todo.onCreate({ filter: { content: { beginsWith: batch } } }));
  const bobDiary = await collect(client.models.Diary.onCreate({ filter: { batch: { eq: batch } } }));
  as(user('alice'));
  const aliceDiary = await collect(client.models.Diary.onCreate({ filter: { batch: { eq: batch } } }));
  as(user('carol', { user_groups: ['Editors'] }));
  const carolBoard = await collect(client.models.Board.onCreate({ filter: { batch: { eq: batch } } }));

  as(user('alice'));
  const t1 = ok(await client.models.Todo.create({ content: `${batch} one` }));
  ok(await client.models.Todo.create({ content: `other ${batch}` }));
  const aliceNote = ok(await client.models.Diary.create({ text: 'alice diary', batch }));
  ok(await client.models.Diary.create({ text: 'alice elsewhere', batch: `${batch}-x` }));
  as(user('bob'));
  const bobNote = ok(await client.models.Diary.create({ text: 'bob diary', batch }));
  as(user('carol', { user_groups: ['Editors'] }));
  const board = ok(await client.models.Board.create({ text: 'for editors', batch }));
  ok(await client.models.Board.create({ text: 'elsewhere', batch: `${batch}-x` }));

  await until(() => bobTodos.items.length === 1 && bobDiary.items.length === 1 && aliceDiary.items.length === 1 && carolBoard.items.length === 1,
    'one event for each subscriber');
  await sleep(300); // nothing more arrives
  assert.deepEqual(bobTodos.items.map((t) => [t.id, t.content, t.owner]), [[t1.id, `${batch} one`, `alice-${tag}`]], 'the authenticated rule reads alice\'s todo; the filter drops the other');
  assert.deepEqual(aliceDiary.items.map((d) => d.id), [aliceNote.id], 'alice hears only her own diary');
  assert.equal(aliceDiary.items[0].owner, `alice-${tag}`);
  assert.deepEqual(bobDiary.items.map((d) => d.id), [bobNote.id], 'bob hears only his own diary');
  assert.deepEqual(carolBoard.items.map((b) => b.id), [board.id]);
  for (const c of [bobTodos, bobDiary, aliceDiary, carolBoard]) c.sub.unsubscribe();
  assert.deepEqual([...bobTodos.errors, ...bobDiary.errors, ...aliceDiary.errors, ...carolBoard.errors], []);
  as(user('alice'));
  ok(await client.models.Todo.delete({ id: t1.id }));
});

step('expired, wrong-audience, too-old and forged tokens are refused (401 → Unauthorized)', async () => {
  const now = Math.floor(Date.now() / 1000);
  const bad = {
    expired: user('erin', { exp: now - 10 }),
    audience: user('erin', { aud: 'someone-else' }),
    tooOld: user('erin', { iat: now - 7200, auth_time: now - 7200 }),
    forged: (() => { const t = user('erin'); return `${t.slice(0, t.lastIndexOf('.'))}.${b64url(crypto.randomBytes(256))}`; })(),
    otherKey: sign({ sub: 'x', user_id: 'x' }, { kid: signingKey.kid, pem: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) }),
  };
  for (const [name, token] of Object.entries(bad)) {
    as(token);
    const res = await client.models.Todo.list();
    assert.equal(res.errors?.[0]?.message, 'Unauthorized', `${name}: ${JSON.stringify(res.errors)}`);
  }
});

step('key rotation: a token signed with a new key is accepted after the JWKS is fetched again', async () => {
  const rotated = await (await fetch(`${issuer}/rotate`)).json();
  signingKey = rotated;
  as(user('alice'));
  assert.equal(ok(await client.models.Todo.get({ id: todo.id })).owner, `alice-${tag}`);
  assert.equal(ok(await client.models.Todo.delete({ id: todo.id })).id, todo.id);
});

await run();
