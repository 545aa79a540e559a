// The real aws-amplify v6 Data category (generateClient) against a running ampstack sandbox
// serving conformance/projects/data-models (started by ../data.test.mjs, which passes
// AMPSTACK_OUTPUTS and trusts the sandbox CA for this process). Every record carries a run tag so
// the scenario also works on a PostgreSQL database shared with earlier runs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { signUp, confirmSignUp, signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps } from './steps.mjs';

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
let client;

/** Unwraps a model operation's result, failing on GraphQL errors. */
const ok = (res) => {
  assert.ok(!res.errors || res.errors.length === 0, `unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data;
};
const sortedIds = (items) => items.map((i) => i.id).sort();
const all = (n, f) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

step('configure the client and generate it from the model introspection', () => {
  configureAmplify(Amplify, outputs);
  assert.equal(Amplify.getConfig().API.GraphQL.defaultAuthMode, 'apiKey');
  client = generateClient();
  for (const m of ['Todo', 'Post', 'Comment', 'Author', 'Product', 'StoreBranch', 'Reading', 'PostTag']) {
    assert.equal(typeof client.models[m].create, 'function', m);
  }
});

let todo;
step('create: generated id, defaults, every scalar type, timestamps', async () => {
  todo = ok(await client.models.Todo.create({
    content: 'write tests', score: 1.5, status: 'OPEN', tags: ['a', 'b'], meta: JSON.stringify({ x: [1, 2] }),
    due: '2024-02-29', alarm: '08:30:00', when: '2024-05-01T12:30:00.000Z', stamp: 1700000000,
    email: 'a@example.com', phone: '+1 555-123-4567', site: 'https://example.com', ip: '10.0.0.1',
    address: { street: 'Main', zip: '12345' }, batch: `${tag}-crud`,
  }));
  assert.match(todo.id, /^[0-9a-f-]{36}$/);
  assert.equal(todo.priority, 3, 'default value');
  assert.equal(todo.done, false, 'default value');
  assert.deepEqual(JSON.parse(todo.meta), { x: [1, 2] });
  assert.deepEqual(todo.address, { street: 'Main', zip: '12345', meta: null });
  assert.deepEqual(todo.tags, ['a', 'b']);
  assert.match(todo.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(todo.createdAt, todo.updatedAt);
  assert.ok(Math.abs(Date.parse(todo.createdAt) - Date.now()) < 60_000);
});

step('get, partial update (null removes), list, delete', async () => {
  const got = ok(await client.models.Todo.get({ id: todo.id }));
  assert.equal(got.content, 'write tests');
  assert.equal(got.stamp, 1700000000);
  await new Promise((r) => setTimeout(r, 5));
  const updated = ok(await client.models.Todo.update({ id: todo.id, priority: 9, score: null }));
  assert.equal(updated.priority, 9);
  assert.equal(updated.score, null);
  assert.equal(updated.content, 'write tests', 'untouched fields stay');
  assert.equal(updated.createdAt, todo.createdAt);
  assert.ok(updated.updatedAt > todo.updatedAt, 'updatedAt moves');
  const listed = ok(await client.models.Todo.list({ filter: { batch: { eq: `${tag}-crud` } } }));
  assert.deepEqual(listed.map((t) => t.id), [todo.id]);
  const deleted = ok(await client.models.Todo.delete({ id: todo.id }));
  assert.equal(deleted.id, todo.id);
  assert.equal(deleted.priority, 9);
  assert.equal(ok(await client.models.Todo.get({ id: todo.id })), null);
});

step('a client-chosen id; a duplicate create fails', async () => {
  const id = `${tag}-mine`;
  ok(await client.models.Todo.create({ id, content: 'x' }));
  const dup = await client.models.Todo.create({ id, content: 'y' });
  assert.equal(dup.data, null);
  assert.equal(dup.errors[0].errorType, 'DynamoDB:ConditionalCheckFailedException');
});

step('wrongly typed fields are refused', async () => {
  for (const input of [
    { content: 'x', priority: 'high' }, { content: 'x', due: '2023-02-30' }, { content: 'x', email: 'nope' },
    { content: 'x', meta: '{bad json' }, { content: 'x', status: 'LATER' }, { content: 'x', when: 'yesterday' },
    { content: 'x', ip: '999.0.0.1' }, { content: 'x', site: 'no scheme' }, { content: 'x', nope: 1 },
    { priority: 1 },
  ]) {
    const res = await client.models.Todo.create(input);
    assert.equal(res.data, null, JSON.stringify(input));
    assert.equal(res.errors?.[0]?.errorType, 'ValidationError', `${JSON.stringify(input)} → ${JSON.stringify(res.errors)}`);
  }
});

step('every filter operator and and/or/not', async () => {
  const b = `${tag}-f`;
  const rows = [
    { id: `${tag}-f1`, content: 'alpha', priority: 1, score: 0.5, done: true, status: 'OPEN', tags: ['red', 'blue'] },
    { id: `${tag}-f2`, content: 'beta', priority: 2, score: 1.5, done: false, status: 'DONE', tags: ['red'] },
    { id: `${tag}-f3`, content: 'alphabet', priority: 3, tags: [] },
    { id: `${tag}-f4`, content: 'gamma', priority: 4, score: 9, status: 'OPEN' },
  ];
  for (const r of rows) ok(await client.models.Todo.create({ ...r, batch: b }));
  const t = (n) => `${tag}-f${n}`;
  const cases = [
    [{ content: { eq: 'beta' } }, [2]], [{ content: { ne: 'beta' } }, [1, 3, 4]],
    [{ priority: { le: 2 } }, [1, 2]], [{ priority: { lt: 2 } }, [1]], [{ priority: { ge: 3 } }, [3, 4]], [{ priority: { gt: 3 } }, [4]],
    [{ priority: { between: [2, 3] } }, [2, 3]], [{ content: { beginsWith: 'alpha' } }, [1, 3]],
    [{ content: { contains: 'ph' } }, [1, 3]], [{ content: { notContains: 'ph' } }, [2, 4]],
    [{ tags: { contains: 'blue' } }, [1]], [{ score: { attributeExists: false } }, [3]],
    [{ tags: { attributeType: 'list' } }, [1, 2, 3]], [{ content: { size: { gt: 5 } } }, [3]],
    [{ done: { eq: true } }, [1]], [{ status: { eq: 'OPEN' } }, [1, 4]],
    [{ or: [{ priority: { eq: 1 } }, { content: { eq: 'gamma' } }] }, [1, 4]],
    [{ and: [{ done: { eq: false } }, { priority: { gt: 1 } }] }, [2, 3, 4]],
    [{ not: { content: { beginsWith: 'alpha' } } }, [2, 4]],
  ];
  for (const [filter, want] of cases) {
    const data = ok(await client.models.Todo.list({ filter: { and: [{ batch: { eq: b } }, filter] } }));
    assert.deepEqual(sortedIds(data), want.map(t).sort(), JSON.stringify(filter));
  }
});

step('pagination through 250 matching items in pages of 25, with a filter', async () => {
  const b = `${tag}-page`;
  // 300 items, of which 250 match (`done` false); limit counts matches, so every page is full.
  for (let chunk = 0; chunk < 300; chunk += 50) {
    await all(50, (i) => client.models.Todo.create({ id: `${tag}-p${String(chunk + i).padStart(3, '0')}`, content: 'p', batch: b, done: (chunk + i) % 6 === 5 }).then(ok));
  }
  const seen = new Set();
  let nextToken = null;
  let pages = 0;
  do {
    const res = await client.models.Todo.list({ filter: { batch: { eq: b }, done: { eq: false } }, limit: 25, nextToken });
    const items = ok(res);
    pages += 1;
    if (res.nextToken) assert.equal(items.length, 25, `page ${pages} is full`);
    for (const i of items) {
      assert.equal(i.done, false);
      assert.ok(!seen.has(i.id), `duplicate ${i.id}`);
      seen.add(i.id);
    }
    nextToken = res.nextToken;
  } while (nextToken);
  assert.equal(seen.size, 250);
  assert.equal(pages, 10);
  const bad = await client.models.Todo.list({ filter: { batch: { eq: b } }, nextToken: 'not-a-token' });
  assert.equal(bad.errors[0].errorType, 'InvalidNextTokenException');
});

step('index query field with key conditions', async () => {
  const b = `${tag}-ix`;
  for (const p of [5, 1, 3, 2]) ok(await client.models.Todo.create({ id: `${tag}-ix${p}`, content: 'i', batch: b, priority: p }));
  const ids = (data) => data.map((t) => t.priority);
  assert.deepEqual(ids(ok(await client.models.Todo.todosByBatch({ batch: b }))), [1, 2, 3, 5]);
  assert.deepEqual(ids(ok(await client.models.Todo.todosByBatch({ batch: b }, { sortDirection: 'DESC' }))), [5, 3, 2, 1]);
  assert.deepEqual(ids(ok(await client.models.Todo.todosByBatch({ batch: b, priority: { ge: 2 } }))), [2, 3, 5]);
  assert.deepEqual(ids(ok(await client.models.Todo.todosByBatch({ batch: b, priority: { between: [2, 3] } }))), [2, 3]);
  const page = await client.models.Todo.todosByBatch({ batch: b }, { limit: 3 });
  assert.deepEqual(ids(ok(page)), [1, 2, 3]);
  assert.deepEqual(ids(ok(await client.models.Todo.todosByBatch({ batch: b }, { limit: 3, nextToken: page.nextToken }))), [5]);
});

step('custom and composite identifiers, numeric sort keys', async () => {
  const sku = `${tag}-sku`;
  ok(await client.models.Product.create({ sku, name: 'pen' }));
  assert.equal(ok(await client.models.Product.get({ sku })).name, 'pen');
  assert.equal(ok(await client.models.Product.update({ sku, name: 'pencil' })).name, 'pencil');
  assert.equal(ok(await client.models.Product.delete({ sku })).sku, sku);
  const geoId = `${tag}-geo`;
  for (const name of ['b', 'a', 'ab', 'c']) ok(await client.models.StoreBranch.create({ geoId, name, city: `city-${name}` }));
  assert.equal(ok(await client.models.StoreBranch.get({ geoId, name: 'ab' })).city, 'city-ab');
  const names = (d) => d.map((s) => s.name);
  assert.deepEqual(names(ok(await client.models.StoreBranch.list({ geoId }))), ['a', 'ab', 'b', 'c']);
  assert.deepEqual(names(ok(await client.models.StoreBranch.list({ geoId, sortDirection: 'DESC' }))), ['c', 'b', 'ab', 'a']);
  assert.deepEqual(names(ok(await client.models.StoreBranch.list({ geoId, name: { beginsWith: 'a' } }))), ['a', 'ab']);
  ok(await client.models.StoreBranch.delete({ geoId, name: 'a' }));
  assert.deepEqual(names(ok(await client.models.StoreBranch.list({ geoId }))), ['ab', 'b', 'c']);
  const sensor = `${tag}-s`;
  for (const at of [100, 2, 10, 55]) ok(await client.models.Reading.create({ sensor, at, value: at / 10 }));
  assert.deepEqual(ok(await client.models.Reading.list({ sensor, at: { gt: 5 } })).map((r) => r.at), [10, 55, 100]);
  assert.equal(ok(await client.models.Reading.get({ sensor, at: 55 })).value, 5.5);
});

step('relationships: selection sets across hasMany, hasOne, belongsTo, many-to-many; lazy loading', async () => {
  const author = ok(await client.models.Author.create({ name: `Ann ${tag}` }));
  const tagA = ok(await client.models.Tag.create({ name: `red ${tag}` }));
  const posts = [];
  for (let p = 0; p < 3; p++) {
    const post = ok(await client.models.Post.create({ title: `${tag} post ${p}`, authorId: author.id }));
    posts.push(post);
    for (let c = 0; c < 2; c++) ok(await client.models.Comment.create({ body: `c${c}`, postId: post.id }));
    ok(await client.models.PostDetails.create({ views: p * 10, postId: post.id }));
    ok(await client.models.PostTag.create({ postId: post.id, tagId: tagA.id }));
  }
  const listed = ok(await client.models.Post.list({
    filter: { title: { beginsWith: tag } },
    selectionSet: ['id', 'title', 'author.name', 'comments.*', 'details.views', 'tags.tag.name'],
  }));
  assert.equal(listed.length, 3);
  for (const p of listed) {
    assert.equal(p.author.name, `Ann ${tag}`);
    assert.deepEqual(p.comments.map((c) => c.body).sort(), ['c0', 'c1']);
    assert.ok(p.comments.every((c) => c.postId === p.id && c.createdAt));
    assert.equal(typeof p.details.views, 'number');
    assert.deepEqual(p.tags.map((t) => t.tag.name), [`red ${tag}`]);
  }
  // Lazy loading: each relationship fetched on demand through the model API.
  const post = ok(await client.models.Post.get({ id: posts[1].id }));
  assert.equal(ok(await post.author()).name, `Ann ${tag}`);
  assert.deepEqual(ok(await post.comments()).map((c) => c.body).sort(), ['c0', 'c1']);
  assert.equal(ok(await post.details()).views, 10);
  const joins = ok(await post.tags());
  assert.equal(ok(await joins[0].tag()).name, `red ${tag}`);
  const byAuthor = ok(await author.posts());
  assert.equal(byAuthor.length, 3);
  const tagPosts = ok(await tagA.posts());
  assert.deepEqual((await Promise.all(tagPosts.map(async (j) => ok(await j.post()).title))).sort(), posts.map((p) => p.title).sort());
});

step('authorization: API key reads where allowed, is denied elsewhere', async () => {
  const res = await client.models.Note.create({ text: 'x' });
  assert.equal(res.data, null);
  assert.equal(res.errors[0].errorType, 'Unauthorized');
  assert.equal(res.errors[0].message, 'Not Authorized to access createNote on type Mutation');
  assert.deepEqual(ok(await client.models.Note.list({ filter: { text: { eq: tag } } })), []);
  const drafts = await client.models.Draft.list();
  assert.equal(drafts.errors[0].errorType, 'Unauthorized');
  // A wrong key is AppSync's 401, which the client reports as Unauthorized.
  const wrong = generateClient({ authMode: 'apiKey', headers: { 'x-api-key': 'da2-wrong' } });
  const denied = await wrong.models.Todo.list();
  assert.equal(denied.errors?.[0]?.message, 'Unauthorized', JSON.stringify(denied.errors));
});

async function latestCode(to) {
  const res = await fetch(`${outputs.custom.ampstack.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(res.status, 200);
  const msgs = await res.json();
  assert.ok(msgs.length > 0, `no message in the outbox for ${to}`);
  return msgs[0].code;
}

async function signedInUser(name) {
  const email = `${name}.${tag}@example.com`;
  const password = 'Correct#Horse1';
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  const r = await signIn({ username: email, password });
  assert.equal(r.isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  return { owner: `${tokens.accessToken.payload.sub}::${tokens.accessToken.payload.username}` };
}

step('user pool: owner fields filled as sub::username, lists filtered, field rules, others denied', async () => {
  const alice = await signedInUser('alice');
  const users = generateClient({ authMode: 'userPool' });
  const note = ok(await users.models.Note.create({ text: tag, secret: 's' }));
  assert.equal(note.owner, alice.owner);
  assert.equal(ok(await users.models.Note.get({ id: note.id })).secret, 's');
  assert.deepEqual(ok(await users.models.Note.list({ filter: { text: { eq: tag } } })).map((n) => n.id), [note.id]);
  // The API key reads the note (publicApiKey read) but not its owner-only field.
  const viaKey = await client.models.Note.get({ id: note.id }, { selectionSet: ['id', 'text', 'secret'] });
  assert.equal(viaKey.errors?.[0]?.message, 'Not Authorized to access secret on type Note');
  ok(await users.models.Memo.create({ id: `${tag}-memo`, text: 'for everyone' }));
  ok(await users.models.Draft.create({ id: `${tag}-draft`, text: 'mine' }));
  await signOut();
  await signedInUser('bob');
  assert.deepEqual(ok(await users.models.Note.list({ filter: { text: { eq: tag } } })), [], 'filtered, not failed');
  const denied = await users.models.Note.update({ id: note.id, text: 'hacked' });
  assert.equal(denied.errors?.[0]?.errorType, 'Unauthorized');
  assert.equal(ok(await users.models.Memo.get({ id: `${tag}-memo` })).text, 'for everyone');
  assert.equal((await users.models.Memo.update({ id: `${tag}-memo`, text: 'no' })).errors?.[0]?.errorType, 'Unauthorized');
  const other = await users.models.Draft.get({ id: `${tag}-draft` });
  assert.equal(other.data, null);
  assert.equal(other.errors?.[0]?.message, 'Not Authorized to access getDraft on type Query');
  await signOut();
});

step('identity pool guest (SigV4): allow.guest() reads, nothing else', async () => {
  const guests = generateClient({ authMode: 'identityPool' });
  assert.equal(ok(await guests.models.Memo.get({ id: `${tag}-memo` })).text, 'for everyone');
  const res = await guests.models.Memo.create({ text: 'guest' });
  assert.equal(res.errors?.[0]?.errorType, 'Unauthorized', JSON.stringify(res.errors));
  assert.equal((await guests.models.Todo.list()).errors?.[0]?.errorType, 'Unauthorized');
});

await run();
