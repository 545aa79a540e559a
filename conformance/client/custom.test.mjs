// Data (issue 4): custom queries and mutations handled by AppSync JS resolvers, through the real
// aws-amplify v6 generateClient (client.queries.x / client.mutations.y) against a real
// `ampstack sandbox` serving conformance/projects/data-custom, on SQLite and — when
// AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('custom operations against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`data: custom operations with AppSync JS resolvers (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/data-custom', databaseUrl: engine.url });
      try {
        await t.test('NONE and model data sources, pipelines, util.error, rules', (t2) =>
          runScenario(t2, path.join(here, 'support/custom-scenario.mjs'), sandbox));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
