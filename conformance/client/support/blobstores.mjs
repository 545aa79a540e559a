// Where the storage tests keep object bytes: the default files under the data directory, and an
// S3-compatible object store — a real `moto_server` started on a free 127.0.0.1 port for each
// test, with the bucket created over its S3 API — passed to the sandbox as AMPSTACK_BLOB_STORE.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { bin } from './sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
export const backendsTool = path.join(here, 'storage_backends.py');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const haveMoto = spawnSync('moto_server', ['--help']).status === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts moto_server with one bucket; resolves with { endpoint, bucket, env, stop() }. */
export async function startMoto() {
  const port = await freePort();
  const logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-moto-')), 'moto.log');
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', fs.openSync(logPath, 'a')] });
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = 'ampstack-blobs';
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited ${child.exitCode}:\n${fs.readFileSync(logPath, 'utf8')}`);
    try {
      // CreateBucket (moto does not check signatures; the sandbox signs with any keys too).
      const r = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('moto_server did not start');
    await sleep(100);
  }
  return {
    endpoint,
    bucket,
    env: {
      AMPSTACK_BLOB_STORE: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
      AWS_ACCESS_KEY_ID: 'ampstack-node',
      AWS_SECRET_ACCESS_KEY: 'ampstack-node-secret',
    },
    /** What storage_backends.py needs to look into the object store directly. */
    toolEnv: { BLOBS_ENDPOINT: endpoint, BLOBS_BUCKET: bucket },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      }
      fs.rmSync(path.dirname(logPath), { recursive: true, force: true });
    },
  };
}

/**
 * The blob store variants: `files` always, `s3` (moto_server) when it is installed. `start()`
 * resolves with { env (for the sandbox), toolEnv (for storage_backends.py), stop() }.
 */
export function blobStores() {
  const files = { name: 'files', start: async () => ({ env: {}, toolEnv: {}, stop: async () => {} }) };
  return haveMoto ? [files, { name: 's3', start: startMoto }] : [files];
}

/** The sandbox's admin credentials (`ampstack credentials`) as environment variables. */
export function adminCredentials(dir, dataDir = null) {
  const r = spawnSync(bin, ['credentials', '--dir', dir, ...(dataDir ? ['--data-dir', dataDir] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.replace(/^export /, '').split(/=(.*)/s).slice(0, 2)));
}

/** Files the files backend keeps under a data directory's `storage/buckets` (none with s3). */
export function blobFiles(dataDir) {
  const root = path.join(dataDir, 'storage', 'buckets');
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;
}
