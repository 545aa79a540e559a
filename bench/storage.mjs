// Storage (S3 API) throughput: PUT and GET of 1 KiB objects per second (SigV4 header-signed and
// presigned GET), and MB/s for one 1 GiB object, with the server's peak RSS, against
// `ampstack sandbox` (release build, SQLite, filesystem blobs, conformance/projects/storage-buckets,
// admin credentials from `ampstack credentials`) beside Garage (a Rust S3 server) in the same run.
//
//   cargo build --release -p ampstack
//   cargo install garage --version 2.5.0 --locked --no-default-features \
//     --features bundled-libs,lmdb,sqlite --root /some/dir      # then GARAGE_BIN=/some/dir/bin/garage
//   apt-get install wrk
//   node bench/storage.mjs [SECONDS=10] [CONNECTIONS=16]
//
// Env: AMPSTACK_BIN (default target/release/ampstack), GARAGE_BIN (default `garage` on PATH),
// GARAGE_FSYNC=0 to skip the second Garage configuration (metadata_fsync + data_fsync on), ONLY=
// "ampstack,garage,garage-fsync" to pick servers, KEEP_1G=1 to keep the large source file in the
// temp dir for the next run, BIG_GIB=N for an N GiB large object (default 1),
// SMALL=0 to run only the large-object cases.
//
// How each number is made (all plain HTTP on 127.0.0.1, path-style addressing, wrk -t1):
// - PUT 1 KiB: wrk, CONNECTIONS keep-alive connections, one fresh key per request. Every request
//   carries its own SigV4 Authorization header (signed payload hash, not UNSIGNED-PAYLOAD), all
//   computed up front by this script for one x-amz-date (bench/lua/s3_put.lua replays the list).
// - GET 1 KiB signed: wrk replays one header-signed request (the server verifies the signature on
//   every request; a signature stays valid for the 15 min clock-skew window).
// - GET 1 KiB presigned: wrk on one presigned URL (X-Amz-Expires 3600), as in the peers README.
// - each wrk case: an untimed 2 s warm-up, then SECONDS timed; req/s, p50, p99, non-2xx + socket
//   errors, and the server process's user + system CPU time over the timed run per request.
//   Before timing, one request of each kind is sent by Node and checked (status 200, the
//   body compared byte for byte, and a tampered presigned signature refused with 403).
// - 1 GiB: one header-signed PutObject (UNSIGNED-PAYLOAD, Content-Length) streamed from a file of
//   random bytes, then one GetObject streamed to a file; the ETag must be the file's MD5 and the
//   downloaded file must equal the source (checked after timing). Peak RSS: the server process's
//   VmHWM, reset (/proc/PID/clear_refs = 5) just before each transfer, and VmRSS sampled every 20 ms.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { copyDir } from './project.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const bin = process.env.AMPSTACK_BIN ?? path.join(repo, 'target/release/ampstack');
const garageBin = process.env.GARAGE_BIN ?? 'garage';
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const only = process.env.ONLY?.split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const GiB = 1024 ** 3;
// The large object's size: BIG_GIB=5 measures S3's single-PUT maximum (default 1 GiB).
const bigGiB = Number(process.env.BIG_GIB ?? 1);
const BIG = bigGiB * GiB;
const bigLabel = `${bigGiB} GiB`;

// ---------------------------------------------------------------- SigV4 (no SDK: wrk needs the raw headers)
const sha256hex = (b) => crypto.createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const canonicalUri = (p) => p.split('/').map(enc).join('/');
const amzNow = () => new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');

