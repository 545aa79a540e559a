// `ampstack users` against a running sandbox's data (`--dir DIR`, plus AMPSTACK_DATABASE_URL for
// PostgreSQL), checked with the real aws-amplify v6 client, on the username pool of
// conformance/projects/auth-username so that the username, the email and the sub are three
// different ways to name a user. Every subcommand: create (with and without a password), confirm,
// set-password, add-to-group / remove-from-group (groups in the next tokens), list, delete, and
// the errors for unknown users and groups. Run by ../auth-cli.test.mjs.
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import { signUp, signIn, confirmSignIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';
import { outputs, password, tag, users, usersOk } from './auth-helpers.mjs';

const { step, run } = createSteps();
const grace = { username: `Grace_${tag}`, email: `grace.${tag}@example.com` };
const temp = { username: `Temp_${tag}`, email: `temp.${tag}@example.com` };
const late = { username: `Late_${tag}`, email: `late.${tag}@example.com` };

/** The fields of `ampstack users` output lines: USERNAME EMAIL STATUS GROUPS SUB PHONE. */
const fields = (line) => {
  const [username, email, status, groups, sub, phone] = line.split('\t');
  return { username, email, status, groups, sub, phone };
};
const groupsOf = async () => (await fetchAuthSession({ forceRefresh: true })).tokens;

step('configure', () => { configureAmplify(Amplify, outputs); });

step('create with --password: CONFIRMED, email verified, signs in at once', async () => {
  const u = fields(usersOk('create', grace.username, '--password', password, '--attribute', `email=${grace.email}`).trim());
  assert.deepEqual([u.username, u.email, u.status, u.groups], [grace.username, grace.email, 'CONFIRMED', '-']);
  grace.sub = u.sub;
  assert.equal((await signIn({ username: grace.username, password })).isSignedIn, true);
  const { idToken } = (await fetchAuthSession()).tokens;
  assert.equal(idToken.payload.sub, grace.sub);
  assert.equal(idToken.payload.email_verified, true);
  const dup = users('create', grace.username.toLowerCase(), '--password', password, '--attribute', `email=${grace.email}`);
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /UsernameExistsException/);
});

step('add-to-group / remove-from-group by username, email and sub: groups in the next tokens', async () => {
  let tokens = (await fetchAuthSession()).tokens;
  assert.equal(tokens.accessToken.payload['cognito:groups'], undefined);
  assert.match(usersOk('add-to-group', grace.username, 'ADMINS'), /\tADMINS\t/);
  tokens = await groupsOf();
  assert.deepEqual(tokens.accessToken.payload['cognito:groups'], ['ADMINS']);
  assert.deepEqual(tokens.idToken.payload['cognito:groups'], ['ADMINS']);
  usersOk('add-to-group', grace.email, 'EDITORS');
  assert.deepEqual((await groupsOf()).idToken.payload['cognito:groups'], ['ADMINS', 'EDITORS']);
  usersOk('remove-from-group', grace.sub, 'ADMINS');
  tokens = await groupsOf();
  assert.deepEqual(tokens.accessToken.payload['cognito:groups'], ['EDITORS']);
  assert.deepEqual(tokens.idToken.payload['cognito:groups'], ['EDITORS']);
  await signOut();
});

step('unknown users and groups: a clear error and a non-zero exit', () => {
  const noUser = users('add-to-group', `nobody_${tag}`, 'ADMINS');
  assert.notEqual(noUser.status, 0);
  assert.match(noUser.stderr, /UserNotFoundException: User does not exist/);
  const noGroup = users('add-to-group', grace.username, 'NOPE');
  assert.notEqual(noGroup.status, 0);
  assert.match(noGroup.stderr, /ResourceNotFoundException: Group not found/);
  for (const cmd of [['confirm', `nobody.${tag}@example.com`], ['delete', `nobody_${tag}`], ['set-password', '00000000-0000-0000-0000-000000000000', password], ['remove-from-group', `nobody_${tag}`, 'ADMINS']]) {
    const r = users(...cmd);
    assert.notEqual(r.status, 0, `ampstack users ${cmd.join(' ')} should fail`);
    assert.match(r.stderr, /UserNotFoundException/);
  }
});

step('create without a password: FORCE_CHANGE_PASSWORD, the printed temporary password leads to a new one', async () => {
  const out = usersOk('create', temp.username, '--attribute', `email=${temp.email}`);
  const [line, tempLine] = out.trim().split('\n');
  assert.equal(fields(line).status, 'FORCE_CHANGE_PASSWORD');
  const temporary = /^temporary password: (\S+)$/.exec(tempLine)[1];
  const r = await signIn({ username: temp.username, password: temporary });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
  assert.equal((await confirmSignIn({ challengeResponse: password })).isSignedIn, true);
  await signOut();
  assert.match(usersOk('list'), new RegExp(`^${temp.username}\\t${temp.email}\\tCONFIRMED\\t`, 'm'));
});

step('confirm (by email): an UNCONFIRMED user can then sign in', async () => {
  await signUp({ username: late.username, password, options: { userAttributes: { email: late.email } } });
  // The client turns UserNotConfirmedException into a CONFIRM_SIGN_UP step.
  const before = await signIn({ username: late.username, password });
  assert.equal(before.nextStep.signInStep, 'CONFIRM_SIGN_UP');
  assert.equal(fields(usersOk('list').split('\n').find((l) => l.startsWith(`${late.username}\t`))).status, 'UNCONFIRMED');
  assert.equal(fields(usersOk('confirm', late.email).trim()).status, 'CONFIRMED');
  assert.equal((await signIn({ username: late.username, password })).isSignedIn, true);
  await signOut();
  const again = users('confirm', late.username);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /Current status is CONFIRMED/);
});

step('set-password (by sub): the new password signs in, the old one is refused', async () => {
  const next = 'Another#Horse2';
  usersOk('set-password', grace.sub, next);
  const old = await rejects(signIn({ username: grace.username, password }));
  assert.equal(old.name, 'NotAuthorizedException');
  assert.equal((await signIn({ username: grace.username, password: next })).isSignedIn, true);
  await signOut();
  grace.password = next;
});

step('list shows every user with status, groups and sub', () => {
  const lines = usersOk('list').trim().split('\n');
  assert.equal(lines[0], 'USERNAME\tEMAIL\tSTATUS\tGROUPS\tSUB\tPHONE');
  const row = lines.slice(1).map(fields).find((u) => u.sub === grace.sub);
  assert.deepEqual(row, { username: grace.username, email: grace.email, status: 'CONFIRMED', groups: 'EDITORS', sub: grace.sub, phone: '-' });
  for (const u of [temp, late]) assert.ok(lines.some((l) => l.startsWith(`${u.username}\t${u.email}\t`)), `${u.username} listed`);
});

step('delete (by email): sign-in then fails and the user is no longer listed', async () => {
  assert.match(usersOk('delete', grace.email), new RegExp(`^deleted ${grace.username}\\t`));
  const e = await rejects(signIn({ username: grace.username, password: grace.password }));
  assert.equal(e.name, 'NotAuthorizedException');
  assert.ok(!usersOk('list').includes(grace.sub));
  const twice = users('delete', grace.sub);
  assert.notEqual(twice.status, 0);
  assert.match(twice.stderr, /UserNotFoundException/);
});

await run();
