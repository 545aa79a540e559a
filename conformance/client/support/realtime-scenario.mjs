// The real aws-amplify v6 client's subscriptions (onCreate/onUpdate/onDelete, filters, owner
// isolation, observeQuery, unsubscribe, reconnect) against a running ampstack sandbox serving
// conformance/projects/realtime, started by ../realtime.test.mjs. Node 20 has no global WebSocket,
// so the `ws` package stands in for it; wss:// trusts the sandbox CA through NODE_EXTRA_CA_CERTS.
// Every record carries a run tag so the scenario also works on a PostgreSQL database shared with
// earlier runs. With AMPSTACK_REALTIME_PEER (another node's GraphQL URL on the same database), it
// only checks cross-node delivery.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import { Amplify } from 'aws-amplify';
import { Hub } from 'aws-amplify/utils';
import { generateClient, CONNECTION_STATE_CHANGE } from 'aws-amplify/data';
import { signUp, confirmSignUp, signIn, signOut } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps } from './steps.mjs';
import { acks, collect, sleep, until } from './subscriptions.mjs';

globalThis.WebSocket ??= WebSocket;

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
let client;

const states = [];
Hub.listen('api', ({ payload }) => {
  if (payload.event === CONNECTION_STATE_CHANGE) states.push(payload.data.connectionState);
});