/** A SigV4 signer for S3 with one date: `sign(method, path, query, headers, payloadHash)`. */
function signer(cred, amzDate) {
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${cred.region}/s3/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${cred.secretKey}`, day), cred.region), 's3'), 'aws4_request');
  return {
    scope,
    sign(method, p, query, headers, payloadHash) {
      const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
      const names = Object.keys(h).sort();
      const cq = Object.keys(query).sort().map((k) => `${enc(k)}=${enc(query[k])}`).join('&');
      const creq = [method, canonicalUri(p), cq, names.map((n) => `${n}:${h[n]}\n`).join(''), names.join(';'), payloadHash].join('\n');
      const sts = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(creq)].join('\n');
      return { signature: crypto.createHmac('sha256', key).update(sts).digest('hex'), signedHeaders: names.join(';'), cq };
    },
  };
}

/** Headers for a header-signed request (host, x-amz-date, x-amz-content-sha256, authorization). */
function signedHeaders(s, cred, amzDate, method, p, host, payloadHash) {
  const headers = { host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const r = s.sign(method, p, {}, headers, payloadHash);
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${cred.accessKey}/${s.scope}, SignedHeaders=${r.signedHeaders}, Signature=${r.signature}` };
}

/** A presigned URL (path and query) signing only `host`. */
function presign(cred, method, p, host, expires = 3600) {
  const amzDate = amzNow();
  const s = signer(cred, amzDate);
  const query = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${cred.accessKey}/${s.scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expires),
    'X-Amz-SignedHeaders': 'host',
  };
  const r = s.sign(method, p, query, { host }, 'UNSIGNED-PAYLOAD');
  return `${canonicalUri(p)}?${r.cq}&X-Amz-Signature=${r.signature}`;
}

// ---------------------------------------------------------------- HTTP helpers
function request(port, method, p, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expect(cond, what, r) {
  if (!cond) throw new Error(`check failed: ${what}${r ? `: ${r.status} ${r.body?.toString().slice(0, 300)}` : ''}`);
}

/** wrk's latency figure (`1.23ms`, `850.00us`, `1.02s`) in milliseconds. */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`unreadable wrk latency ${text}`);
  return (Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]).toFixed(2);
}

function wrk(target, duration, script, env) {
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '5s', '--latency'];
  if (script) args.push('-s', path.join(here, 'lua', script));
  const r = spawnSync('wrk', [...args, target], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  const out = r.stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1];
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!rps || !p50 || !p99) throw new Error(`wrk failed: ${out}${r.stderr}`);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
    + (/Socket errors:(.*)/.exec(out)?.[1].match(/\d+/g) ?? []).reduce((a, n) => a + Number(n), 0);
  return { rps: Math.round(rps), p50: wrkMs(p50), p99: wrkMs(p99), errors, total };
}

/** The server's user + system CPU time so far, in ms (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Warm-up (2 s, untimed) then the timed run, with the server's CPU time per request. */
function wrkCase(pid, target, script, env, warmEnv = env) {
  wrk(target, 2, script, warmEnv);
  const cpu0 = cpuMs(pid);
  const r = wrk(target, seconds, script, env);
  return { ...r, cpuUs: ((cpuMs(pid) - cpu0) * 1000 / r.total).toFixed(0) };
}

// ---------------------------------------------------------------- memory
const status = (pid) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
const kib = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status(pid))[1]);

