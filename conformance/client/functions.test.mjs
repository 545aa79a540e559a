// Functions: the real aws-amplify v6 generateClient() calling custom queries and mutations backed
// by defineFunction handlers in a real `ampstack sandbox` serving conformance/projects/functions
// (Node.js workers; handlers import npm packages from the project's node_modules, here
// conformance/node_modules linked into the temporary copy), on SQLite and — when
// AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL. Includes a function that calls the data API
// itself (getAmplifyDataClientConfig + IAM) and a model behind the Lambda authorizer.
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, conformanceDir, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('functions against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`functions: generateClient against function handlers (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({
        project: 'conformance/projects/functions',
        databaseUrl: engine.url,
        edit: (dir) => {
          fs.symlinkSync(path.join(conformanceDir, 'node_modules'), path.join(dir, 'node_modules'));
          const set = spawnSync(bin, ['secret', 'set', 'API_TOKEN', '--dir', dir], { input: 'token-from-secret\n', encoding: 'utf8' });
          if (set.status !== 0) throw new Error(`secret set failed: ${set.stderr}`);
        },
      });
      try {
        await t.test('custom operations, async, errors, timeouts, data access, Lambda authorization', (t2) =>
          runScenario(t2, path.join(here, 'support/functions-scenario.mjs'), sandbox));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
