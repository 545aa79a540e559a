// Device tracking (issue 3): the real aws-amplify v6 client against a real `ampstack sandbox`
// whose backend.ts turns device tracking on through the `cfnUserPool.deviceConfiguration` escape
// hatch, on SQLite and — when AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

const AUTH_RESOURCE = `import { defineAuth } from '@aws-amplify/backend';

export const auth = defineAuth({
  loginWith: { email: true },
  multifactor: { mode: 'OPTIONAL', email: true },
});
`;

const BACKEND = `import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { storage } from './storage/resource';

const backend = defineBackend({ auth, data, storage });
backend.auth.resources.cfnResources.cfnUserPool.deviceConfiguration = {
  challengeRequiredOnNewDevice: true,
  deviceOnlyRememberedOnUserPrompt: true,
};
`;

function edit(dir) {
  fs.writeFileSync(path.join(dir, 'amplify/auth/resource.ts'), AUTH_RESOURCE);
  fs.writeFileSync(path.join(dir, 'amplify/backend.ts'), BACKEND);
}

if (!fs.existsSync(bin)) {
  test('auth devices against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth devices: aws-amplify client against the sandbox (${engine.name})`, { timeout: 180_000 }, async (t) => {
      const sandbox = await startSandbox({ databaseUrl: engine.url, edit });
      try {
        await t.test('remember, fetch, DEVICE_SRP_AUTH, forget', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-device-scenario.mjs'), sandbox));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