/** Runs `fn` while watching the server's RSS; returns fn's result and the peak RSS in MiB. */
async function withPeakRss(pid, fn) {
  let reset = true;
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { reset = false; }
  const before = kib(pid, 'VmRSS');
  let sampled = before;
  const timer = setInterval(() => { try { sampled = Math.max(sampled, kib(pid, 'VmRSS')); } catch { /* exited */ } }, 20);
  try {
    const result = await fn();
    const hwm = kib(pid, 'VmHWM');
    return { ...result, rssBefore: (before / 1024).toFixed(0), peakRss: (Math.max(sampled, reset ? hwm : 0) / 1024).toFixed(0), hwmReset: reset };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------- the 1 GiB file
function bigFile() {
  const file = path.join(os.tmpdir(), `ampstack-bench-storage-${bigGiB}g.bin`);
  if (!fs.existsSync(file) || fs.statSync(file).size !== BIG) {
    // Random bytes: Garage stores content-addressed 1 MiB blocks, so a repeated pattern would be
    // deduplicated, and a compressible one compressed.
    const r = spawnSync('sh', ['-c', `head -c ${BIG} /dev/urandom > '${file}.tmp' && mv '${file}.tmp' '${file}'`]);
    if (r.status !== 0) throw new Error(`cannot write ${file}`);
  }
  const md5 = spawnSync('md5sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0];
  return { file, md5 };
}

async function putBig(srv, key, big) {
  const p = `${srv.prefix}/${key}`;
  const amzDate = amzNow();
  const headers = { ...signedHeaders(signer(srv.cred, amzDate), srv.cred, amzDate, 'PUT', p, srv.host, 'UNSIGNED-PAYLOAD'), 'content-length': String(BIG) };
  const t0 = process.hrtime.bigint();
  const res = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: canonicalUri(p), method: 'PUT', headers }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    fs.createReadStream(big.file, { highWaterMark: 1 << 20 }).pipe(req);
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  expect(res.status === 200, `${bigLabel} PUT status on ${srv.name}`, res);
  expect(res.headers.etag?.replaceAll('"', '') === big.md5, `${bigLabel} PUT ETag ${res.headers.etag} = MD5 ${big.md5}`);
  return { secs };
}

async function getBig(srv, key, big) {
  const p = `${srv.prefix}/${key}`;
  const out = path.join(os.tmpdir(), `ampstack-bench-storage-get-${process.pid}.bin`);
  const amzDate = amzNow();
  const headers = signedHeaders(signer(srv.cred, amzDate), srv.cred, amzDate, 'GET', p, srv.host, sha256hex(''));
  const t0 = process.hrtime.bigint();
  const st = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: canonicalUri(p), method: 'GET', headers }, (r) => {
      const w = fs.createWriteStream(out, { highWaterMark: 1 << 20 });
      r.pipe(w);
      w.on('finish', () => resolve(r.statusCode));
      w.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    expect(st === 200, `${bigLabel} GET status ${st} on ${srv.name}`);
    expect(spawnSync('cmp', ['-s', big.file, out]).status === 0, `${bigLabel} GET body equals the source on ${srv.name}`);
  } finally {
    fs.rmSync(out, { force: true });
  }
  return { secs };
}

// ---------------------------------------------------------------- servers

async function ampstack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-bench-storage-'));
  copyDir(path.join(repo, 'conformance/projects/storage-buckets'), dir);
  const child = spawn(bin, ['sandbox', '--dir', dir, '--port', '0'], { stdio: 'ignore' });
  let outputs;
  for (let i = 0; i < 600 && !outputs; i++) {
    try { outputs = JSON.parse(fs.readFileSync(path.join(dir, 'amplify_outputs.json'), 'utf8')); } catch { await sleep(50); }
  }
  if (!outputs) throw new Error('ampstack sandbox wrote no amplify_outputs.json');
  const creds = Object.fromEntries(spawnSync(bin, ['credentials', '--dir', dir], { encoding: 'utf8' }).stdout
    .split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
  const port = Number(new URL(outputs.custom.ampstack.storage_endpoint).port);
  // The default bucket (mediaFiles: no triggers); the admin credentials have full access.
  const bucket = outputs.storage.buckets.find((b) => b.name === 'mediaFiles').bucket_name;
  return {
    name: 'ampstack (SQLite, fs blobs)',
    pid: child.pid,
    port,
    host: `127.0.0.1:${port}`,
    prefix: `/s3/${bucket}`,
    cred: { accessKey: creds.AWS_ACCESS_KEY_ID, secretKey: creds.AWS_SECRET_ACCESS_KEY, region: outputs.storage.aws_region },
    stop: () => { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function garage(fsync) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'garage-bench-storage-'));
  const [s3, rpc, admin] = [await freePort(), await freePort(), await freePort()];
  const toml = path.join(dir, 'garage.toml');
  fs.writeFileSync(toml, `# single-node Garage, loopback only (as in the peers README's garage_setup.sh)
metadata_dir = "${dir}/meta"
data_dir = "${dir}/data"
db_engine = "lmdb"
replication_factor = 1
${fsync ? 'metadata_fsync = true\ndata_fsync = true\n' : ''}rpc_bind_addr = "127.0.0.1:${rpc}"
rpc_public_addr = "127.0.0.1:${rpc}"
rpc_secret = "${crypto.randomBytes(32).toString('hex')}"

[s3_api]
s3_region = "us-east-1"
api_bind_addr = "127.0.0.1:${s3}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:${admin}"
admin_token = "${crypto.randomBytes(24).toString('base64')}"
`);
  const log = fs.openSync(path.join(dir, 'garage.log'), 'w');
  const child = spawn(garageBin, ['-c', toml, 'server'], { stdio: ['ignore', log, log], env: { ...process.env, RUST_LOG: 'warn' } });
  const g = (...args) => {
    const r = spawnSync(garageBin, ['-c', toml, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`garage ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => { const c = net.connect(s3, '127.0.0.1', () => { c.end(); resolve(true); }); c.on('error', () => resolve(false)); });
    if (ok) break;
    await sleep(100);
  }
  let node;
  for (let i = 0; i < 50 && !node; i++) {
    try { node = /^([0-9a-f]{16})/m.exec(g('status'))?.[1]; } catch { /* not up yet */ }
    if (!node) await sleep(200);
  }
  g('layout', 'assign', '-z', 'dc1', '-c', '10G', node);
  g('layout', 'apply', '--version', '1');
  const key = g('key', 'create', 'bench-key');
  g('bucket', 'create', 'bench');
  g('bucket', 'allow', '--read', '--write', '--owner', 'bench', '--key', 'bench-key');
  const version = spawnSync(garageBin, ['--version'], { encoding: 'utf8' }).stdout.match(/\d+\.\d+\.\d+/)?.[0];
  return {
    name: `peer: Garage ${version ?? ''}${fsync ? ', metadata_fsync + data_fsync' : ' (default config)'}`,
    pid: child.pid,
    port: s3,
    host: `127.0.0.1:${s3}`,
    prefix: '/bench',
    cred: { accessKey: /Key ID:?\s*(\S+)/.exec(key)[1], secretKey: /Secret key:?\s*(\S+)/.exec(key)[1], region: 'us-east-1' },
    stop: () => { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------- the cases
async function run(srv, big, rows, bigRows) {
  const body = crypto.randomBytes(1024);
  const bodyFile = path.join(os.tmpdir(), `ampstack-bench-storage-body-${process.pid}`);
  fs.writeFileSync(bodyFile, body);
  const bodyHash = sha256hex(body);
  const emptyHash = sha256hex('');
  const obj = `${srv.prefix}/obj1k`;

  // Correctness first: signed PUT, signed GET, presigned GET (and a tampered one refused).
  let amzDate = amzNow();
  let s = signer(srv.cred, amzDate);
  let r = await request(srv.port, 'PUT', canonicalUri(obj), signedHeaders(s, srv.cred, amzDate, 'PUT', obj, srv.host, bodyHash), body);
  expect(r.status === 200, `signed PUT on ${srv.name}`, r);
  const getHeaders = signedHeaders(s, srv.cred, amzDate, 'GET', obj, srv.host, emptyHash);
  r = await request(srv.port, 'GET', canonicalUri(obj), getHeaders);
  expect(r.status === 200 && r.body.equals(body), `signed GET returns the body on ${srv.name}`, r);
  const presigned = presign(srv.cred, 'GET', obj, srv.host);
  r = await request(srv.port, 'GET', presigned, { host: srv.host });
  expect(r.status === 200 && r.body.equals(body), `presigned GET returns the body on ${srv.name}`, r);
  const tampered = presigned.replace(/X-Amz-Signature=(.)/, (m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
  r = await request(srv.port, 'GET', tampered, { host: srv.host });
  expect(r.status === 403, `tampered presigned GET refused on ${srv.name}`, r);
  if (process.env.SMALL === '0') {
    fs.rmSync(bodyFile);
    return runBig(srv, big, bigRows);
  }

  // PUT 1 KiB, a fresh key per request, every request signed up front.
  const reqFile = (tag, n) => {
    const f = path.join(os.tmpdir(), `ampstack-bench-storage-${tag}-${process.pid}.tsv`);
    const lines = [];
    for (let i = 0; i < n; i++) {
      const p = `${srv.prefix}/put/${tag}/${String(i).padStart(7, '0')}`;
      lines.push(`${canonicalUri(p)}\t${signedHeaders(s, srv.cred, amzDate, 'PUT', p, srv.host, bodyHash).authorization}`);
    }
    fs.writeFileSync(f, `${lines.join('\n')}\n`);
    return f;
  };
  amzDate = amzNow();
  s = signer(srv.cred, amzDate);
  const nTimed = 20000 * seconds;
  const warmFile = reqFile('warm', 40000);
  const timedFile = reqFile('timed', nTimed);
  const env = { HOST: srv.host, AMZ_DATE: amzDate, PAYLOAD_HASH: bodyHash, BODY_FILE: bodyFile };
  const target = `http://${srv.host}/`;
  const put = wrkCase(srv.pid, target, 's3_put.lua', { ...env, REQS: timedFile }, { ...env, REQS: warmFile });
  fs.rmSync(warmFile);
  fs.rmSync(timedFile);
  // (wrk spends the list's first request before the run, so check one from the middle.)
  const first = `${srv.prefix}/put/timed/${String(Math.floor(Math.min(put.total, nTimed) / 2)).padStart(7, '0')}`;
  r = await request(srv.port, 'GET', canonicalUri(first), signedHeaders(s, srv.cred, amzDate, 'GET', first, srv.host, emptyHash));
  expect(r.status === 200 && r.body.equals(body), `an object written by the PUT run reads back on ${srv.name}`, r);
  rows.push({ server: srv.name, op: `PUT 1 KiB, signed, fresh key each${put.total >= nTimed ? ' (keys reused)' : ''}`, ...put });
  console.error(JSON.stringify(rows.at(-1)));

  // GET 1 KiB, header-signed (replayed) and presigned.
  const hdr = Object.entries(getHeaders).map(([k, v]) => `${k}: ${v}`).join('\n');
  rows.push({ server: srv.name, op: 'GET 1 KiB, signed (Authorization header)', ...wrkCase(srv.pid, `http://${srv.host}${canonicalUri(obj)}`, 'headers.lua', { HEADERS: hdr }) });
  console.error(JSON.stringify(rows.at(-1)));
  rows.push({ server: srv.name, op: 'GET 1 KiB, presigned URL', ...wrkCase(srv.pid, `http://${srv.host}${presigned}`) });
  console.error(JSON.stringify(rows.at(-1)));
  fs.rmSync(bodyFile);
  await runBig(srv, big, bigRows);
}

async function runBig(srv, big, bigRows) {
  // The large object, streamed both ways.
  for (const [op, fn] of [[`PUT ${bigLabel}`, putBig], [`GET ${bigLabel}`, getBig]]) {
    const m = await withPeakRss(srv.pid, () => fn(srv, `big-${bigGiB}g`, big));
    bigRows.push({ server: srv.name, op, mbps: (BIG / 1e6 / m.secs).toFixed(0), secs: m.secs.toFixed(2), rssBefore: m.rssBefore, peakRss: m.peakRss });
    console.error(JSON.stringify(bigRows.at(-1)));
  }
}

const uptime = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
const loadBefore = uptime();
const big = bigFile();
const rows = [];
const bigRows = [];
const servers = [['ampstack', ampstack], ['garage', () => garage(false)]];
if (process.env.GARAGE_FSYNC !== '0') servers.push(['garage-fsync', () => garage(true)]);
for (const [id, start] of servers) {
  if (only && !only.includes(id)) continue;
  const srv = await start();
  try {
    await run(srv, big, rows, bigRows);
  } finally {
    srv.stop();
  }
  await sleep(500);
}
if (process.env.KEEP_1G !== '1') fs.rmSync(big.file, { force: true });
console.log(`wrk -t1 -c${connections}, ${seconds} s timed after 2 s warm-up; load before: ${loadBefore}; after: ${uptime()}\n`);
console.log('| server | operation | req/s | p50 ms | p99 ms | errors | server CPU µs/request |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.server} | ${r.op} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpuUs} |`);
console.log('\n| server | operation | MB/s | seconds | server RSS before, MiB | server peak RSS, MiB |');
console.log('|---|---|---|---|---|---|');
for (const r of bigRows) console.log(`| ${r.server} | ${r.op} | ${r.mbps} | ${r.secs} | ${r.rssBefore} | ${r.peakRss} |`);
