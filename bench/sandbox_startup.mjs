// Sandbox cold start and hot-reload latency, with peers measured in the same run.
//
//   node bench/sandbox_startup.mjs [runs=10]
//
// ampstack: spawn `ampstack sandbox` (release build) on a copy of examples/todo and time until
//   amplify_outputs.json is written AND /health answers 200 ("cold start"); then append a field
//   to amplify/data/resource.ts and time until the rewritten outputs contain it ("reload").
// peers: (1) the Amplify CLI's local AppSync simulator (`amplify mock`'s engine,
//   amplify-appsync-simulator) from spawn to its GraphQL port answering; (2) the real Amplify
//   tooling synthesising the same data backend offline (conformance/golden/generate.mjs: what
//   `ampx sandbox` must do before it can even start a CloudFormation deploy).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const runs = Number(process.argv[2] ?? 10);
const bin = process.env.AMPSTACK_BIN ?? path.join(root, 'target/release/ampstack');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(0)} ms, p90 ${pct(xs, 90).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)} ms (n=${xs.length})`;

async function httpOk(port, pathName) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${pathName} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let buf = '';
    s.on('data', (d) => { buf += d; });
    s.on('end', () => resolve(/^HTTP\/1\.1 200/.test(buf)));
    s.on('error', () => resolve(false));
  });
}

function freePort() {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}

async function ampstackOnce() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-bench-'));
  fs.cpSync(path.join(root, 'examples/todo/amplify'), path.join(dir, 'amplify'), { recursive: true });
  const port = await freePort();
  const outputs = path.join(dir, 'amplify_outputs.json');
  const t0 = now();
  const child = spawn(bin, ['sandbox', '--dir', dir, '--port', String(port)], { stdio: ['ignore', 'ignore', 'ignore'] });
  let cold;
  while (true) {
    if (fs.existsSync(outputs) && (await httpOk(port, '/health'))) { cold = now() - t0; break; }
    if (now() - t0 > 20000) throw new Error('ampstack did not start');
    await sleep(2);
  }
  // Reload: let the watcher settle, then change the schema.
  await sleep(200);
  const resource = path.join(dir, 'amplify/data/resource.ts');
  const src = fs.readFileSync(resource, 'utf8');
  const t1 = now();
  fs.writeFileSync(resource, src.replace('isDone: a.boolean(),', 'isDone: a.boolean(),\n      benchField: a.string(),'));
  let reload;
  while (true) {
    try { if (fs.readFileSync(outputs, 'utf8').includes('benchField')) { reload = now() - t1; break; } } catch {}
    if (now() - t1 > 10000) throw new Error('no reload');
    await sleep(1);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  return { cold, reload };
}

async function simulatorOnce() {
  const simDir = path.join(here, 'node_modules/amplify-appsync-simulator');
  if (!fs.existsSync(simDir)) return null;
  const port = await freePort();
  const wsPort = await freePort();
  const t0 = now();
  const child = spawn(process.execPath, [path.join(here, 'peers/appsync_simulator.cjs'), String(port), String(wsPort)], { stdio: 'ignore' });
  let t;
  while (true) {
    if (await httpOk(port, '/')) { t = now() - t0; break; }
    if (now() - t0 > 30000) { child.kill(); return null; }
    await sleep(5);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return t;
}

function synthOnce() {
  const gen = path.join(root, 'conformance/golden/generate.mjs');
  if (!fs.existsSync(gen)) return null;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-synth-'));
  fs.cpSync(path.join(root, 'examples/todo/amplify'), path.join(out, 'amplify'), { recursive: true });
  const t0 = now();
  execFileSync(process.execPath, [gen, out], { stdio: 'ignore' });
  const t = now() - t0;
  fs.rmSync(out, { recursive: true, force: true });
  return t;
}

const cold = [], reload = [], sim = [], synth = [];
for (let i = 0; i < runs; i++) {
  const r = await ampstackOnce();
  cold.push(r.cold); reload.push(r.reload);
  const s = await simulatorOnce(); if (s != null) sim.push(s);
}
for (let i = 0; i < Math.min(3, runs); i++) { const s = synthOnce(); if (s != null) synth.push(s); }
console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0].model}; node ${process.version}`);
console.log(`ampstack sandbox cold start (spawn -> outputs written + /health 200): ${fmt(cold)}`);
console.log(`ampstack reload (save resource.ts -> outputs rewritten):            ${fmt(reload)}`);
if (sim.length) console.log(`peer: amplify-appsync-simulator start (spawn -> HTTP answering):   ${fmt(sim)}`);
if (synth.length) console.log(`peer: real Amplify tooling, offline synth of the same data API:    ${fmt(synth)}`);
