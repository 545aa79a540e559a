// Auth (issue 3): the real aws-amplify v6 client against a real `ampstack sandbox` on a temporary
// copy of examples/todo (with custom attributes, groups and optional MFA added), on SQLite and — when
// AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL. The client runs in a child process that
// trusts the sandbox's development CA (support/sandbox.mjs); each scenario step is a subtest.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, runScenario, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));

const AUTH_RESOURCE = `import { defineAuth } from '@aws-amplify/backend';

export const auth = defineAuth({
  loginWith: { email: { otpLogin: true } },
  userAttributes: {
    nickname: { mutable: true, required: false },
    'custom:display_name': { dataType: 'String', mutable: true, minLen: 1, maxLen: 16 },
    'custom:favorite_number': { dataType: 'Number', mutable: true, min: 1, max: 100 },
  },
  groups: ['ADMINS', 'EDITORS'],
  multifactor: { mode: 'OPTIONAL', totp: true, email: true },
});
`;

function edit(dir) {
  fs.writeFileSync(path.join(dir, 'amplify/auth/resource.ts'), AUTH_RESOURCE);
}

if (!fs.existsSync(bin)) {
  test('auth against the sandbox', { skip: `ampstack binary not found at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: aws-amplify client against the sandbox (${engine.name})`, { timeout: 300_000 }, async (t) => {
      const sandbox = await startSandbox({ databaseUrl: engine.url, edit });
      try {
        await t.test('sign-up, sign-in, tokens, profile, passwords, sessions, identity pool', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-scenario.mjs'), sandbox));
        await t.test('admin: ampstack users, credentials, AWS SDK admin API, guest access off', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-admin-scenario.mjs'), sandbox,
            engine.url ? { AMPSTACK_DATABASE_URL: engine.url } : {}));
        // Last: it hot-reloads the project to mode REQUIRED.
        await t.test('MFA: TOTP, email OTP, selection, passwordless, MFA_SETUP', (t2) =>
          runScenario(t2, path.join(here, 'support/auth-mfa-scenario.mjs'), sandbox));
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
