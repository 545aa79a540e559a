// Storage backends (issue 6), with boto3 (support/storage_backends.py) against real `ampstack`
// processes:
// - orphan clean-up: a blob no metadata points at (as a crash between blob write and metadata
//   commit leaves) is removed by the janitor once older than AMPSTACK_ORPHAN_MIN_AGE_SECONDS,
//   while referenced blobs, an open upload's parts and files that are not blobs stay — for local
//   files and for the S3-compatible object store (moto_server), on SQLite and PostgreSQL;
// - two nodes on one PostgreSQL and one object store, each with its own data directory, serve the
//   same objects (write on A; read, range, list, copy, delete on B);
// - ExpiredToken: identity-pool credentials issued with AMPSTACK_CREDENTIALS_TTL_SECONDS=3 are
//   refused with S3's ExpiredToken (400) once expired, signed or presigned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, engines, startSandbox } from './support/sandbox.mjs';
import { adminCredentials, backendsTool, blobFiles, blobStores, haveMoto, startMoto } from './support/blobstores.mjs';

const haveBoto = spawnSync('python3', ['-c', 'import boto3']).status === 0;
const project = 'conformance/projects/storage-buckets';

function tool(cmd, env) {
  const r = spawnSync('python3', [backendsTool, cmd], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `storage_backends.py ${cmd}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** What storage_backends.py needs to reach one sandbox's default bucket as admin. */
function sandboxEnv(sandbox, dataDir = null) {
  const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
  return {
    ...adminCredentials(sandbox.dir, dataDir),
    AWS_DEFAULT_REGION: 'us-east-1',
    ENDPOINT: outputs.custom.ampstack.storage_endpoint,
    BUCKET: outputs.storage.bucket_name,
    CA: sandbox.caPath,
    AMPSTACK_OUTPUTS: sandbox.outputsPath,
  };
}

if (!fs.existsSync(bin) || !haveBoto) {
  test('storage backends', { skip: !haveBoto ? 'boto3 missing (scripts/test installs it)' : `no binary at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    for (const blobs of blobStores()) {
      test(`storage: the janitor removes orphan blobs and keeps referenced ones (${engine.name}, ${blobs.name})`, { timeout: 180_000 }, async () => {
        const store = await blobs.start();
        let sandbox;
        try {
          sandbox = await startSandbox({ project, databaseUrl: engine.url, env: { ...store.env, AMPSTACK_ORPHAN_MIN_AGE_SECONDS: '2' } });
          const env = sandboxEnv(sandbox);
          const filesEnv = blobs.name === 'files' ? { BLOBS_DIR: path.join(sandbox.dir, '.ampstack', 'storage', 'buckets', env.BUCKET) } : {};
          assert.match(tool('orphans', { ...env, ...store.toolEnv, ...filesEnv }), /orphans ok/);
        } finally {
          await sandbox?.stop();
          await store.stop();
          if (sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
        }
      });
    }

    test(`storage: expired identity-pool credentials answer ExpiredToken (${engine.name})`, { timeout: 120_000 }, async () => {
      const sandbox = await startSandbox({ project, databaseUrl: engine.url, env: { AMPSTACK_CREDENTIALS_TTL_SECONDS: '3' } });
      try {
        assert.match(tool('expired-token', sandboxEnv(sandbox)), /expired token ok/);
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }

  const pg = engines().find((e) => e.url);
  test('storage: two nodes on one PostgreSQL and one object store serve the same objects', { timeout: 300_000, skip: !pg ? 'needs AMPSTACK_TEST_DATABASE_URL' : !haveMoto ? 'moto_server missing (scripts/test installs it)' : false }, async (t) => {
    const store = await startMoto();
    // Node B shares only the sandbox's identity (ids, admin keys) with node A: its own data
    // directory, CA and port, so anything it serves comes from PostgreSQL and the object store.
    let nodeA, nodeB;
    const dataB = fs.mkdtempSync(path.join(os.tmpdir(), 'ampstack-node-b-'));
    try {
      nodeA = await startSandbox({ project, databaseUrl: pg.url, env: store.env });
      for (const f of ['sandbox.json', 'admin-credentials.json']) fs.copyFileSync(path.join(nodeA.dir, '.ampstack', f), path.join(dataB, f));
      nodeB = await startSandbox({ project, databaseUrl: pg.url, env: store.env, dataDir: dataB });
      const a = sandboxEnv(nodeA);
      const b = sandboxEnv(nodeB, dataB);
      assert.equal(a.BUCKET, b.BUCKET);
      assert.notEqual(a.ENDPOINT, b.ENDPOINT);
      await t.test('write on A; read, range, list, copy and delete on B', () => {
        assert.match(tool('two-nodes', { ...a, ...store.toolEnv, ENDPOINT_B: b.ENDPOINT, CA_B: b.CA }), /two nodes ok/);
      });
      await t.test('no bytes under either data directory', () => {
        assert.equal(blobFiles(path.join(nodeA.dir, '.ampstack')), 0);
        assert.equal(blobFiles(dataB), 0);
      });
    } finally {
      await nodeB?.stop();
      await nodeA?.stop();
      await store.stop();
      for (const d of [nodeA?.dir, nodeB?.dir, dataB]) if (d) fs.rmSync(d, { recursive: true, force: true });
    }
  });
}
