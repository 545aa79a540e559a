// Realtime fan-out: N concurrent subscribers (one WebSocket each, AppSync's graphql-ws protocol,
// API key) on one `ampstack sandbox` (release build, SQLite, conformance/projects/realtime); for
// one mutation, the time from sending it until each subscriber has its event (p50/p99/max over
// all subscribers); server memory per idle subscribed connection (RSS growth / N); and, when
// AMPSTACK_BENCH_DATABASE_URL is set, delivery latency from a mutation on node A to a subscriber
// on node B of the same PostgreSQL database (beside the same-node latency on PostgreSQL). The
// peer, amplify-appsync-simulator (Gen 1 `amplify mock`), gets the same subscribers and mutations
// in the same run. Subscribers use plain ws:// on loopback, so TLS handshakes of the load
// generator do not dominate; the load generator shares the machine's cores with the server.
//
//   cargo build --release -p ampstack && (cd bench && npm ci) && bench/realtime.sh [N=10000] [ROUNDS=3]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { copyDir } from './project.mjs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const bin = process.env.AMPSTACK_BIN ?? path.join(repo, 'target/release/ampstack');
const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const pgUrl = process.env.AMPSTACK_BENCH_DATABASE_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SUBSCRIPTION = 'subscription { onCreateMessage { id text batch } }';


const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

async function startAmpstack({ databaseUrl, dataDir } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-rt-bench-'));
  copyDir(path.join(repo, 'conformance/projects/realtime'), dir);
  const args = ['sandbox', '--dir', dir, '--port', '0'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  if (dataDir) args.push('--data-dir', dataDir);
  const child = spawn(bin, args, { stdio: 'ignore' });
  let outputs;
  for (let i = 0; i < 600 && !outputs; i++) {
    try { outputs = JSON.parse(fs.readFileSync(path.join(dir, 'amplify_outputs.json'), 'utf8')); } catch { await sleep(50); }
  }
  if (!outputs) throw new Error('ampstack did not start');
  const port = new URL(outputs.data.url).port;
  const host = `127.0.0.1:${port}`;
  return {
    name: 'ampstack', child, dir, host,
    wsUrl: `ws://${host}/graphql/realtime`,
    gqlUrl: `http://${host}/graphql`,
    apiKey: outputs.data.api_key,
    stop: () => { child.kill('SIGTERM'); },
  };
}

async function startSimulator() {
  const port = 20500 + Math.floor(Math.random() * 500);
  const child = spawn(process.execPath, [path.join(here, 'peers/appsync_simulator_realtime.cjs'), String(port), String(port + 1)], {
    stdio: ['ignore', 'pipe', 'ignore'], cwd: here,
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (c) => reject(new Error(`simulator exited ${c}`)));
  });
  const host = `127.0.0.1:${port}`;
  return {
    name: 'amplify-appsync-simulator', child, host,
    wsUrl: `ws://${host}/graphql`,
    gqlUrl: `http://${host}/graphql`,
    apiKey: 'da2-fakeApiKey00000000000000',
    stop: () => { child.kill('SIGTERM'); },
  };
}

/** One subscriber: connects, inits, starts onCreateMessage; records when each event's text arrives. */
function subscriber(server) {
  return new Promise((resolve, reject) => {
    const auth = { host: server.host, 'x-api-key': server.apiKey };
    const header = Buffer.from(JSON.stringify(auth)).toString('base64');
    const ws = new WebSocket(`${server.wsUrl}?header=${encodeURIComponent(header)}&payload=e30%3D`, ['graphql-ws']);
    const s = { ws, arrived: new Map() };
    const timer = setTimeout(() => reject(new Error('subscriber did not get start_ack in 60 s')), 60_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: 'sub', type: 'start', payload: { data: JSON.stringify({ query: SUBSCRIPTION, variables: {} }), extensions: { authorization: auth } } }));
      } else if (m.type === 'start_ack') {
        clearTimeout(timer);
        resolve(s);
      } else if (m.type === 'data' && m.payload?.data?.onCreateMessage) {
        s.arrived.set(m.payload.data.onCreateMessage.text, performance.now());
      } else if (m.type === 'error' || m.type === 'connection_error') {
        reject(new Error(JSON.stringify(m)));
      }
    });
    ws.on('error', reject);
  });
}

