// Storage (issue 6): the real aws-amplify v6 Storage API through clients/js/ampstack-amplify.mjs against a real `ampstack sandbox` serving
// conformance/projects/storage-buckets, on SQLite and — when AMPSTACK_TEST_DATABASE_URL is set —
// PostgreSQL. The client runs in a child process that trusts the sandbox's development CA
// (support/sandbox.mjs); each scenario step is a subtest.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('storage against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`storage: uploadData, downloadData, getUrl, list, getProperties, remove, copy against the sandbox (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/storage-buckets', databaseUrl: engine.url });
      try {
        await t.test('guest, two users and a group member on two buckets; files and records', (t2) =>
          runScenario(t2, path.join(here, 'support/storage-scenario.mjs'), sandbox, engine.url ? { AMPSTACK_DATABASE_URL: engine.url } : {}));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
