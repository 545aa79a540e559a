// Cognito triggers (issue 3): preSignUp (refuse, auto-confirm/verify), postConfirmation and
// preTokenGeneration run as functions (Node.js workers) with Cognito's events, driven by the real
// aws-amplify client; SQLite and — when AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('auth triggers', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: Cognito triggers with the real client (${engine.name})`, { timeout: 180_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/auth-triggers', databaseUrl: engine.url });
      try {
        await runScenario(t, path.join(here, 'support/auth-triggers-scenario.mjs'), sandbox);
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
