// Administration: `ampstack users …` (groups show in the user's next tokens), the Cognito admin
// API through the AWS SDK v3 signed with `ampstack credentials`, wrong and missing signatures,
// NEW_PASSWORD_REQUIRED for admin-created users, and guest access turned off by hot reload.
// Run by ../auth.test.mjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Amplify } from 'aws-amplify';
import { signIn, confirmSignIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import {
  CognitoIdentityProviderClient, AdminCreateUserCommand, ListUsersCommand, AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand, ListUsersInGroupCommand, AdminGetUserCommand, AdminDeleteUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

const outputsPath = process.env.AMPSTACK_OUTPUTS;
const outputs = JSON.parse(fs.readFileSync(outputsPath, 'utf8'));
const local = outputs.custom.ampstack;
const dir = process.env.AMPSTACK_DIR;
const poolId = outputs.auth.user_pool_id;
const { step, run } = createSteps();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Correct#Horse1';

/** Runs the ampstack CLI on the sandbox's project folder. */
function ampstack(...args) {
  const r = spawnSync(process.env.AMPSTACK_BIN, [args[0], ...(args[0] === 'users' ? [args[1], '--dir', dir, ...args.slice(2)] : ['--dir', dir, ...args.slice(1)])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ampstack ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function admin(credentials) {
  return new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: local.user_pool_endpoint, credentials, maxAttempts: 1 });
}

let creds;
const carol = `carol.${tag}@example.com`;

step('configure', () => { configureAmplify(Amplify, outputs); });

step('ampstack users create / add-to-group: groups show in the next tokens', async () => {
  ampstack('users', 'create', carol, '--password', password);
  assert.equal((await signIn({ username: carol, password })).isSignedIn, true);
  let { tokens } = await fetchAuthSession();
  assert.equal(tokens.accessToken.payload['cognito:groups'], undefined);
  ampstack('users', 'add-to-group', carol, 'ADMINS');
  ({ tokens } = await fetchAuthSession({ forceRefresh: true }));
  assert.deepEqual(tokens.accessToken.payload['cognito:groups'], ['ADMINS']);
  assert.deepEqual(tokens.idToken.payload['cognito:groups'], ['ADMINS']);
  const sub = tokens.idToken.payload.sub;
  ampstack('users', 'add-to-group', sub, 'EDITORS');
  ampstack('users', 'remove-from-group', carol, 'ADMINS');
  ({ tokens } = await fetchAuthSession({ forceRefresh: true }));
  assert.deepEqual(tokens.accessToken.payload['cognito:groups'], ['EDITORS']);
  const list = ampstack('users', 'list');
  assert.match(list, new RegExp(`${carol}\\tCONFIRMED\\tEDITORS\\t${sub}`));
  const bad = spawnSync(process.env.AMPSTACK_BIN, ['users', 'add-to-group', '--dir', dir, carol, 'NOPE'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /Group not found/);
  await signOut();
});

step('ampstack users rotate-keys: new key in the JWKS, the old one kept for live tokens', async () => {
  const jwks = async () => (await (await fetch(`${local.endpoint}/${poolId}/.well-known/jwks.json`)).json()).keys.map((k) => k.kid);
  const before = await jwks();
  const out = ampstack('users', 'rotate-keys');
  const kid = /^signing key\t(.+)$/m.exec(out)[1];
  assert.ok(!before.includes(kid));
  for (const old of before) assert.match(out, new RegExp(`^kept\t${old.replace(/[+/=]/g, '\\$&')}$`, 'm'));
  const after = await jwks();
  assert.ok(after.includes(kid) && before.every((k) => after.includes(k)));
});

step('ampstack credentials prints export-ready lines', () => {
  const out = ampstack('credentials');
  const lines = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  assert.match(lines.AWS_ACCESS_KEY_ID, /^AKIA[A-Z2-7]{16}$/);
  assert.equal(lines.AWS_SECRET_ACCESS_KEY.length, 40);
  creds = { accessKeyId: lines.AWS_ACCESS_KEY_ID, secretAccessKey: lines.AWS_SECRET_ACCESS_KEY };
});

const dave = `dave.${tag}@example.com`;
step('AWS SDK: AdminCreateUser, ListUsers, AdminAddUserToGroup, AdminListGroupsForUser', async () => {
  const c = admin(creds);
  const created = await c.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: dave, TemporaryPassword: 'Temp#Pass123', UserAttributes: [{ Name: 'email', Value: dave }] }));
  assert.equal(created.User.UserStatus, 'FORCE_CHANGE_PASSWORD');
  assert.ok(created.User.UserCreateDate instanceof Date);
  const listed = await c.send(new ListUsersCommand({ UserPoolId: poolId, Filter: `email = "${dave}"` }));
  assert.equal(listed.Users.length, 1);
  assert.equal(listed.Users[0].Attributes.find((a) => a.Name === 'email').Value, dave);
  await c.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: dave, GroupName: 'EDITORS' }));
  const groups = await c.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: dave }));
  assert.deepEqual(groups.Groups.map((g) => g.GroupName), ['EDITORS']);
  const inGroup = await c.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'EDITORS' }));
  assert.ok(inGroup.Users.some((u) => u.Attributes.some((a) => a.Value === dave)));
  const got = await c.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: dave }));
  assert.equal(got.UserStatus, 'FORCE_CHANGE_PASSWORD');
  const msgs = await (await fetch(`${local.endpoint}/_ampstack/outbox?to=${encodeURIComponent(dave)}`)).json();
  assert.equal(msgs[0].code, 'Temp#Pass123');
});

