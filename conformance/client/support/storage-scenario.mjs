// The real aws-amplify v6 Storage category through clients/js/ampstack-amplify.mjs against a
// running ampstack sandbox serving conformance/projects/storage-buckets (started by
// ../storage.test.mjs): guest, user A, user B and a group member against the seeds' rules on two
// buckets, and the seed's files-and-records flow. Paths carry a run tag so reruns on a shared
// PostgreSQL database do not collide.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Amplify } from 'aws-amplify';
import { signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { uploadData, downloadData, getUrl, list, getProperties, remove, copy } from 'aws-amplify/storage';
import { generateClient } from 'aws-amplify/data';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

// Node 20 has no FileReader, which the client's multipart upload uses to hash parts (a browser
// has one); this minimal stand-in reads through Blob.arrayBuffer().
globalThis.FileReader ??= class FileReader {
  readAsArrayBuffer(blob) {
    blob.arrayBuffer().then((b) => { this.result = b; this.onload?.(); }, (e) => { this.error = e; this.onerror?.(); });
  }
};

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Passw0rd!long';
const users = { a: `a-${tag}@example.com`, b: `b-${tag}@example.com`, editor: `e-${tag}@example.com` };
const ids = {};
const MiB = 1024 * 1024;

function ampstack(...args) {
  const [cmd, sub, ...rest] = args;
  const r = spawnSync(process.env.AMPSTACK_BIN, [cmd, sub, '--dir', process.env.AMPSTACK_DIR, ...rest], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ampstack ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function as(who) {
  await signOut();
  if (who !== 'guest') {
    const r = await signIn({ username: users[who], password });
    assert.equal(r.isSignedIn, true);
  }
  const s = await fetchAuthSession();
  ids[who] = s.identityId;
  return s.identityId;
}

const bytes = (n, seed = 1) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};
const buf = async (p) => new Uint8Array(await (await (await downloadData(p).result).body.blob()).arrayBuffer());
const text = async (p) => (await (await downloadData(p).result).body.text());
const denied = async (promise) => {
  const e = await rejects(promise);
  assert.equal(e.name, 'AccessDenied', `expected AccessDenied, got ${e.name}: ${e.message}`);
};

step('configure: storage requests go to the sandbox', () => {
  configureAmplify(Amplify, outputs);
  const cfg = Amplify.getConfig().Storage.S3;
  assert.equal(cfg.bucket, outputs.storage.bucket_name);
  assert.deepEqual(Object.keys(cfg.buckets).sort(), ['archive', 'mediaFiles']);
  for (const u of Object.values(users)) ampstack('users', 'create', u, '--password', password);
  ampstack('users', 'add-to-group', users.editor, 'EDITORS');
});

step('guest: upload, read and list picture submissions; everything else denied', async () => {
  await as('guest');
  const path = `picture-submissions/${tag}/guest.txt`;
  const up = await uploadData({ path, data: 'from a guest', options: { contentType: 'text/plain' } }).result;
  assert.equal(up.path, path);
  assert.equal(up.size, 12);
  assert.match(up.eTag, /^"[0-9a-f]{32}"$/);
  assert.equal(await text({ path }), 'from a guest');
  const l = await list({ path: `picture-submissions/${tag}/` });
  assert.deepEqual(l.items.map((i) => i.path), [path]);
  await denied(uploadData({ path: `images/${tag}-x.txt`, data: 'x' }).result);
  await denied(downloadData({ path: `images/${tag}-x.txt` }).result);
  await denied(list({ path: 'images/' }));
  await denied(remove({ path }));
  await denied(uploadData({ path: `team/${tag}.txt`, data: 'x' }).result);
});

step('user A: own profile picture with metadata, getProperties, bytesRange', async () => {
  const id = await as('a');
  const path = `profile-pictures/${id}/${tag}-me.png`;
  await uploadData({
    path,
    data: bytes(1000),
    options: { contentType: 'image/png', metadata: { album: 'Summer', camera: 'x100' }, contentDisposition: { type: 'inline', filename: 'me.png' }, cacheControl: 'max-age=60' },
  }).result;
  const props = await getProperties({ path });
  assert.equal(props.size, 1000);
  assert.equal(props.contentType, 'image/png');
  assert.deepEqual(props.metadata, { album: 'Summer', camera: 'x100' });
  assert.match(props.eTag, /^"[0-9a-f]{32}"$/);
  assert.ok(props.lastModified instanceof Date);
  const part = await buf({ path, options: { bytesRange: { start: 10, end: 19 } } });
  assert.deepEqual(part, bytes(1000).slice(10, 20));
  // The function form of path gets the identity id.
  const viaFn = await getProperties({ path: ({ identityId }) => `profile-pictures/${identityId}/${tag}-me.png` });
  assert.equal(viaFn.size, 1000);
});

step('getUrl: fetch works, validateObjectExistence, refused after expiry', async () => {
  const path = `profile-pictures/${ids.a}/${tag}-me.png`;
  const { url, expiresAt } = await getUrl({ path, options: { expiresIn: 2, validateObjectExistence: true } });
  assert.ok(expiresAt.getTime() - Date.now() <= 2000);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes(1000));
  const missing = await rejects(getUrl({ path: `profile-pictures/${ids.a}/${tag}-none`, options: { validateObjectExistence: true } }));
  assert.equal(missing.name, 'NotFound');
  await new Promise((r) => setTimeout(r, 3000));
  const late = await fetch(url);
  assert.equal(late.status, 403);
  assert.match(await late.text(), /<Code>AccessDenied<\/Code>.*expired/);
});

step('list: pageSize + nextToken, listAll, subpathStrategy exclude, custom delimiter', async () => {
  const base = `images/${tag}-list/`;
  const names = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'sub/x.txt', 'sub/y.txt', 'other-z/q.txt'];
  await Promise.all(names.map((n) => uploadData({ path: base + n, data: n }).result));
  const seen = [];
  let nextToken;
  let pages = 0;
  do {
    const page = await list({ path: base, options: { pageSize: 3, nextToken } });
    assert.ok(page.items.length <= 3);
    seen.push(...page.items.map((i) => i.path));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  assert.equal(pages, 3);
  assert.deepEqual(seen, names.map((n) => base + n).sort());
  const all = await list({ path: base, options: { listAll: true } });
  assert.equal(all.items.length, names.length);
  assert.equal(all.items.find((i) => i.path === base + 'a.txt').size, 5);
  const folders = await list({ path: base, options: { listAll: true, subpathStrategy: { strategy: 'exclude' } } });
  assert.deepEqual(folders.items.map((i) => i.path), ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'].map((n) => base + n));
  assert.deepEqual(folders.excludedSubpaths, [base + 'other-z/', base + 'sub/']);
  const dashed = await list({ path: base, options: { listAll: true, subpathStrategy: { strategy: 'exclude', delimiter: '-' } } });
  assert.deepEqual(dashed.excludedSubpaths, [base + 'other-']);
  assert.equal(dashed.items.length, 7);
});

step('multipart upload (6 parts) paused and resumed; cancel leaves nothing', async () => {
  const path = `images/${tag}-big.bin`;
  const data = bytes(30 * MiB, 7);
  const progress = [];
  const task = uploadData({ path, data, options: { onProgress: (p) => progress.push(p.transferredBytes) } });
  // Pause while parts are in flight (their requests are aborted), then resume.
  await new Promise((r) => setTimeout(r, 300));
  task.pause();
  assert.equal(task.state, 'PAUSED');
  await new Promise((r) => setTimeout(r, 300));
  task.resume();
  const r = await task.result;
  assert.match(r.eTag, /-6"$/, 'six 5 MiB parts');
  assert.equal((await getProperties({ path })).size, data.length);
  // Node's fetch reports no upload progress, so onProgress only fires in browsers (XHR).
  assert.ok(progress.every((n) => n <= data.length));
  const got = await buf({ path });
  assert.equal(Buffer.compare(Buffer.from(got), Buffer.from(data)), 0);

  const cancelled = `images/${tag}-cancelled.bin`;
  const t2 = uploadData({ path: cancelled, data: bytes(11 * MiB, 3) });
  setTimeout(() => t2.cancel(), 30);
  const e = await rejects(t2.result);
  assert.equal(e.name, 'CanceledError');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await rejects(getProperties({ path: cancelled }))).name, 'NotFound');
});

step('multipart with CRC32 checksums (FULL_OBJECT) and a small CRC32 put', async () => {
  const path = `images/${tag}-crc.bin`;
  const data = bytes(6 * MiB, 9);
  await uploadData({ path, data, options: { checksumAlgorithm: 'crc-32' } }).result;
  assert.equal((await getProperties({ path })).size, data.length);
  const small = await uploadData({ path: `images/${tag}-crc.txt`, data: 'hello world', options: { checksumAlgorithm: 'crc-32' } }).result;
  assert.equal(small.size, 11);
});

step('copy within and across buckets; remove a file and a folder', async () => {
  const src = `images/${tag}-list/a.txt`;
  await copy({ source: { path: src }, destination: { path: `images/${tag}-copied.txt` } });
  assert.equal(await text({ path: `images/${tag}-copied.txt` }), 'a.txt');
  await copy({ source: { path: src, bucket: 'mediaFiles' }, destination: { path: `shared/${tag}-a.txt`, bucket: 'archive' } });
  assert.equal(await text({ path: `shared/${tag}-a.txt`, options: { bucket: 'archive' } }), 'a.txt');
  const own = `private/${ids.a}/${tag}.txt`;
  await uploadData({ path: own, data: 'mine', options: { bucket: 'archive' } }).result;
  await remove({ path: `images/${tag}-copied.txt` });
  assert.equal((await rejects(getProperties({ path: `images/${tag}-copied.txt` }))).name, 'NotFound');
  await remove({ path: `images/${tag}-list/` });
  assert.equal((await list({ path: `images/${tag}-list/`, options: { listAll: true } })).items.length, 0);
});

step('user B: A\'s files are denied, own entity path allowed', async () => {
  const id = await as('b');
  assert.notEqual(id, ids.a);
  const aPic = `profile-pictures/${ids.a}/${tag}-me.png`;
  await denied(downloadData({ path: aPic }).result);
  await denied(uploadData({ path: `profile-pictures/${ids.a}/${tag}-evil.png`, data: 'x' }).result);
  await denied(remove({ path: aPic }));
  await denied(copy({ source: { path: aPic }, destination: { path: `images/${tag}-stolen.png` } }));
  await denied(downloadData({ path: `private/${ids.a}/${tag}.txt`, options: { bucket: 'archive' } }).result);
  await denied(list({ path: `private/${ids.a}/`, options: { bucket: 'archive' } }));
  await denied(remove({ path: `shared/${tag}-a.txt`, options: { bucket: 'archive' } }));
  await denied(uploadData({ path: `team/${tag}.txt`, data: 'x' }).result);
  await uploadData({ path: `profile-pictures/${id}/${tag}-b.png`, data: 'b' }).result;
  assert.equal(await text({ path: `images/${tag}-big.bin`, options: { bytesRange: { start: 0, end: 0 } } }).then((t) => t.length), 1);
});

step('guest may read any profile picture but not write one', async () => {
  await as('guest');
  assert.equal((await getProperties({ path: `profile-pictures/${ids.a}/${tag}-me.png` })).size, 1000);
  const l = await list({ path: `profile-pictures/${ids.b}/` });
  assert.deepEqual(l.items.map((i) => i.path), [`profile-pictures/${ids.b}/${tag}-b.png`]);
  await denied(uploadData({ path: `profile-pictures/${ids.a}/${tag}-g.png`, data: 'x' }).result);
});

step('group member: group path read/write/delete, nested read-only path denies writes', async () => {
  await as('editor');
  await uploadData({ path: `team/${tag}.txt`, data: 'team' }).result;
  assert.equal(await text({ path: `team/${tag}.txt` }), 'team');
  await denied(uploadData({ path: `team/drafts/${tag}.txt`, data: 'x' }).result);
  await remove({ path: `team/${tag}.txt` });
  await as('a');
  await denied(downloadData({ path: `team/drafts/${tag}.txt` }).result);
  await denied(list({ path: 'team/' }));
});

step('files and records: Song and PhotoAlbum with images/<id>-<name>', async () => {
  await as('a');
  const client = generateClient({ authMode: 'apiKey' });
  const { data: song } = await client.models.Song.create({ name: `song-${tag}` });
  const up = await uploadData({ path: `images/${song.id}-cover.png`, data: bytes(64, 5), options: { contentType: 'image/png' } }).result;
  const { data: updated } = await client.models.Song.update({ id: song.id, coverArtPath: up.path });
  assert.equal(updated.coverArtPath, `images/${song.id}-cover.png`);
  const { data: fetched } = await client.models.Song.get({ id: song.id });
  const { url } = await getUrl({ path: fetched.coverArtPath });
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal((await res.arrayBuffer()).byteLength, 64);
  await remove({ path: fetched.coverArtPath });
  await client.models.Song.update({ id: song.id, coverArtPath: null });
  await client.models.Song.delete({ id: song.id });
  assert.equal((await rejects(getProperties({ path: fetched.coverArtPath }))).name, 'NotFound');

  const { data: album } = await client.models.PhotoAlbum.create({ name: `album-${tag}` });
  const paths = await Promise.all(['1.jpg', '2.jpg'].map(async (n) => (await uploadData({ path: `images/${album.id}-${n}`, data: n }).result).path));
  const { data: withImages } = await client.models.PhotoAlbum.update({ id: album.id, imagePaths: paths });
  assert.deepEqual(withImages.imagePaths, paths);
  const urls = await Promise.all(withImages.imagePaths.map((p) => getUrl({ path: p })));
  for (const [i, u] of urls.entries()) assert.equal(await (await fetch(u.url)).text(), ['1.jpg', '2.jpg'][i]);
  await Promise.all(paths.map((p) => remove({ path: p })));
  await client.models.PhotoAlbum.delete({ id: album.id });
});

await run();
