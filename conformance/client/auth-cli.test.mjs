// Username sign-in and `ampstack users` (issue 3): the real aws-amplify v6 client and the ampstack
// CLI against a real `ampstack sandbox` on conformance/projects/auth-username (the
// `usernameAttributes = []` escape hatch), on SQLite and — when AMPSTACK_TEST_DATABASE_URL is
// set — PostgreSQL (the CLI then gets the same database through AMPSTACK_DATABASE_URL).
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('username sign-in and ampstack users', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: username sign-in and ampstack users (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/auth-username', databaseUrl: engine.url });
      const env = engine.url ? { AMPSTACK_DATABASE_URL: engine.url } : {};
      try {
        await t.test('username sign-in via the escape hatch', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-username-scenario.mjs'), sandbox));
        await t.test('ampstack users: every subcommand, USER as username, email or sub', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-cli-scenario.mjs'), sandbox, env));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
