// Data (issue 4): the real aws-amplify v6 generateClient() against a real `ampstack sandbox` serving
// conformance/projects/data-models, on SQLite and — when AMPSTACK_TEST_DATABASE_URL is set —
// PostgreSQL. The client runs in a child process that trusts the sandbox's development CA
// (support/sandbox.mjs); each scenario step is a subtest.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('data against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`data: generateClient against the sandbox (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/data-models', databaseUrl: engine.url });
      try {
        await t.test('models: CRUDL, filters, pagination, identifiers, indexes, relationships, API key rules', (t2) =>
          runScenario(t2, path.join(here, 'support/data-scenario.mjs'), sandbox));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
