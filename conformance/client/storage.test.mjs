// Storage (issue 6): the real aws-amplify v6 Storage API through clients/js/ampstack-amplify.mjs against a real `ampstack sandbox` serving
// conformance/projects/storage-buckets, on SQLite and — when AMPSTACK_TEST_DATABASE_URL is set —
// PostgreSQL, each with object bytes in local files and in an S3-compatible object store
// (moto_server, support/blobstores.mjs; the test then checks the bytes really are there). The
// client runs in a child process that trusts the sandbox's development CA (support/sandbox.mjs);
// each scenario step is a subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';
import { adminCredentials, backendsTool, blobFiles, blobStores } from './support/blobstores.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('storage against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    for (const blobs of blobStores()) {
      test(`storage: uploadData, downloadData, getUrl, list, getProperties, remove, copy against the sandbox (${engine.name}, ${blobs.name})`, { timeout: 300_000 }, async (t) => {
        const store = await blobs.start();
        let sandbox;
        try {
          sandbox = await startSandbox({ project: 'conformance/projects/storage-buckets', databaseUrl: engine.url, env: store.env });
          await t.test('guest, two users and a group member on two buckets; files and records', (t2) =>
            runScenario(t2, path.join(here, 'support/storage-scenario.mjs'), sandbox, engine.url ? { AMPSTACK_DATABASE_URL: engine.url } : {}));
          if (blobs.name === 's3') {
            await t.test('the bytes live in the object store, none under the data directory', () => {
              const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
              const env = { ...process.env, ...adminCredentials(sandbox.dir), ...store.toolEnv, ENDPOINT: outputs.custom.ampstack.storage_endpoint, BUCKET: outputs.storage.bucket_name, CA: sandbox.caPath, AWS_CA_BUNDLE: sandbox.caPath };
              const r = spawnSync('python3', [backendsTool, 'blobs-in-object-store'], { encoding: 'utf8', env });
              assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
              assert.equal(blobFiles(path.join(sandbox.dir, '.ampstack')), 0);
            });
          }
        } finally {
          await sandbox?.stop();
          await store.stop();
          if (sandbox) fs.rmSync(sandbox.dir, { recursive: true, force: true });
        }
      });
    }
  }
}
