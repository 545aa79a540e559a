// Cognito CUSTOM_AUTH and the authentication triggers (issue 3): defineAuthChallenge,
// createAuthChallenge, verifyAuthChallengeResponse (CUSTOM_WITHOUT_SRP and CUSTOM_WITH_SRP),
// preAuthentication, postAuthentication, customMessage and userMigration run as functions with
// Cognito's events, driven by the real aws-amplify client; SQLite and — when
// AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

if (!fs.existsSync(bin)) {
  test('auth custom flow', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: CUSTOM_AUTH and the authentication triggers with the real client (${engine.name})`, { timeout: 240_000 }, async (t) => {
      const sandbox = await startSandbox({ project: 'conformance/projects/auth-custom', databaseUrl: engine.url });
      try {
        await runScenario(t, path.join(here, 'support/auth-custom-scenario.mjs'), sandbox);
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
