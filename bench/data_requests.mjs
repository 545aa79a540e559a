// Data API throughput: `getTodo` and a filtered `listTodos` (20 items) against `ampstack sandbox`
// (release build, SQLite, conformance/projects/data-models, API key), at 16 and 64 concurrent
// keep-alive connections, beside the Amplify CLI's AppSync simulator (amplify-appsync-simulator,
// the engine of Gen 1 `amplify mock`) answering the same queries from NONE data sources (no
// storage at all, so it is a lower bound for the peer) in the same run.
//
//   cargo build --release -p ampstack && (cd bench && npm ci) && node bench/data_requests.mjs [SECONDS]
//
// The load generator is wrk (apt-get install wrk) when installed, else Node's http client
// (LOADGEN=node forces it).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { copyDir } from './project.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const bin = process.env.AMPSTACK_BIN ?? path.join(repo, 'target/release/ampstack');
const seconds = Number(process.argv[2] ?? 5);
// LOADGEN=node forces Node's http client as the load generator; by default wrk is used when installed.
const useWrk = process.env.LOADGEN !== 'node' && spawnSync('wrk', ['--version']).error === undefined;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


function post(agent, port, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** wrk's latency figure (`1.23ms`, `850.00us`, `1.02s`) in milliseconds. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`unreadable wrk latency ${text}`);
  return (Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]).toFixed(2);
}

/**
 * The same measurement with wrk (C, one thread) as the load generator: it needs far less CPU than
 * Node's http client, so on 2 shared cores more of the machine is left to the server.
 */
async function loadWrk(port, headers, body, connections, check) {
  const agent = new http.Agent({ keepAlive: true });
  check(JSON.parse((await post(agent, port, headers, body)).body));
  agent.destroy();
  const [hname, hval] = Object.entries(headers)[0];
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', path.join(here, 'lua/post.lua'), `http://127.0.0.1:${port}/graphql`], {
    env: { ...process.env, BODY: body, HNAME: hname, HVAL: hval },
    encoding: 'utf8',
  });
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  if (!rps || !p50 || !p99) throw new Error(`wrk failed: ${out}${r.stderr}`);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) 
    + (/Socket errors:(.*)/.exec(out)?.[1].match(/\d+/g) ?? []).reduce((a, n) => a + Number(n), 0);
  return { rps: Math.round(rps), p50: wrkMs(p50), p99: wrkMs(p99), errors };
}

/** `connections` workers posting `body` for `seconds`; returns req/s and latency percentiles. */
async function load(port, headers, body, connections, check) {
  if (useWrk) return loadWrk(port, headers, body, connections, check);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const first = await post(agent, port, headers, body);
  check(JSON.parse(first.body));
  const lat = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) {
      const t = process.hrtime.bigint();
      const r = await post(agent, port, headers, body);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 200 || r.body.includes('"errors"')) errors += 1;
    }
  }));
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
  return { rps: Math.round(lat.length / seconds), p50: pct(0.5), p99: pct(0.99), errors };
}

const GET = JSON.stringify({ query: 'query ($id: ID!) { getTodo(id: $id) { id content priority done batch createdAt updatedAt } }', variables: { id: 'bench-get' } });
const LIST = JSON.stringify({
  query: 'query ($f: ModelTodoFilterInput, $l: Int) { listTodos(filter: $f, limit: $l) { items { id content priority done batch } nextToken } }',
  variables: { f: { batch: { eq: 'b' }, done: { eq: true } }, l: 20 },
});
const isGet = (v) => { if (v.data?.getTodo?.id !== 'bench-get') throw new Error(JSON.stringify(v)); };
const isList = (v) => { if (v.data?.listTodos?.items?.length !== 20) throw new Error(JSON.stringify(v)); };

async function ampstack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-bench-'));
  copyDir(path.join(repo, 'conformance/projects/data-models'), dir);
  const child = spawn(bin, ['sandbox', '--dir', dir, '--port', '0'], { stdio: 'ignore' });
  let outputs;
  for (let i = 0; i < 600 && !outputs; i++) {
    try { outputs = JSON.parse(fs.readFileSync(path.join(dir, 'amplify_outputs.json'), 'utf8')); } catch { await sleep(50); }
  }
  const port = Number(new URL(outputs.custom.ampstack.endpoint).port);
  const headers = { 'x-api-key': outputs.data.api_key };
  const agent = new http.Agent({ keepAlive: true });
  const create = (input) => post(agent, port, headers, JSON.stringify({ query: 'mutation ($i: CreateTodoInput!) { createTodo(input: $i) { id } }', variables: { i: input } }));
  await create({ id: 'bench-get', content: 'get me', batch: 'g' });
  // 200 items in the batch, 20 of them done: the filter keeps one in ten.
  for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => create({ id: `b${i + j}`, content: 'x', batch: 'b', done: (i + j) % 10 === 0, priority: i + j })));
  agent.destroy();
  return { port, headers, stop: () => { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); } };
}

async function simulator() {
  const port = 20500 + Math.floor(Math.random() * 1000);
  const child = spawn(process.execPath, [path.join(here, 'peers/appsync_simulator_data.cjs'), String(port), String(port + 1)], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try { await post(undefined, port, { 'x-api-key': 'da2-fakeApiKey00000000000000' }, GET); break; } catch { await sleep(50); }
  }
  return { port, headers: { 'x-api-key': 'da2-fakeApiKey00000000000000' }, stop: () => child.kill('SIGTERM') };
}

const rows = [];
for (const [name, start] of [['ampstack (SQLite)', ampstack], ['peer: amplify-appsync-simulator (NONE data source)', simulator]]) {
  const s = await start();
  try {
    for (const [op, body, check] of [['get', GET, isGet], ['list, filtered, 20 items', LIST, isList]]) {
      for (const c of [16, 64]) {
        const r = await load(s.port, s.headers, body, c, check);
        rows.push({ server: name, op, connections: c, ...r });
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
  } finally {
    s.stop();
  }
}
console.log('| server | operation | connections | req/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.server} | ${r.op} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
spawnSync('true');
