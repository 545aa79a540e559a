// The real aws-amplify client against a sandbox whose defineAuth has the custom-challenge,
// pre/post-authentication, customMessage and userMigration triggers
// (conformance/projects/auth-custom).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import * as OTPAuth from 'otpauth';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, resendSignUpCode, signIn, confirmSignIn, signOut, fetchAuthSession,
  getCurrentUser, fetchUserAttributes, resetPassword, confirmResetPassword, updateUserAttributes, sendUserAttributeVerificationCode,
  setUpTOTP, verifyTOTPSetup, updateMFAPreference,
} from 'aws-amplify/auth';
import { CognitoIdentityProviderClient, AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';
import { createSteps, rejects } from './steps.mjs';

const outputs = JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8'));
const { step, run } = createSteps();
const tag = crypto.randomBytes(4).toString('hex');
const password = 'Correct#Horse1';
const log = () => fs.readFileSync(`${process.env.AMPSTACK_DIR}/sandbox.log`, 'utf8');
const alice = `alice.${tag}@example.com`;
const custom = (username, clientMetadata) => signIn({ username, options: { authFlowType: 'CUSTOM_WITHOUT_SRP', clientMetadata } });

async function outbox(to) {
  const res = await fetch(`${outputs.custom.ampstack.endpoint}/_ampstack/outbox?to=${encodeURIComponent(to)}`);
  return res.json();
}

/** Waits until the sandbox log (function output included) has `line`. */
async function logged(line) {
  const deadline = Date.now() + 10_000;
  while (!log().includes(line) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(log().includes(line), `the sandbox log shows: ${line}`);
}

/** Signs up and confirms `email` with the code from the (custom) sign-up message. */
async function register(email, attrs = {}) {
  const r = await signUp({ username: email, password, options: { userAttributes: { email, ...attrs } } });
  assert.equal(r.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const [msg] = await outbox(email);
  await confirmSignUp({ username: email, confirmationCode: msg.code });
  return msg;
}

/** A TOTP code for `secret`, `offset` 30-second steps from now. */
const totp = (secret, offset = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' })
    .generate({ timestamp: Date.now() + offset * 30_000 });

/** A raw user-pool call, for what the client library does not expose (replaying a Session). */
async function cognito(op, body) {
  const res = await fetch(outputs.custom.ampstack.user_pool_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify({ ClientId: outputs.auth.user_pool_client_id, ...body }),
  });
  return { status: res.status, body: await res.json() };
}

step('configure', () => configureAmplify(Amplify, outputs));

step('customMessage: the sign-up and resend messages are the function\'s, with the code in place', async () => {
  const msg = await register(alice);
  assert.equal(msg.subject, 'Ampstack CustomMessage_SignUp');
  assert.equal(msg.body, `Hi ${alice}, your code for CustomMessage_SignUp is ${msg.code}`);
  assert.match(msg.code, /^\d{6}$/);
  const bob = `bob.${tag}@example.com`;
  await signUp({ username: bob, password, options: { userAttributes: { email: bob } } });
  await resendSignUpCode({ username: bob });
  const [resent] = await outbox(bob);
  assert.equal(resent.subject, 'Ampstack CustomMessage_ResendCode');
  assert.equal(resent.body, `Hi ${bob}, your code for CustomMessage_ResendCode is ${resent.code}`);
  await confirmSignUp({ username: bob, confirmationCode: resent.code });
});

step('customMessage: a message without the {####} placeholder is not used (the default is sent)', async () => {
  const email = `nocode.${tag}@example.com`;
  await signUp({ username: email, password, options: { userAttributes: { email } } });
  const [msg] = await outbox(email);
  assert.equal(msg.body, `The verification code to your new account is ${msg.code}`);
  assert.doesNotMatch(msg.subject, /Ampstack/);
});

step('customMessage: UpdateUserAttribute, VerifyUserAttribute and AdminCreateUser messages', async () => {
  const carol = `carol.${tag}@example.com`;
  const moved = `carol.moved.${tag}@example.com`;
  await register(carol);
  await signIn({ username: carol, password });
  await updateUserAttributes({ userAttributes: { email: moved } });
  const [update] = await outbox(moved);
  assert.equal(update.subject, 'Ampstack CustomMessage_UpdateUserAttribute');
  assert.equal(update.body, `Hi ${moved}, your code for CustomMessage_UpdateUserAttribute is ${update.code}`);
  await sendUserAttributeVerificationCode({ userAttributeKey: 'email' });
  const [verify] = await outbox(moved);
  assert.equal(verify.subject, 'Ampstack CustomMessage_VerifyUserAttribute');
  await signOut();
  // AdminCreateUser through the AWS SDK signed with the sandbox's admin credentials: the
  // invitation carries the username and the temporary password where the function put them.
  const out = spawnSync(process.env.AMPSTACK_BIN, ['credentials', '--dir', process.env.AMPSTACK_DIR], { encoding: 'utf8' }).stdout;
  const creds = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  const admin = new CognitoIdentityProviderClient({
    region: 'us-east-1', endpoint: outputs.custom.ampstack.user_pool_endpoint, maxAttempts: 1,
    credentials: { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY },
  });
  const dave = `dave.${tag}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: outputs.auth.user_pool_id, Username: dave, TemporaryPassword: 'Temp#Pass123', UserAttributes: [{ Name: 'email', Value: dave }] }));
  const [invite] = await outbox(dave);
  assert.equal(invite.subject, 'Ampstack CustomMessage_AdminCreateUser');
  assert.match(invite.body, /^Welcome [0-9a-f-]{36}, your temporary password is Temp#Pass123$/);
});

step('CUSTOM_WITHOUT_SRP: a question (public parameters only), the right answer signs in; postAuthentication runs', async () => {
  const r = await custom(alice, { lang: 'fr' });
  assert.equal(r.isSignedIn, false);
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  const info = r.nextStep.additionalInfo;
  assert.equal(info.question, 'What is six times seven?');
  assert.equal(info.greeting, 'Bonjour', 'clientMetadata reached createAuthChallenge');
  assert.equal(info.attempt, '1');
  assert.deepEqual(Object.keys(info).sort(), ['USERNAME', 'attempt', 'greeting', 'question'], 'only the public parameters (and USERNAME)');
  assert.ok(!Object.values(info).includes('42'), 'the private answer never reaches the client');
  const done = await confirmSignIn({ challengeResponse: '42', options: { clientMetadata: { via: 'custom' } } });
  assert.equal(done.isSignedIn, true);
  assert.equal(done.nextStep.signInStep, 'DONE');
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, alice);
  assert.equal((await getCurrentUser()).signInDetails.authFlowType, 'CUSTOM_WITHOUT_SRP');
  // preTokenGeneration V2 (the cfnUserPool override in backend.ts) shaped both tokens.
  assert.equal(tokens.idToken.payload.event_version, '2');
  assert.equal(tokens.accessToken.payload.tenant, 'acme');
  assert.equal(tokens.accessToken.payload.scope, 'aws.cognito.signin.user.admin todo/read');
  assert.notEqual(tokens.accessToken.payload.username, 'not-allowed', 'Cognito-owned claims stay');
  assert.equal((await fetchUserAttributes()).email, alice, 'the access token still works for the user API');
  await logged(`POSTAUTH PostAuthentication_Authentication ${alice} {"via":"custom"}`);
  await logged('CUSTOM_CHALLENGE:true');
  await signOut();
});

step('CUSTOM_WITHOUT_SRP: wrong answers are challenged again, the third fails the sign-in', async () => {
  let r = await custom(alice);
  for (const [answer, attempt] of [['41', '2'], ['40', '3']]) {
    r = await confirmSignIn({ challengeResponse: answer });
    assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    assert.equal(r.nextStep.additionalInfo.attempt, attempt);
    assert.equal(r.nextStep.additionalInfo.greeting, 'Hello');
  }
  const e = await rejects(confirmSignIn({ challengeResponse: '39' }));
  assert.equal(e.name, 'NotAuthorizedException');
  assert.equal(e.message, 'Incorrect username or password.');
  await logged('CUSTOM_CHALLENGE:false,CUSTOM_CHALLENGE:false,CUSTOM_CHALLENGE:false notFound=false'); // defineAuthChallenge saw the three failures
  await rejects(getCurrentUser());
});

step('CUSTOM_WITH_SRP: a wrong password is refused; the right one leads to the question, then tokens', async () => {
  const wrong = await rejects(signIn({ username: alice, password: 'Wrong#Horse1', options: { authFlowType: 'CUSTOM_WITH_SRP' } }));
  assert.equal(wrong.name, 'NotAuthorizedException');
  assert.equal(wrong.message, 'Incorrect username or password.');
  const r = await signIn({ username: alice, password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  assert.equal(r.nextStep.additionalInfo.question, 'What is six times seven?');
  await logged('SRP_A:true,PASSWORD_VERIFIER:true notFound=false'); // defineAuthChallenge saw SRP_A and PASSWORD_VERIFIER
  const done = await confirmSignIn({ challengeResponse: '42' });
  assert.equal(done.isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.accessToken.payload.username, tokens.idToken.payload['cognito:username']);
  assert.equal(tokens.idToken.payload.email, alice);
  await signOut();
});

step('MFA follows the password step of CUSTOM_WITH_SRP; a passwordless custom flow never asks for it', async () => {
  const erin = `erin.${tag}@example.com`;
  await register(erin);
  await signIn({ username: erin, password });
  const { sharedSecret } = await setUpTOTP();
  await verifyTOTPSetup({ code: totp(sharedSecret, -1) });
  await updateMFAPreference({ totp: 'PREFERRED' });
  await signOut();
  const r = await signIn({ username: erin, password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: totp(sharedSecret) })).isSignedIn, true);
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, erin);
  await signOut();
  const c = await custom(erin);
  assert.equal(c.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  assert.equal((await confirmSignIn({ challengeResponse: '42' })).isSignedIn, true);
  await signOut();
});

step('CUSTOM_AUTH for an unknown user: challenged like anyone, never signed in', async () => {
  const ghost = `ghost.${tag}@example.com`;
  const r = await custom(ghost);
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  const e = await rejects(confirmSignIn({ challengeResponse: '42' }));
  assert.equal(e.name, 'NotAuthorizedException');
  assert.equal(e.message, 'Incorrect username or password.');
  await logged(`DEFINE ${ghost} CUSTOM_CHALLENGE:true notFound=true`);
});

step('a custom challenge Session is single-use', async () => {
  const start = await cognito('InitiateAuth', { AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: alice } });
  assert.equal(start.body.ChallengeName, 'CUSTOM_CHALLENGE');
  assert.equal(start.body.ChallengeParameters.question, 'What is six times seven?');
  const answer = (session, a) => cognito('RespondToAuthChallenge', { ChallengeName: 'CUSTOM_CHALLENGE', Session: session, ChallengeResponses: { USERNAME: alice, ANSWER: a } });
  const again = await answer(start.body.Session, '1');
  assert.equal(again.body.ChallengeName, 'CUSTOM_CHALLENGE');
  assert.notEqual(again.body.Session, start.body.Session);
  const replay = await answer(start.body.Session, '42');
  assert.equal(replay.status, 400);
  assert.equal(replay.body.__type, 'NotAuthorizedException');
  const ok = await answer(again.body.Session, '42');
  assert.ok(ok.body.AuthenticationResult?.AccessToken, 'the fresh Session still works');
});

step('preAuthentication refuses a blocked account in every password flow, with the function\'s message', async () => {
  const blocked = `blocked.${tag}@example.com`;
  await register(blocked);
  for (const options of [undefined, { authFlowType: 'USER_PASSWORD_AUTH' }, { authFlowType: 'CUSTOM_WITH_SRP' }]) {
    const e = await rejects(signIn({ username: blocked, password, options }));
    assert.equal(e.name, 'UserLambdaValidationException', JSON.stringify(options));
    assert.equal(e.message, 'PreAuthentication failed with error this account is blocked.');
  }
  await rejects(getCurrentUser());
  // As in Cognito, a passwordless custom flow does not run it: the challenges decide.
  const r = await custom(blocked);
  assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  assert.equal((await confirmSignIn({ challengeResponse: '42' })).isSignedIn, true);
  await signOut();
});

step('postAuthentication failing withholds the tokens', async () => {
  const audited = `audited.${tag}@example.com`;
  await register(audited, { nickname: 'no-tokens' });
  const e = await rejects(signIn({ username: audited, password }));
  assert.equal(e.name, 'UserLambdaValidationException');
  assert.equal(e.message, 'PostAuthentication failed with error sign-in audit failed.');
  await rejects(getCurrentUser());
});

step('userMigration: first USER_PASSWORD_AUTH sign-in creates the user; then SRP works with that password', async () => {
  const legacy = `legacy.${tag}@example.com`;
  // A refusal at sign-in does not show the function's message (PreventUserExistenceErrors).
  const bad = await rejects(signIn({ username: legacy, password: 'Wrong#Pass1', options: { authFlowType: 'USER_PASSWORD_AUTH' } }));
  assert.equal(bad.name, 'NotAuthorizedException');
  assert.equal(bad.message, 'Incorrect username or password.');
  await logged(`userMigration did not migrate ${legacy}: UserMigration failed with error bad password.`);
  const r = await signIn({ username: legacy, password: 'Legacy#Pass1', options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  assert.equal(r.isSignedIn, true);
  const id = (await fetchAuthSession()).tokens.idToken.payload;
  assert.equal(id.email, legacy);
  assert.equal(id.email_verified, true);
  assert.equal(id.nickname, 'migrated');
  await logged(`MIGRATE UserMigration_Authentication ${legacy}`);
  await signOut();
  assert.equal((await signIn({ username: legacy, password: 'Legacy#Pass1' })).isSignedIn, true, 'SRP sign-in with the migrated password');
  await signOut();
  assert.equal((await outbox(legacy)).length, 0, 'messageAction SUPPRESS: no welcome message');
});

step('userMigration on ForgotPassword: the user is created RESET_REQUIRED and gets a (custom) reset code', async () => {
  const stranger = `stranger.${tag}@example.com`;
  const refused = await rejects(resetPassword({ username: stranger }));
  assert.equal(refused.name, 'UserLambdaValidationException');
  assert.equal(refused.message, 'UserMigration failed with error user not found in the legacy directory.');
  const legacy = `legacy.reset.${tag}@example.com`;
  const r = await resetPassword({ username: legacy });
  assert.equal(r.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  const [msg] = await outbox(legacy);
  assert.equal(msg.subject, 'Ampstack CustomMessage_ForgotPassword');
  assert.equal(msg.body, `Hi ${legacy}, your code for CustomMessage_ForgotPassword is ${msg.code}`);
  await confirmResetPassword({ username: legacy, confirmationCode: msg.code, newPassword: 'Fresh#Start1' });
  assert.equal((await signIn({ username: legacy, password: 'Fresh#Start1' })).isSignedIn, true);
  await signOut();
});

await run();
