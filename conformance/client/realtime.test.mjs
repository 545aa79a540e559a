// Realtime (issue 5): the real aws-amplify v6 client's subscriptions against a real `ampstack
// sandbox` serving conformance/projects/realtime, on SQLite and — when AMPSTACK_TEST_DATABASE_URL
// is set — PostgreSQL, where a second ampstack process on the same database must deliver the
// first one's writes to its subscribers. The scenario runs in a child process that trusts the
// sandbox's development CA (support/sandbox.mjs); each step is a subtest.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const scenario = path.join(here, 'support/realtime-scenario.mjs');
const project = 'conformance/projects/realtime';

if (!fs.existsSync(bin)) {
  test('realtime against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`realtime: subscriptions with the real client (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ project, databaseUrl: engine.url });
      try {
        await runScenario(t, scenario, sandbox, engine.url ? { AMPSTACK_DATABASE_URL: engine.url } : {}, async (request) => {
          if (request !== 'restart') throw new Error(`unknown request ${request}`);
          await sandbox.restart();
          return { restarted: true };
        });
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
    if (!engine.url) continue;
    test('realtime: two ampstack processes on one PostgreSQL deliver each other\'s events', { timeout: 300_000 }, async (t) => {
      const nodeA = await startSandbox({ project, databaseUrl: engine.url });
      // Node B shares A's data directory (same ids, API key and CA) and database, not its port.
      const nodeB = await startSandbox({ project, databaseUrl: engine.url, dataDir: path.join(nodeA.dir, '.ampstack') });
      try {
        await runScenario(t, scenario, nodeB, { AMPSTACK_REALTIME_PEER: `${nodeA.httpEndpoint}/graphql` });
      } finally {
        await nodeB.stop();
        await nodeA.stop();
        fs.rmSync(nodeA.dir, { recursive: true, force: true });
        fs.rmSync(nodeB.dir, { recursive: true, force: true });
      }
    });
  }
}
