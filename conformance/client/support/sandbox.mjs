// Starts a real `ampstack sandbox --port 0` on a temporary copy of a project and runs scenario
// scripts against it in a child Node process that trusts the sandbox's development CA
// (NODE_EXTRA_CA_CERTS is read only at process start). Scenario steps report over IPC and become
// node:test subtests of the caller.
import { spawn, spawnSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';

export const conformanceDir = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '../..');
export const repoDir = path.resolve(conformanceDir, '..');
export const bin = process.env.AMPSTACK_BIN
  ? path.resolve(process.env.AMPSTACK_BIN)
  : path.resolve(repoDir, 'target/debug/ampstack');

/** The database variants to run: SQLite always, PostgreSQL when AMPSTACK_TEST_DATABASE_URL is set. */
export function engines() {
  const list = [{ name: 'sqlite', url: null }];
  if (process.env.AMPSTACK_TEST_DATABASE_URL) list.push({ name: 'postgres', url: process.env.AMPSTACK_TEST_DATABASE_URL });
  return list;
}

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (['.ampstack', 'node_modules', 'amplify_outputs.json'].includes(e.name)) continue;
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) copyDir(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Copies `project` (relative to the repo) to a temp dir, applies `edit(dir)`, starts the sandbox.
 * Returns { dir, endpoint, httpEndpoint, outputsPath, caPath, log(), stop() }.
 */
export async function startSandbox({ project = 'examples/todo', databaseUrl = null, edit, env = {}, dataDir = null } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-client-'));
  copyDir(path.join(repoDir, project), dir);
  if (edit) edit(dir);
  const logPath = path.join(dir, 'sandbox.log');
  const outputsPath = path.join(dir, 'amplify_outputs.json');
  const log = () => (fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '');
  let child;
  const launch = async (port) => {
    const args = ['sandbox', '--dir', dir, '--port', String(port)];
    if (databaseUrl) args.push('--database-url', databaseUrl);
    if (dataDir) args.push('--data-dir', dataDir);
    fs.rmSync(outputsPath, { force: true });
    child = spawn(bin, args, {
      stdio: ['ignore', 'ignore', fs.openSync(logPath, 'a')],
      env: { ...process.env, ...env },
    });
    const deadline = Date.now() + 60_000;
    let found;
    while (!found) {
      if (child.exitCode !== null) throw new Error(`sandbox exited ${child.exitCode}:\n${log()}`);
      if (Date.now() > deadline) throw new Error(`sandbox did not write outputs in time:\n${log()}`);
      try {
        found = JSON.parse(fs.readFileSync(outputsPath, 'utf8')).custom?.ampstack?.endpoint;
      } catch {}
      if (!found) await sleep(50);
    }
    return found;
  };
  const endpoint = await launch(0);
  const httpEndpoint = endpoint.replace(/^https:/, 'http:');
  const trust = spawnSync(bin, ['trust', '--dir', dir, ...(dataDir ? ['--data-dir', dataDir] : []), '--print-path'], { encoding: 'utf8' });
  if (trust.status !== 0) throw new Error(`ampstack trust failed: ${trust.stderr}`);
  const caPath = trust.stdout.trim();
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  /** Stops the sandbox and starts it again on the same port, directory and database. */
  const restart = async () => {
    await stop();
    await launch(new URL(endpoint).port);
  };
  return {
    dir, endpoint, httpEndpoint, outputsPath, caPath, log, stop, restart, bin,
    /** The running sandbox process (a new one after restart()). */
    get child() { return child; },
  };
}

/**
 * Runs `script` (a scenario using ./steps.mjs) in a child Node that trusts the sandbox CA, turning
 * each reported step into a subtest of `t`.
 */
export async function runScenario(t, script, sandbox, extraEnv = {}, onRequest = null) {
  const child = fork(script, [], {
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: sandbox.caPath,
      AMPSTACK_OUTPUTS: sandbox.outputsPath,
      AMPSTACK_DIR: sandbox.dir,
      AMPSTACK_BIN: bin,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const messages = [];
  let wake = null;
  child.on('message', (m) => { messages.push(m); wake?.(); });
  const exited = new Promise((r) => child.once('exit', (code) => { messages.push({ exit: code }); wake?.(); r(code); }));
  for (;;) {
    if (!messages.length) await new Promise((r) => { wake = r; });
    wake = null;
    const m = messages.shift();
    if (!m || m.done) continue;
    if (m.request) {
      // The scenario asks the test to act on the sandbox (e.g. restart it) and waits for the reply.
      child.send(await onRequest(m.request));
      continue;
    }
    if ('exit' in m) {
      if (m.exit !== 0) throw new Error(`scenario exited ${m.exit}\n--- scenario output ---\n${output}\n--- sandbox log ---\n${sandbox.log()}`);
      break;
    }
    await t.test(m.name, { skip: m.skipped ? 'an earlier step failed' : false }, () => {
      if (!m.ok) throw new Error(`${m.error}\n--- sandbox log (tail) ---\n${sandbox.log().split('\n').slice(-30).join('\n')}`);
    });
  }
  await exited;
}