step('admin calls with a wrong secret or no signature are refused', async () => {
  const wrong = await rejects(admin({ ...creds, secretAccessKey: 'x'.repeat(40) }).send(new ListUsersCommand({ UserPoolId: poolId })));
  assert.equal(wrong.name, 'InvalidSignatureException');
  const unknown = await rejects(admin({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: creds.secretAccessKey }).send(new ListUsersCommand({ UserPoolId: poolId })));
  assert.equal(unknown.name, 'UnrecognizedClientException');
  const res = await fetch(local.user_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers' },
    body: JSON.stringify({ UserPoolId: poolId }),
  });
  assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
});

step('an admin-created user sets a new password at first sign-in', async () => {
  const r = await signIn({ username: dave, password: 'Temp#Pass123' });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
  const done = await confirmSignIn({ challengeResponse: 'Brand#New456' });
  assert.equal(done.isSignedIn, true);
  await signOut();
  assert.equal((await signIn({ username: dave, password: 'Brand#New456' })).isSignedIn, true);
  await signOut();
  await admin(creds).send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: dave }));
  ampstack('users', 'delete', carol);
  assert.doesNotMatch(ampstack('users', 'list'), new RegExp(carol));
});

step('guest access off (cfnIdentityPool.allowUnauthenticatedIdentities = false) after hot reload', async () => {
  const backend = path.join(dir, 'amplify/backend.ts');
  const src = fs.readFileSync(backend, 'utf8');
  fs.writeFileSync(backend, src.replace(/defineBackend\(/, 'const backend = defineBackend(')
    + '\nbackend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = false;\n');
  const deadline = Date.now() + 30_000;
  while (JSON.parse(fs.readFileSync(outputsPath, 'utf8')).auth.unauthenticated_identities_enabled !== false) {
    assert.ok(Date.now() < deadline, 'the sandbox did not reload');
    await sleep(100);
  }
  const res = await fetch(local.identity_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
    body: JSON.stringify({ IdentityPoolId: outputs.auth.identity_pool_id, Logins: {} }),
  });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-amzn-errortype'), 'NotAuthorizedException');
  fs.writeFileSync(backend, src);
  while (JSON.parse(fs.readFileSync(outputsPath, 'utf8')).auth.unauthenticated_identities_enabled !== true) {
    assert.ok(Date.now() < deadline + 30_000, 'the sandbox did not reload back');
    await sleep(100);
  }
});

await run();