async function subscribeMany(server, n) {
  const subs = [];
  for (let i = 0; i < n; i += 250) {
    subs.push(...await Promise.all(Array.from({ length: Math.min(250, n - i) }, () => subscriber(server))));
  }
  return subs;
}

async function mutate(server, text) {
  const res = await fetch(server.gqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': server.apiKey },
    body: JSON.stringify({ query: 'mutation ($input: CreateMessageInput!) { createMessage(input: $input) { id text batch } }', variables: { input: { id: crypto.randomUUID(), text, batch: 'bench' } } }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function waitAll(subs, text, ms = 120_000) {
  const end = Date.now() + ms;
  while (subs.some((s) => !s.arrived.has(text)) && Date.now() < end) await sleep(5);
}

/** N subscribers on `server`; per round, one mutation and the delivery time to each subscriber. */
async function fanOut(server) {
  const before = rssKb(server.child.pid);
  const t = performance.now();
  const subs = await subscribeMany(server, N);
  const connectS = (performance.now() - t) / 1000;
  await sleep(2000);
  const after = rssKb(server.child.pid);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const text = `round-${r}-${Math.random()}`;
    const t0 = performance.now();
    await mutate(server, text);
    await waitAll(subs, text);
    const lat = subs.filter((s) => s.arrived.has(text)).map((s) => s.arrived.get(text) - t0).sort((a, b) => a - b);
    rounds.push({ received: lat.length, p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat[lat.length - 1] });
    await sleep(500);
  }
  for (const s of subs) s.ws.terminate();
  return { connectS, perConnKb: (after - before) / N, rounds };
}

/** One subscriber on `sub`, `count` sequential mutations on `pub`: delivery latency. */
async function latency(pub, sub, count = 200) {
  const [s] = await subscribeMany(sub, 1);
  const lat = [];
  for (let i = 0; i < count; i++) {
    const text = `lat-${i}-${Math.random()}`;
    const t0 = performance.now();
    await mutate(pub, text);
    await waitAll([s], text, 10_000);
    lat.push(s.arrived.get(text) - t0);
  }
  s.ws.terminate();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

const f = (x) => x.toFixed(1);
const print = (name, r) => {
  console.log(`${name}: ${N} subscribers connected in ${f(r.connectS)} s; server memory per idle subscribed connection ${f(r.perConnKb)} KiB`);
  r.rounds.forEach((x, i) => console.log(`  mutation ${i + 1}: ${x.received}/${N} received; p50 ${f(x.p50)} ms, p99 ${f(x.p99)} ms, all ${f(x.max)} ms`));
};

const amp = await startAmpstack();
try { print('ampstack (SQLite)', await fanOut(amp)); } finally { amp.stop(); }
await sleep(1000);
const sim = await startSimulator();
try { print('amplify-appsync-simulator', await fanOut(sim)); } catch (e) { console.log(`amplify-appsync-simulator: failed: ${e.message}`); } finally { sim.stop(); }

if (pgUrl) {
  const a = await startAmpstack({ databaseUrl: pgUrl });
  const b = await startAmpstack({ databaseUrl: pgUrl, dataDir: path.join(a.dir, '.ampstack') });
  try {
    const same = await latency(a, a);
    const cross = await latency(a, b);
    console.log(`ampstack (PostgreSQL) delivery latency, 200 sequential mutations: same node p50 ${f(same.p50)} ms p99 ${f(same.p99)} ms; node A → node B p50 ${f(cross.p50)} ms p99 ${f(cross.p99)} ms`);
  } finally { b.stop(); a.stop(); }
}
process.exit(0);
