// The AWS CLI (PyPI `awscli`) and boto3 against a real `ampstack sandbox` (issue 3): the Cognito
// admin operations signed with the credentials `ampstack credentials --dir DIR` prints, over TLS
// with the sandbox's development CA as AWS_CA_BUNDLE, and boto3's identity-pool calls. SQLite and — when AMPSTACK_TEST_DATABASE_URL is set — PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { bin, engines, startSandbox } from './support/sandbox.mjs';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const python = process.env.PYTHON ?? 'python3';
const hasCli = spawnSync('aws', ['--version']).status === 0;
const hasBoto = spawnSync(python, ['-c', 'import boto3']).status === 0;

const AUTH_RESOURCE = `import { defineAuth } from '@aws-amplify/backend';

export const auth = defineAuth({
  loginWith: { email: true },
  groups: ['ADMINS', 'EDITORS'],
});
`;

function credentials(dir) {
  const r = spawnSync(bin, ['credentials', '--dir', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
}

if (!fs.existsSync(bin) || !hasCli) {
  test('AWS CLI against the sandbox', { skip: !hasCli ? 'the aws CLI is not installed (scripts/test installs it)' : `no binary at ${bin}` }, () => {});
} else {
  for (const engine of engines()) {
    test(`auth: AWS CLI and boto3 against the sandbox (${engine.name})`, { timeout: 180_000 }, async (t) => {
      const sandbox = await startSandbox({ databaseUrl: engine.url, edit: (dir) => fs.writeFileSync(path.join(dir, 'amplify/auth/resource.ts'), AUTH_RESOURCE) });
      const outputs = JSON.parse(fs.readFileSync(sandbox.outputsPath, 'utf8'));
      const poolId = outputs.auth.user_pool_id;
      const endpoint = outputs.custom.ampstack.user_pool_endpoint;
      const tag = crypto.randomBytes(4).toString('hex');
      const env = {
        ...process.env, ...credentials(sandbox.dir),
        AWS_CA_BUNDLE: sandbox.caPath, AWS_DEFAULT_REGION: poolId.split('_')[0], AWS_PAGER: '',
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      };
      const aws = (...args) => {
        const r = spawnSync('aws', ['cognito-idp', ...args, '--endpoint-url', endpoint, '--output', 'json'], { encoding: 'utf8', env });
        return { status: r.status, json: r.stdout.trim() ? JSON.parse(r.stdout) : null, stderr: r.stderr };
      };
      const ok = (...args) => {
        const r = aws(...args);
        assert.equal(r.status, 0, `aws ${args.join(' ')}: ${r.stderr}`);
        return r.json;
      };
      try {
        const user = `cli.${tag}@example.com`;
        await t.test('admin-create-user', () => {
          const out = ok('admin-create-user', '--user-pool-id', poolId, '--username', user,
            '--user-attributes', `Name=email,Value=${user}`, '--temporary-password', 'Cli#Temp1234');
          assert.equal(out.User.UserStatus, 'FORCE_CHANGE_PASSWORD');
          assert.ok(out.User.UserCreateDate > 1.7e9, 'UserCreateDate is epoch seconds on the wire');
        });
        await t.test('list-users (with a filter)', () => {
          const out = ok('list-users', '--user-pool-id', poolId, '--filter', `email = "${user}"`);
          assert.equal(out.Users.length, 1);
          assert.ok(out.Users[0].Attributes.some((a) => a.Name === 'email' && a.Value === user));
        });
        await t.test('admin-add-user-to-group, admin-list-groups-for-user, list-users-in-group', () => {
          ok('admin-add-user-to-group', '--user-pool-id', poolId, '--username', user, '--group-name', 'EDITORS');
          const groups = ok('admin-list-groups-for-user', '--user-pool-id', poolId, '--username', user);
          assert.deepEqual(groups.Groups.map((g) => g.GroupName), ['EDITORS']);
          const members = ok('list-users-in-group', '--user-pool-id', poolId, '--group-name', 'EDITORS');
          assert.equal(members.Users.length, 1);
          const missing = aws('admin-add-user-to-group', '--user-pool-id', poolId, '--username', user, '--group-name', 'NOPE');
          assert.notEqual(missing.status, 0);
          assert.match(missing.stderr, /ResourceNotFoundException/);
        });
        await t.test('admin-set-user-password, admin-get-user, admin-delete-user', () => {
          ok('admin-set-user-password', '--user-pool-id', poolId, '--username', user, '--password', 'Cli#Final1234', '--permanent');
          assert.equal(ok('admin-get-user', '--user-pool-id', poolId, '--username', user).UserStatus, 'CONFIRMED');
          ok('admin-delete-user', '--user-pool-id', poolId, '--username', user);
          const gone = aws('admin-get-user', '--user-pool-id', poolId, '--username', user);
          assert.match(gone.stderr, /UserNotFoundException/);
        });
        await t.test('a wrong secret is refused', () => {
          const r = spawnSync('aws', ['cognito-idp', 'list-users', '--user-pool-id', poolId, '--endpoint-url', endpoint],
            { encoding: 'utf8', env: { ...env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) } });
          assert.notEqual(r.status, 0);
          assert.match(r.stderr, /InvalidSignatureException/);
        });
        await t.test('boto3: admin API, guest and signed-in identity-pool credentials', { skip: !hasBoto && 'boto3 is not installed' }, () => {
          const r = spawnSync(python, [path.join(here, 'support/boto3_auth.py')], {
            encoding: 'utf8', env: { ...env, AMPSTACK_OUTPUTS: sandbox.outputsPath, TAG: tag },
          });
          assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}\n--- sandbox log ---\n${sandbox.log().split('\n').slice(-20).join('\n')}`);
          assert.match(r.stdout, /boto3 ok/);
        });
      } finally {
        await sandbox.stop();
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
      }
    });
  }
}