const ok = (res) => {
  assert.ok(!res.errors || res.errors.length === 0, `unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
};

async function latestCode(to) {
  const res = await fetch(`${outputs.custom.ampstack.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  const msgs = await res.json();
  return msgs[0].code;
}

const password = 'Correct#Horse1';
async function signUpAndIn(name) {
  const email = `${name}.${tag}@example.com`;
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  return email;
}

step('configure the client; the realtime URL is <data url>/realtime over wss', () => {
  configureAmplify(Amplify, outputs);
  client = generateClient();
  assert.match(outputs.data.url, /\/graphql$/);
});

if (process.env.AMPSTACK_REALTIME_PEER) {
  step('a mutation on another node reaches this node\'s subscriber (PostgreSQL LISTEN/NOTIFY)', async () => {
    const batch = `${tag}-peer`;
    const c = await collect(client.models.Message.onCreate({ filter: { batch: { eq: batch } } }));
    for (const text of ['one', 'two', 'three']) {
      const res = await fetch(process.env.AMPSTACK_REALTIME_PEER, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': outputs.data.api_key },
        body: JSON.stringify({
          query: 'mutation ($input: CreateMessageInput!) { createMessage(input: $input) { id text batch } }',
          variables: { input: { text, batch, channel: 'peer' } },
        }),
      });
      const body = await res.json();
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    }
    await until(() => c.items.length === 3, 'three events from the other node');
    assert.deepEqual(c.items.map((m) => m.text), ['one', 'two', 'three'], 'in commit order');
    // An event over PostgreSQL's 8000-byte NOTIFY limit travels by reference.
    const big = 'x'.repeat(20_000);
    const res = await fetch(process.env.AMPSTACK_REALTIME_PEER, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': outputs.data.api_key },
      body: JSON.stringify({ query: 'mutation ($input: CreateMessageInput!) { createMessage(input: $input) { id } }', variables: { input: { text: big, batch } } }),
    });
    assert.equal((await res.json()).errors, undefined);
    await until(() => c.items.length === 4, 'the large event from the other node');
    assert.equal(c.items[3].text, big);
    c.items.pop();
    // And this node's own writes still reach it.
    ok(await client.models.Message.create({ text: 'local', batch, channel: 'peer' }));
    await until(() => c.items.length === 4, 'the local event');
    c.sub.unsubscribe();
  });
} else {
  step('onCreate / onUpdate / onDelete deliver the mutation results (API key)', async () => {
    const batch = `${tag}-crud`;
    const filter = { batch: { eq: batch } };
    const created = await collect(client.models.Message.onCreate({ filter }));
    const updated = await collect(client.models.Message.onUpdate({ filter }));
    const deleted = await collect(client.models.Message.onDelete({ filter }));
    const m = ok(await client.models.Message.create({ channel: 'general', text: 'hello', batch }));
    ok(await client.models.Message.update({ id: m.id, text: 'hello again' }));
    ok(await client.models.Message.delete({ id: m.id }));
    await until(() => created.items.length && updated.items.length && deleted.items.length, 'three events');
    assert.equal(created.items[0].id, m.id);
    assert.equal(created.items[0].text, 'hello');
    assert.equal(created.items[0].createdAt, m.createdAt);
    assert.equal(updated.items[0].text, 'hello again');
    assert.equal(deleted.items[0].id, m.id);
    assert.equal(deleted.items[0].text, 'hello again');
    for (const c of [created, updated, deleted]) c.sub.unsubscribe();
  });

  step('server-side filters: in, notIn, and/or, beginsWith', async () => {
    const batch = `${tag}-filter`;
    const c = await collect(client.models.Message.onCreate({
      filter: {
        and: [{ batch: { eq: batch } }, { or: [{ channel: { in: ['a', 'b'] } }, { text: { beginsWith: 'x' } }] }],
        channel: { notIn: ['b'] },
      },
    }));
    for (const [channel, text] of [['a', 'one'], ['b', 'two'], ['c', 'xyz'], ['c', 'four'], ['a', 'last']]) {
      ok(await client.models.Message.create({ channel, text, batch }));
    }
    await until(() => c.items.some((m) => m.text === 'last'), 'the last matching event');
    assert.deepEqual(c.items.map((m) => m.text), ['one', 'xyz', 'last']);
    c.sub.unsubscribe();
  });

  step('custom subscription (a.subscription().for(...)) with an argument matched against the result', async () => {
    const batch = `${tag}-custom`;
    assert.equal(typeof client.subscriptions.onChannelMessage, 'function');
    const c = await collect(client.subscriptions.onChannelMessage({ channel: `${batch}-news` }));
    const m = ok(await client.models.Message.create({ channel: `${batch}-news`, text: 'first', batch }));
    ok(await client.models.Message.create({ channel: `${batch}-other`, text: 'elsewhere', batch }));
    ok(await client.models.Message.update({ id: m.id, text: 'edited' }));
    await until(() => c.items.length === 2, 'the create and the update on the channel');
    await sleep(200);
    assert.deepEqual(c.items.map((x) => x.text), ['first', 'edited']);
    c.sub.unsubscribe();
  });

  step('custom subscription on a custom mutation (function handler): the docs\' PubSub', async () => {
    const channelName = `${tag}-pubsub`;
    const c = await collect(client.subscriptions.receive({ channelName }));
    const published = ok(await client.mutations.publish({ channelName, content: 'My first message!' }));
    assert.deepEqual(published, { channelName, content: 'My first message!' });
    ok(await client.mutations.publish({ channelName: `${channelName}-other`, content: 'elsewhere' }));
    ok(await client.mutations.publish({ channelName, content: 'second' }));
    await until(() => c.items.length === 2, 'two messages on the channel');
    assert.deepEqual(c.items.map((m) => m.content), ['My first message!', 'second']);
    assert.equal(c.items[0].channelName, channelName);
    c.sub.unsubscribe();
  });

  step('custom subscription whose JS handler sets the filter (extensions.setSubscriptionFilter)', async () => {
    const prefix = `${tag}-wo`;
    const c = await collect(client.subscriptions.receiveByPrefix({ namePrefix: prefix }));
    ok(await client.mutations.publish({ channelName: `${prefix}rld`, content: 'match' }));
    ok(await client.mutations.publish({ channelName: `${tag}-other`, content: 'no match' }));
    ok(await client.mutations.publish({ channelName: `${prefix}rk`, content: 'match too' }));
    await until(() => c.items.length === 2, 'the two posts whose channel starts with the prefix');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(c.items.map((m) => m.content), ['match', 'match too']);
    c.sub.unsubscribe();
  });

  step('identity pool guest (SigV4-signed connection and start) receives what allow.guest() reads', async () => {
    const batch = `${tag}-guest`;
    const guests = generateClient({ authMode: 'identityPool' });
    const c = await collect(guests.models.Message.onCreate({ filter: { batch: { eq: batch } } }));
    const m = ok(await client.models.Message.create({ text: 'for guests', batch }));
    await until(() => c.items.length === 1, 'the event for the guest');
    assert.equal(c.items[0].id, m.id);
    c.sub.unsubscribe();
  });

  step('owner isolation: each user receives only their own records; the API key receives all', async () => {
    const batch = `${tag}-owner`;
    const filter = { batch: { eq: batch } };
    const users = generateClient({ authMode: 'userPool' });
    const everyone = await collect(client.models.Todo.onCreate({ filter }));
    await signUpAndIn('alice');
    const alice = await collect(users.models.Todo.onCreate({ filter }));
    await signOut();
    const bobEmail = await signUpAndIn('bob');
    const bob = await collect(users.models.Todo.onCreate({ filter }));
    const bobs = ok(await users.models.Todo.create({ content: 'bob', secret: 'b-secret', batch }));
    await signOut();
    assert.equal((await signIn({ username: `alice.${tag}@example.com`, password })).isSignedIn, true);
    const alices = ok(await users.models.Todo.create({ content: 'alice', secret: 'a-secret', batch }));
    await until(() => everyone.items.length === 2 && alice.items.length === 1 && bob.items.length === 1, 'one event each, two for the API key');
    await sleep(300); // nothing more arrives
    assert.deepEqual(alice.items.map((t) => t.id), [alices.id]);
    assert.equal(alice.items[0].secret, 'a-secret', 'the owner sees the owner-only field');
    assert.equal(alice.items[0].owner, alices.owner);
    assert.deepEqual(bob.items.map((t) => t.id), [bobs.id]);
    assert.deepEqual(everyone.items.map((t) => t.id), [bobs.id, alices.id]);
    assert.equal(everyone.items[0].secret, null, 'field-level rules redact the owner-only field for the API key');
    assert.ok(bobEmail);
    for (const c of [everyone, alice, bob]) c.sub.unsubscribe();
    await signOut();
  });

  step('group rules: a static group member listens, a user in no group is refused; dynamic groups filter per item', async () => {
    const batch = `${tag}-groups`;
    const filter = { batch: { eq: batch } };
    const users = generateClient({ authMode: 'userPool' });
    // A user in no group has nothing a group rule could grant: refused, as AppSync's resolvers do.
    // (The client closes its socket after an auth refusal and reconnects, so this comes first.)
    await signUpAndIn('dave');
    for (const model of ['EditorNote', 'SharedNote']) {
      const refused = [];
      const before = acks();
      const sub = users.models[model].onCreate({ filter }).subscribe({ next: (v) => refused.push(v), error: (e) => refused.push(e) });
      await until(() => refused.length > 0, `the refusal of a non-member (${model})`);
      assert.equal(acks(), before, 'no start_ack for a non-member');
      assert.match(JSON.stringify(refused[0]), /Not Authorized to access onCreate/);
      sub.unsubscribe();
    }
    await signOut();
    const carol = await signUpAndIn('carol');
    await signOut();
    const added = spawnSync(process.env.AMPSTACK_BIN, ['users', 'add-to-group', '--dir', process.env.AMPSTACK_DIR, carol, 'Editors'], { encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
    assert.equal((await signIn({ username: carol, password })).isSignedIn, true);
    const carolStatic = await collect(users.models.EditorNote.onCreate({ filter }));
    const carolShared = await collect(users.models.SharedNote.onCreate({ filter }));
    ok(await client.models.EditorNote.create({ text: 'for editors', batch }));
    ok(await client.models.SharedNote.create({ text: 'shared with Editors', batch, editors: ['Editors'] }));
    ok(await client.models.SharedNote.create({ text: 'shared with Others', batch, editors: ['Others'] }));
    await until(() => carolStatic.items.length === 1 && carolShared.items.length === 1, 'the group member\'s events');
    await sleep(300); // nothing more arrives
    assert.deepEqual(carolStatic.items.map((n) => n.text), ['for editors']);
    assert.deepEqual(carolShared.items.map((n) => n.text), ['shared with Editors']);
    for (const c of [carolStatic, carolShared]) c.sub.unsubscribe();
    await signOut();
  });

  step('observeQuery syncs the existing records, then follows creates, updates and deletes', async () => {
    const batch = `${tag}-observe`;
    const seeded = [];
    for (const text of ['a', 'b', 'c']) seeded.push(ok(await client.models.Message.create({ text, batch })));
    const snapshots = [];
    const sub = client.models.Message.observeQuery({ filter: { batch: { eq: batch } } }).subscribe({ next: (s) => snapshots.push(s) });
    const last = () => snapshots[snapshots.length - 1];
    await until(() => last()?.isSynced && last().items.length === 3, 'a synced snapshot of three');
    await until(() => acks() >= 3, 'the three subscriptions acknowledged');
    const d = ok(await client.models.Message.create({ text: 'd', batch }));
    await until(() => last().items.length === 4, 'the created record');
    ok(await client.models.Message.update({ id: seeded[0].id, text: 'A' }));
    await until(() => last().items.some((m) => m.text === 'A'), 'the updated record');
    ok(await client.models.Message.delete({ id: d.id }));
    await until(() => last().items.length === 3, 'the deleted record gone');
    assert.deepEqual(last().items.map((m) => m.text).sort(), ['A', 'b', 'c']);
    sub.unsubscribe();
  });

  step('unsubscribe stops delivery', async () => {
    const batch = `${tag}-unsub`;
    const first = await collect(client.models.Message.onCreate({ filter: { batch: { eq: batch } } }));
    ok(await client.models.Message.create({ text: 'one', batch }));
    await until(() => first.items.length === 1, 'the first event');
    first.sub.unsubscribe();
    await sleep(200);
    const second = await collect(client.models.Message.onCreate({ filter: { batch: { eq: batch } } }));
    ok(await client.models.Message.create({ text: 'two', batch }));
    await until(() => second.items.length === 1, 'the second subscription\'s event');
    await sleep(300);
    assert.deepEqual(first.items.map((m) => m.text), ['one']);
    second.sub.unsubscribe();
  });

  step('wire protocol: subprotocol, ack, keep-alive, errors in AppSync\'s shapes, stop, redaction', async () => {
    const realtimeUrl = outputs.data.url.replace(/^https?:/, 'wss:') + '/realtime';
    const host = new URL(outputs.data.url).host;
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const open = (headers, query = '') => new Promise((resolve, reject) => {
      const ws = new WebSocket(realtimeUrl + query, ['graphql-ws', ...(query ? [] : [`header-${b64(headers)}`])]);
      const inbox = [];
      ws.on('message', (d) => inbox.push(JSON.parse(String(d))));
      ws.on('open', () => resolve({ ws, inbox, next: async (type) => {
        await until(() => inbox.some((m) => m.type === type), type, 10_000);
        return inbox.splice(inbox.findIndex((m) => m.type === type), 1)[0];
      } }));
      ws.on('error', reject);
    });
    // Bad credentials: a non-retryable connection_error after connection_init.
    const bad = await open({ host, 'x-api-key': 'da2-wrong' });
    assert.equal(bad.ws.protocol, 'graphql-ws', 'the server selects graphql-ws');
    bad.ws.send(JSON.stringify({ type: 'connection_init' }));
    const cerr = await bad.next('connection_error');
    assert.equal(cerr.payload.errors[0].errorType, 'UnauthorizedException');
    assert.equal(cerr.payload.errors[0].errorCode, 401);
    // The older query-string form of the connection headers.
    const key = { host, 'x-api-key': outputs.data.api_key };
    const qs = await open(null, `?header=${encodeURIComponent(Buffer.from(JSON.stringify(key)).toString('base64'))}&payload=e30=`);
    qs.ws.send(JSON.stringify({ type: 'connection_init' }));
    assert.equal((await qs.next('connection_ack')).payload.connectionTimeoutMs, 300000);
    qs.ws.close();
    const c = await open(key);
    c.ws.send(JSON.stringify({ type: 'connection_init' }));
    assert.equal((await c.next('connection_ack')).payload.connectionTimeoutMs, 300000);
    await c.next('ka');
    const start = (id, query, variables = {}) =>
      c.ws.send(JSON.stringify({ id, type: 'start', payload: { data: JSON.stringify({ query, variables }), extensions: { authorization: key } } }));
    start('q', 'query { listMessages { items { id } } }');
    assert.equal((await c.next('error')).payload.errors[0].errorType, 'UnsupportedOperation');
    start('v', 'subscription { onCreateMessage { nope } }');
    const verr = await c.next('error');
    assert.equal(verr.id, 'v');
    assert.match(verr.payload.errors[0].message, /nope/);
    start('u', 'subscription { onCreateSecret { id } }');
    const uerr = await c.next('error');
    assert.deepEqual(uerr.payload.errors[0].errorType, 'Unauthorized');
    assert.equal(uerr.payload.errors[0].message, 'Not Authorized to access onCreateSecret on type Subscription');
    c.ws.send(JSON.stringify({ id: 'p', type: 'publish' }));
    assert.equal((await c.next('error')).payload.errors[0].errorType, 'UnsupportedOperation');
    const batch = `${tag}-wire`;
    start('s1', 'subscription ($f: ModelSubscriptionTodoListFilterInput) { onCreateTodoList(filter: $f) { id name todos { items { id } } } }', { f: { name: { eq: batch } } });
    assert.equal((await c.next('start_ack')).id, 's1');
    start('s1', 'subscription { onCreateMessage { id } }');
    assert.equal((await c.next('error')).payload.errors[0].errorType, 'DuplicatedOperationError');
    ok(await client.models.TodoList.create({ name: batch }));
    const data = await c.next('data');
    assert.equal(data.id, 's1');
    assert.equal(data.payload.data.onCreateTodoList.name, batch);
    assert.equal(data.payload.data.onCreateTodoList.todos, null, 'relational fields to a model with other rules are redacted');
    c.ws.send(JSON.stringify({ id: 's1', type: 'stop' }));
    assert.equal((await c.next('complete')).id, 's1');
    ok(await client.models.TodoList.create({ name: batch }));
    await sleep(300);
    assert.equal(c.inbox.filter((m) => m.type === 'data').length, 0, 'nothing after stop');
    c.ws.close();
  });

  step('reconnect: after a server restart the client goes Connected → ConnectionDisrupted → Connected and resumes', async () => {
    const batch = `${tag}-restart`;
    const c = await collect(client.models.Message.onCreate({ filter: { batch: { eq: batch } } }));
    ok(await client.models.Message.create({ text: 'before', batch }));
    await until(() => c.items.length === 1, 'the event before the restart');
    const from = states.length;
    await new Promise((resolve) => {
      process.once('message', (m) => m.restarted && resolve());
      process.send({ request: 'restart' });
    });
    await until(() => states.slice(from).includes('ConnectionDisrupted'), 'ConnectionDisrupted', 30_000);
    const disrupted = from + states.slice(from).indexOf('ConnectionDisrupted');
    await until(() => states.slice(disrupted).includes('Connected'), 'Connected again', 45_000);
    ok(await client.models.Message.create({ text: 'after', batch }));
    await until(() => c.items.length === 2, 'the event after the restart', 30_000);
    assert.deepEqual(c.items.map((m) => m.text), ['before', 'after']);
    c.sub.unsubscribe();
  });
}

await run();
