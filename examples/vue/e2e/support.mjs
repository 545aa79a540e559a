// What the browser test stands on: a real `ampstack sandbox` on this example's amplify/ folder,
// the app built by Vite against that sandbox's outputs and served by `vite preview` on
// 127.0.0.1, and Debian's Chromium driven by playwright-core with the sandbox's development CA
// trusted the way a person's Chromium on Linux trusts it (an NSS database in the browser's
// $HOME), so HTTPS and wss:// are verified, not waved through with --ignore-certificate-errors.
import { spawn, spawnSync } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

export const appDir = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(appDir, '../..');
export const bin = path.resolve(process.env.AMPSTACK_BIN ?? path.join(repoDir, 'target/debug/ampstack'));
export const chromiumPath = process.env.AMPSTACK_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots and logs of each run; gitignored. */
export const artifactsDir = path.resolve(process.env.AMPSTACK_E2E_ARTIFACTS ?? path.join(appDir, 'e2e/artifacts'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SQLite always; PostgreSQL too when AMPSTACK_TEST_DATABASE_URL is set (as scripts/test does). */
export function engines() {
  const list = [{ name: 'sqlite', url: null }];
  if (process.env.AMPSTACK_TEST_DATABASE_URL) list.push({ name: 'postgres', url: process.env.AMPSTACK_TEST_DATABASE_URL });
  return list;
}

/** Names under `localhost` are loopback (RFC 6761), as browsers treat them; Node asks the resolver. */
function lookup(host, options, callback) {
  if (host !== 'localhost' && !host.endsWith('.localhost')) return dns.lookup(host, options, callback);
  if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  return callback(null, '127.0.0.1', 4);
}

/** GET over HTTPS trusting only the sandbox's CA. Resolves { status, headers, body (Buffer) }. */
export function httpsGet(target, ca) {
  return new Promise((resolve, reject) => {
    https.get(target, { ca, lookup }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** Starts `ampstack sandbox` on examples/vue with its state and outputs in `tmp`. */
async function startSandbox(tmp, databaseUrl) {
  const outputsDir = path.join(tmp, 'outputs');
  const logPath = path.join(tmp, 'sandbox.log');
  const args = ['sandbox', '--dir', appDir, '--data-dir', path.join(tmp, 'data'), '--outputs-out-dir', outputsDir, '--port', '0'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', fs.openSync(logPath, 'w')] });
  const log = () => (fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '');
  const outputsPath = path.join(outputsDir, 'amplify_outputs.json');
  const deadline = Date.now() + 60_000;
  let outputs;
  while (!outputs?.custom?.ampstack?.endpoint) {
    if (child.exitCode !== null) throw new Error(`sandbox exited ${child.exitCode}:\n${log()}`);
    if (Date.now() > deadline) throw new Error(`sandbox wrote no outputs in time:\n${log()}`);
    try { outputs = JSON.parse(fs.readFileSync(outputsPath, 'utf8')); } catch { await sleep(50); }
  }
  const trustArgs = ['--dir', appDir, '--data-dir', path.join(tmp, 'data')];
  const trust = spawnSync(bin, ['trust', ...trustArgs, '--print-path'], { encoding: 'utf8' });
  if (trust.status !== 0) throw new Error(`ampstack trust failed: ${trust.stderr}`);
  const caPath = trust.stdout.trim();
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return { outputs, outputsPath, caPath, trustArgs, ca: fs.readFileSync(caPath), endpoint: outputs.custom.ampstack.endpoint, log, stop };
}

/**
 * Builds the app with its own vite.config.ts, importing this run's outputs in place of
 * ../amplify_outputs.json (so a sandbox a developer runs on examples/vue is left alone), and
 * serves the build with `vite preview` on 127.0.0.1.
 */
async function buildAndServe(tmp, outputsPath) {
  const outDir = path.join(tmp, 'dist');
  const common = {
    root: appDir,
    configFile: path.join(appDir, 'vite.config.ts'),
    logLevel: 'warn',
    resolve: { alias: [{ find: /^\.\.\/amplify_outputs\.json$/, replacement: outputsPath }] },
  };
  await build({ ...common, build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 4096 } });
  const port = await freePort();
  const server = await preview({ ...common, build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } });
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.httpServer.close(r)) };
}

/**
 * Chromium trusting the sandbox's CA the way `ampstack trust` tells a person to on Linux: the
 * `certutil … -i <ca.pem>` line it prints, run against the NSS database in the browser's $HOME
 * (created first, as a browser's first start would).
 */
async function launchBrowser(tmp, trustArgs) {
  const home = path.join(tmp, 'home');
  const nssdb = path.join(home, '.pki/nssdb');
  fs.mkdirSync(nssdb, { recursive: true });
  const env = { ...process.env, HOME: home };
  const created = spawnSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`certutil -N failed: ${created.stderr}`);
  const help = spawnSync(bin, ['trust', ...trustArgs], { encoding: 'utf8' }).stdout;
  const command = /certutil -d sql:\$HOME\/\.pki\/nssdb .*/.exec(help)?.[0];
  if (!command) throw new Error(`ampstack trust printed no certutil command for Chromium:\n${help}`);
  const added = spawnSync('sh', ['-c', command], { encoding: 'utf8', env });
  if (added.status !== 0) throw new Error(`${command} failed: ${added.stderr}`);
  return chromium.launch({ executablePath: chromiumPath, env });
}

/**
 * Everything one browser run needs: sandbox (on `engine`), served app, browser.
 */
export async function startRun(engine) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ampstack-vue-e2e-${engine.name}-`));
  const cleanup = [];
  const stop = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const sandbox = await startSandbox(tmp, engine.url);
    cleanup.push(sandbox.stop);
    const app = await buildAndServe(tmp, sandbox.outputsPath);
    cleanup.push(app.close);
    const browser = await launchBrowser(tmp, sandbox.trustArgs);
    cleanup.push(() => browser.close());
    const shots = path.join(artifactsDir, engine.name);
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    return { sandbox, app, browser, shots, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Collects every console error and uncaught page error of a browser context. */
export function watchConsole(context) {
  const errors = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
  });
  context.on('weberror', (err) => errors.push(`pageerror: ${err.error().stack ?? err.error()}`));
  return { errors };
}

/** A solid-colour RGB PNG of `width`×`height`, made here so the test ships no binary files. */
export function png(width, height, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}
